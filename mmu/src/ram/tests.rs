use super::*;
use crate::events::HartEvents;

#[test]
fn load_store_round_trip_and_bounds() {
    let ram = GuestRam::new(0x8000_0000, 0x2000).unwrap();
    ram.store(0x8000_0ffd, 8, 0x1122_3344_5566_7788).unwrap();
    assert_eq!(ram.load(0x8000_0ffd, 8), Ok(0x1122_3344_5566_7788));
    assert_eq!(ram.load(0x8000_0ffd, 1), Ok(0x88));
    assert!(ram.contains(0x8000_1ff8, 8));
    assert!(!ram.contains(0x8000_1ff9, 8));
    assert!(!ram.contains(0x7fff_ffff, 1));
    assert_eq!(ram.read(0x8000_2000, &mut [0u8; 1]), out(0x8000_2000, 1));
}

fn out<T>(addr: u64, len: u64) -> Result<T, OutOfRange> {
    Err(OutOfRange { addr, len })
}

#[test]
fn scalar_accesses_are_checked_in_every_build() {
    let ram = GuestRam::new(0x8000_0000, 0x2000).unwrap();
    // Straddling the end, below the base, wrapping around the top.
    assert_eq!(ram.load(0x8000_1ffc, 8), out(0x8000_1ffc, 8));
    assert_eq!(ram.store(0x8000_1fff, 2, 0), out(0x8000_1fff, 2));
    assert_eq!(ram.load(0x7fff_fffc, 4), out(0x7fff_fffc, 4));
    assert_eq!(ram.load(u64::MAX - 3, 8), out(u64::MAX - 3, 8));
    // Only the scalar sizes exist; a 3-byte access must not read 8.
    assert_eq!(ram.load(0x8000_1ffd, 3), out(0x8000_1ffd, 3));
    assert_eq!(ram.store(0x8000_0000, 16, 0), out(0x8000_0000, 16));
    // The compare-and-swap wants an aligned word in RAM.
    assert_eq!(
        ram.compare_exchange_u64(0x8000_0004, 0, 1),
        out(0x8000_0004, 8)
    );
    assert_eq!(
        ram.compare_exchange_u64(0x8000_2000, 0, 1),
        out(0x8000_2000, 8)
    );
    assert_eq!(ram.compare_exchange_u64(0x8000_0008, 0, 7), Ok(true));
    assert_eq!(ram.compare_exchange_u64(0x8000_0008, 0, 9), Ok(false));
    assert_eq!(ram.load(0x8000_0008, 8), Ok(7));
    // Pages and host addresses.
    assert!(ram.page(0x8000_2000).is_none());
    let page = ram.page(0x8000_1234).unwrap();
    assert_eq!(ram.pa_of_host(page.host() + 0x10), Some(0x8000_1010));
    assert_eq!(ram.pa_of_host(ram.host_base() + 0x2000), None);
    assert_eq!(ram.pa_of_host(ram.host_base().wrapping_sub(1)), None);
    // Code-page bits outside RAM: never set, never indexed.
    ram.set_code_page(0x1000, true);
    assert!(!ram.is_code_page(0x1000));
    assert!(!ram.is_code_page(u64::MAX));
}

#[test]
fn amos_are_indivisible_across_threads() {
    let ram = GuestRam::new(0x8000_0000, 0x1000).unwrap();
    let (word, dword) = (0x8000_0010, 0x8000_0018);
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                for _ in 0..20_000 {
                    ram.fetch_update(word, 4, |v| v + 1).unwrap();
                    ram.fetch_update(dword, 8, |v| v.wrapping_add(3)).unwrap();
                }
            });
        }
    });
    // Lost updates would leave less.
    assert_eq!(ram.load(word, 4), Ok(40_000));
    assert_eq!(ram.load(dword, 8), Ok(120_000));
    // Word operations touch only their four bytes.
    assert_eq!(ram.load(word + 4, 4), Ok(0));
    assert_eq!(ram.fetch_update(word, 4, |_| 0xffff_ffff), Ok(40_000));
    assert_eq!(ram.load(word, 8), Ok(0xffff_ffff));
    // Compare-and-swap of a word: compares and writes the low 32 bits.
    assert_eq!(ram.compare_exchange(word, 4, 0xffff_ffff, 7), Ok(true));
    assert_eq!(ram.compare_exchange(word, 4, 0xffff_ffff, 9), Ok(false));
    assert_eq!(ram.load(word, 4), Ok(7));
    // Misaligned, outside RAM, or not a word size: refused.
    assert_eq!(ram.fetch_update(word + 2, 4, |v| v), out(word + 2, 4));
    assert_eq!(ram.fetch_update(0x8000_1000, 8, |v| v), out(0x8000_1000, 8));
    assert_eq!(ram.compare_exchange(word, 2, 0, 0), out(word, 2));
}

#[test]
fn code_page_bits() {
    let ram = GuestRam::new(0x8000_0000, 0x10_0000).unwrap();
    assert!(!ram.is_code_page(0x8000_5123));
    ram.set_code_page(0x8000_5000, true);
    assert!(ram.is_code_page(0x8000_5fff));
    assert!(!ram.is_code_page(0x8000_6000));
    ram.clear_code_pages();
    assert!(!ram.is_code_page(0x8000_5000));
}

#[test]
fn dma_writes_queue_code_pages_and_check_bounds() {
    let ram = GuestRam::with_harts(0x8000_0000, 0x10_0000, HartEvents::for_harts(2)).unwrap();
    let dma = ram.dma_handle();
    ram.set_code_page(0x8000_2000, true);
    assert!(ram.events().iter().all(|e| e.pending() == 0));
    dma.write(0x8000_1ffe, &[1, 2, 3, 4]).unwrap();
    for ev in ram.events().iter() {
        assert_eq!(
            ev.take_code_pages(),
            vec![0x8000_2000],
            "every hart is told"
        );
    }
    assert!(!ram.is_code_page(0x8000_2000));
    assert_eq!(ram.load(0x8000_1ffe, 4), Ok(0x0403_0201));
    assert!(dma.write(0x800f_fffe, &[0; 4]).is_err());
    assert!(dma.read(0x7fff_ffff, &mut [0; 2]).is_err());
    assert!(dma.read(u64::MAX, &mut [0; 2]).is_err());
    assert_eq!(dma.read_u32(0x8000_1ffe), Ok(0x0403_0201));
}

#[test]
fn rejects_bad_sizes() {
    assert!(GuestRam::new(0x8000_0000, 0).is_err());
    assert!(GuestRam::new(0x8000_0000, 100).is_err());
    // base + size must not wrap around the address space.
    assert!(GuestRam::new(u64::MAX - 0xfff, 0x2000).is_err());
}

#[test]
fn a_harts_store_to_code_queues_the_page_for_the_others() {
    let ram = GuestRam::with_harts(0x8000_0000, 0x10_0000, HartEvents::for_harts(3)).unwrap();
    ram.set_code_page(0x8000_4000, true);
    ram.code_written_by(0x8000_4abc, 1);
    let queued: Vec<_> = ram.events().iter().map(|e| e.take_code_pages()).collect();
    assert_eq!(queued, vec![vec![0x8000_4000], vec![], vec![0x8000_4000]]);
    assert!(!ram.is_code_page(0x8000_4000));
}
