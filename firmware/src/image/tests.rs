use super::*;

const RAM_BASE: u64 = 0x8000_0000;
const RAM_SIZE: u64 = 16 * 1024 * 1024;
/// Where raw binaries go in these tests: after a firmware below 2 MiB.
const RAW_AT: u64 = RAM_BASE + 0x20_0000;

fn ram() -> GuestRam {
    GuestRam::new(RAM_BASE, RAM_SIZE).unwrap()
}

/// An `Image` header with `text_offset`, `image_size` and `flags`, followed
/// by `body`.
fn image(text_offset: u64, image_size: u64, flags: u64, body: &[u8]) -> Vec<u8> {
    let mut h = vec![0u8; IMAGE_HEADER_LEN];
    // code0: "j 0x40"-style jump over the header; its value does not matter.
    h[0..4].copy_from_slice(&0x0400_006f_u32.to_le_bytes());
    h[8..16].copy_from_slice(&text_offset.to_le_bytes());
    h[16..24].copy_from_slice(&image_size.to_le_bytes());
    h[24..32].copy_from_slice(&flags.to_le_bytes());
    h[32..36].copy_from_slice(&2u32.to_le_bytes()); // header version 0.2
    h[48..56].copy_from_slice(b"RISCV\0\0\0");
    h[56..60].copy_from_slice(b"RSC\x05");
    h.extend_from_slice(body);
    h
}

fn read(ram: &GuestRam, pa: u64, len: usize) -> Vec<u8> {
    let mut buf = vec![0; len];
    ram.read(pa, &mut buf).unwrap();
    buf
}

#[test]
fn image_goes_to_text_offset_and_reserves_image_size() {
    let ram = ram();
    let bytes = image(0x40_0000, 0x10_0000, 0, b"kernel body");
    let info = load_kernel(&bytes, &ram, RAW_AT).unwrap();
    assert_eq!(
        info,
        KernelInfo {
            entry: RAM_BASE + 0x40_0000,
            start: RAM_BASE + 0x40_0000,
            end: RAM_BASE + 0x50_0000,
        }
    );
    assert_eq!(read(&ram, info.entry, bytes.len()), bytes);
}

#[test]
fn zero_text_offset_means_two_mebibytes() {
    let ram = ram();
    // image_size 0 (old headers): the file length counts.
    let bytes = image(0, 0, 0, &[0xaa; 100]);
    let info = load_kernel(&bytes, &ram, RAW_AT).unwrap();
    assert_eq!(info.entry, RAM_BASE + 0x20_0000);
    assert_eq!(info.end, info.entry + bytes.len() as u64);
}

#[test]
fn image_bss_is_zeroed() {
    let ram = ram();
    ram.write(RAM_BASE + 0x20_0100, &[0x55; 16]).unwrap();
    let bytes = image(0x20_0000, 0x1000, 0, &[1; 16]);
    load_kernel(&bytes, &ram, RAW_AT).unwrap();
    assert_eq!(read(&ram, RAM_BASE + 0x20_0100, 16), vec![0; 16]);
}

#[test]
fn image_larger_than_ram_is_rejected() {
    let ram = ram();
    let bytes = image(0x20_0000, RAM_SIZE, 0, b"x");
    assert_eq!(
        load_kernel(&bytes, &ram, RAW_AT),
        Err(ImageError::TooBig {
            what: "kernel Image",
            addr: RAM_BASE + 0x20_0000,
            size: RAM_SIZE,
            ram_start: RAM_BASE,
            ram_end: RAM_BASE + RAM_SIZE,
        })
    );
    // A text_offset that overflows the address space is no host crash.
    let bytes = image(u64::MAX - 4, 0x1000, 0, b"x");
    assert!(matches!(
        load_kernel(&bytes, &ram, RAW_AT),
        Err(ImageError::TooBig { .. })
    ));
}

#[test]
fn big_endian_is_rejected_and_either_magic_is_an_image() {
    let ram = ram();
    assert_eq!(
        load_kernel(&image(0, 0, 1, b""), &ram, RAW_AT),
        Err(ImageError::BigEndian)
    );
    // Either magic alone identifies an Image.
    let mut old = image(0, 0, 0, b"");
    old[56..60].fill(0);
    assert_eq!(KernelFormat::of(&old), KernelFormat::Image);
    assert!(load_kernel(&old, &ram, RAW_AT).is_ok());
}

#[test]
fn anything_else_is_a_raw_binary_at_the_address_given() {
    let ram = ram();
    // Shorter than an Image header, and as long as one without its magic.
    for body in [vec![0x13u8; 63], vec![0x13u8; 4096]] {
        assert_eq!(KernelFormat::of(&body), KernelFormat::Raw);
        let info = load_kernel(&body, &ram, RAW_AT).unwrap();
        let end = RAW_AT + body.len() as u64;
        assert_eq!(
            info,
            KernelInfo {
                entry: RAW_AT,
                start: RAW_AT,
                end,
            }
        );
        assert_eq!(read(&ram, RAW_AT, body.len()), body);
    }
}

#[test]
fn raw_binary_must_fit_and_be_non_empty() {
    let ram = ram();
    assert_eq!(load_kernel(&[], &ram, RAW_AT), Err(ImageError::Empty));
    let room = (RAM_BASE + RAM_SIZE - RAW_AT) as usize;
    assert!(load_kernel(&vec![1; room], &ram, RAW_AT).is_ok());
    assert_eq!(
        load_kernel(&vec![1; room + 1], &ram, RAW_AT),
        Err(ImageError::TooBig {
            what: "raw kernel",
            addr: RAW_AT,
            size: room as u64 + 1,
            ram_start: RAM_BASE,
            ram_end: RAM_BASE + RAM_SIZE,
        })
    );
    // An address outside RAM, even one that wraps with the size.
    assert!(load_kernel(&[1; 16], &ram, u64::MAX - 4,).is_err());
}

#[test]
fn raw_kernel_follows_the_firmware_at_the_next_2mib() {
    assert_eq!(raw_kernel_address(RAM_BASE), Some(RAM_BASE));
    assert_eq!(raw_kernel_address(RAM_BASE + 1), Some(RAM_BASE + 0x20_0000));
    assert_eq!(
        raw_kernel_address(RAM_BASE + 0x48_000),
        Some(RAM_BASE + 0x20_0000)
    );
    assert_eq!(
        raw_kernel_address(RAM_BASE + 0x20_0000),
        Some(RAM_BASE + 0x20_0000)
    );
    assert_eq!(raw_kernel_address(u64::MAX - 1), None);
}

/// A little-endian ELF64 with one PT_LOAD segment of `data` (and `memsz`
/// bytes in memory) at physical `paddr`, entry `entry`, machine `machine`.
fn elf(paddr: u64, entry: u64, data: &[u8], memsz: u64, machine: u16) -> Vec<u8> {
    let mut f = vec![0u8; 64 + 56];
    f[0..4].copy_from_slice(b"\x7fELF");
    f[4] = 2; // ELFCLASS64
    f[5] = 1; // little-endian
    f[6] = 1; // EV_CURRENT
    f[16..18].copy_from_slice(&2u16.to_le_bytes()); // ET_EXEC
    f[18..20].copy_from_slice(&machine.to_le_bytes());
    f[20..24].copy_from_slice(&1u32.to_le_bytes());
    f[24..32].copy_from_slice(&entry.to_le_bytes());
    f[32..40].copy_from_slice(&64u64.to_le_bytes()); // e_phoff
    f[52..54].copy_from_slice(&64u16.to_le_bytes()); // e_ehsize
    f[54..56].copy_from_slice(&56u16.to_le_bytes()); // e_phentsize
    f[56..58].copy_from_slice(&1u16.to_le_bytes()); // e_phnum
    let ph = &mut f[64..120];
    ph[0..4].copy_from_slice(&1u32.to_le_bytes()); // PT_LOAD
    ph[4..8].copy_from_slice(&7u32.to_le_bytes()); // RWX
    ph[8..16].copy_from_slice(&120u64.to_le_bytes()); // p_offset
    ph[16..24].copy_from_slice(&paddr.to_le_bytes()); // p_vaddr
    ph[24..32].copy_from_slice(&paddr.to_le_bytes()); // p_paddr
    ph[32..40].copy_from_slice(&(data.len() as u64).to_le_bytes());
    ph[40..48].copy_from_slice(&memsz.to_le_bytes());
    ph[48..56].copy_from_slice(&0x1000u64.to_le_bytes());
    f.extend_from_slice(data);
    f
}

#[test]
fn elf_in_ram_loads_at_its_physical_address() {
    let ram = ram();
    let bytes = elf(
        RAM_BASE + 0x1000,
        RAM_BASE + 0x1004,
        b"payload!",
        0x100,
        243,
    );
    let info = load_kernel(&bytes, &ram, RAW_AT).unwrap();
    assert_eq!(
        info,
        KernelInfo {
            entry: RAM_BASE + 0x1004,
            start: RAM_BASE + 0x1000,
            end: RAM_BASE + 0x1100,
        }
    );
    assert_eq!(read(&ram, RAM_BASE + 0x1000, 8), b"payload!");
}

#[test]
fn vmlinux_linked_high_is_moved_to_two_mebibytes() {
    let ram = ram();
    let link = 0xffff_ffff_8000_0000;
    let bytes = elf(link, link + 0x40, b"vmlinux", 0x2000, 243);
    let info = load_kernel(&bytes, &ram, RAW_AT).unwrap();
    assert_eq!(info.start, RAM_BASE + 0x20_0000);
    assert_eq!(info.entry, RAM_BASE + 0x20_0040);
    assert_eq!(info.end, RAM_BASE + 0x20_2000);
    assert_eq!(read(&ram, info.start, 7), b"vmlinux");
}

#[test]
fn bad_elves_are_rejected() {
    let ram = ram();
    // x86-64 (62).
    assert_eq!(
        load_kernel(&elf(RAM_BASE, RAM_BASE, b"x", 1, 62), &ram, RAW_AT),
        Err(ImageError::WrongArch { machine: 62 })
    );
    // Entry outside the image.
    assert!(matches!(
        load_kernel(&elf(RAM_BASE, RAM_BASE + 0x10, b"x", 1, 243), &ram, RAW_AT),
        Err(ImageError::EntryOutsideImage { .. })
    ));
    // Bigger than RAM.
    assert!(matches!(
        load_kernel(
            &elf(RAM_BASE, RAM_BASE, b"x", RAM_SIZE * 2, 243),
            &ram,
            RAW_AT
        ),
        Err(ImageError::TooBig { .. })
    ));
    // File data cut short.
    let mut cut = elf(RAM_BASE, RAM_BASE, b"12345678", 8, 243);
    cut.truncate(cut.len() - 4);
    assert!(matches!(
        load_kernel(&cut, &ram, RAW_AT),
        Err(ImageError::BadElf(_))
    ));
    // A header that is only the magic.
    assert!(matches!(
        load_kernel(b"\x7fELF", &ram, RAW_AT),
        Err(ImageError::BadElf(_))
    ));
}

#[test]
fn dtb_sits_at_the_top_two_mebibyte_boundary() {
    let ram = ram();
    let end = RAM_BASE + RAM_SIZE;
    assert_eq!(dtb_address(&ram, 0x1800, RAM_BASE), Ok(end - DTB_ALIGN));
    // Exactly 2 MiB still fits in the top slot; one more byte does not.
    assert_eq!(dtb_address(&ram, DTB_ALIGN, RAM_BASE), Ok(end - DTB_ALIGN));
    assert_eq!(
        dtb_address(&ram, DTB_ALIGN + 1, RAM_BASE),
        Ok(end - 2 * DTB_ALIGN)
    );
    // Not below what is already loaded, and never below RAM.
    assert!(dtb_address(&ram, 0x1800, end - 0x1000).is_err());
    assert!(dtb_address(&ram, RAM_SIZE + 1, 0).is_err());
}

#[test]
fn initrd_goes_page_aligned_just_below_the_dtb() {
    let ram = ram();
    let top = RAM_BASE + RAM_SIZE - DTB_ALIGN;
    let data = vec![0x5a; 0x1801];
    let (start, end) = place_initrd(&data, &ram, RAM_BASE + 0x40_0000, top).unwrap();
    assert_eq!(start, top - 0x2000);
    assert_eq!(start % PAGE_SIZE, 0);
    assert_eq!(end, start + 0x1801);
    assert!(end <= top);
    assert_eq!(read(&ram, start, data.len()), data);
}

#[test]
fn initrd_that_would_overlap_the_kernel_is_rejected() {
    let ram = ram();
    let top = RAM_BASE + RAM_SIZE - DTB_ALIGN;
    let kernel_end = RAM_BASE + 0x40_0000;
    let data = vec![0; (top - kernel_end + 1) as usize];
    assert_eq!(
        place_initrd(&data, &ram, kernel_end, top),
        Err(ImageError::TooBig {
            what: "initrd",
            addr: kernel_end,
            size: data.len() as u64,
            ram_start: RAM_BASE,
            ram_end: RAM_BASE + RAM_SIZE,
        })
    );
}
