/*
 * tier_dma.S - code written by DMA while the old code is hot (M-mode).
 *
 * tier_smc.S covers code rewritten by the hart's own stores. Here the
 * writer is a device: a virtio-blk read request copies a disk sector over
 * a function that already ran HOT times (so under --accel jit it has been
 * translated, by default or with --jit-threshold 1). Zifencei only orders
 * the hart's own stores, but a driver that loads code from a disk relies
 * on fence.i after the completed DMA too (it is what Linux does when it
 * pages in text), so the new code must run after it, every time.
 *
 * The harness attaches an image (--disk) whose sector 0 starts with
 * `li a0, 2; ret` and sector 1 with `li a0, 3; ret`, the rest zero, on
 * virtio-mmio slot 0 of the virt layout. The device is heron's modern
 * (version 2) virtio-mmio transport; nothing is taken from other drivers,
 * the sequence follows the virtio 1.2 spec (sections 3.1.1, 4.2.3, 2.7).
 * Completion is found by polling the used ring: heron serves the request
 * inside the QueueNotify store, QEMU a little later, and no interrupt is
 * taken (mie = 0, the PLIC is left alone).
 *
 *   1-3    the slot holds a virtio block device (magic, version 2, ID 2)
 *   4-7    reset, ACKNOWLEDGE | DRIVER, VERSION_1 offered and accepted
 *          (FEATURES_OK stays set), queue 0 set up and DRIVER_OK without
 *          DEVICE_NEEDS_RESET
 *   8      the buffer written by stores (li a0, 1; ret), fence.i, HOT calls
 *   9-13   sector 0 read by DMA into the buffer: the request completes,
 *          the used element and status byte say so, the bytes are in RAM,
 *          and after fence.i HOT calls all return 2
 *   14-18  the same with sector 1 (li a0, 3; ret) over the code that now
 *          is hot with 2
 *
 * Validation on QEMU (heron is modern-only, so force-legacy=false):
 *   qemu-system-riscv64 -M virt -bios none -nographic -kernel tier_dma.elf
 *     -global virtio-mmio.force-legacy=false
 *     -drive file=IMG,if=none,format=raw,id=d
 *     -device virtio-blk-device,drive=d
 * with the ELF built with -DQEMU_VIRT (the virt test finisher ends the run)
 * and -DVIRTIO0=0x10008000 (the slot QEMU gives the device).
 */
#include "test.h"
#include "hot.h"


/* encodings of the code the buffer holds (the disk holds the others) */
#define ADDI(rd, rs1, imm) ((((imm) & 0xfff) << 20) | ((rs1) << 15) | ((rd) << 7) | 0x13)
#define RET 0x00008067              /* jalr x0, 0(ra) */
#define A0 10

/* virtio-mmio slot 0 of the virt layout, where heron's first --disk is.
   QEMU's virt puts the first -device virtio-*-device in the last slot,
   0x1000_8000: validation builds with -DVIRTIO0=0x10008000. */
#ifndef VIRTIO0
#define VIRTIO0 0x10001000
#endif
#define VIRTIO_MAGIC 0x74726976     /* "virt" */
#define REG_MAGIC        0x000
#define REG_VERSION      0x004
#define REG_DEVICE_ID    0x008
#define REG_DEV_FEAT     0x010
#define REG_DEV_FEAT_SEL 0x014
#define REG_DRV_FEAT     0x020
#define REG_DRV_FEAT_SEL 0x024
#define REG_QUEUE_SEL    0x030
#define REG_QUEUE_NUM_MAX 0x034
#define REG_QUEUE_NUM    0x038
#define REG_QUEUE_READY  0x044
#define REG_QUEUE_NOTIFY 0x050
#define REG_INT_STATUS   0x060
#define REG_INT_ACK      0x064
#define REG_STATUS       0x070
#define REG_DESC_LO      0x080
#define REG_DESC_HI      0x084
#define REG_DRIVER_LO    0x090
#define REG_DRIVER_HI    0x094
#define REG_DEVICE_LO    0x0a0
#define REG_DEVICE_HI    0x0a4

#define ST_ACK         1
#define ST_DRIVER      2
#define ST_DRIVER_OK   4
#define ST_FEATURES_OK 8
#define ST_NEEDS_RESET 0x40

#define DEVICE_ID_BLOCK 2
#define BLK_T_IN 0
#define SECTOR 512

/* the queue, in a page of its own (vq_page): 8 entries, so the rings are
   small; offsets meet the split-ring alignments (16, 2, 4) */
#define QSIZE 8
#define VQ_DESC  0x000              /* 8 x 16 bytes */
#define VQ_AVAIL 0x100              /* flags, idx, ring[8] */
#define VQ_USED  0x200              /* flags, idx, ring[8] of {id, len} */
#define VQ_REQ   0x400              /* request header: type, reserved, sector */
#define VQ_REQ_RSV 0x404
#define VQ_REQ_SECTOR 0x408
#define VQ_STAT  0x410              /* the status byte the device writes */

#define DESC_F_NEXT  1
#define DESC_F_WRITE 2

/* polls of used.idx before a request counts as lost (QEMU serves it on
   another thread; heron before the notifying store retires) */
#define POLL_LIMIT 10000000

    .text
    .globl test_main
test_main:
    li s6, VIRTIO0
    la s7, vq_page
    la s2, code_buf

    /* ---- the device ---- */
    TEST_NUM(1)
    lw t0, REG_MAGIC(s6)
    CHECK(t0, VIRTIO_MAGIC)
    TEST_NUM(2)
    lw t0, REG_VERSION(s6)
    CHECK(t0, 2)
    TEST_NUM(3)
    lw t0, REG_DEVICE_ID(s6)
    CHECK(t0, DEVICE_ID_BLOCK)

    /* ---- initialization (virtio 1.2 section 3.1.1) ---- */
    TEST_NUM(4)
    sw zero, REG_STATUS(s6)             /* reset */
    li t0, ST_ACK
    sw t0, REG_STATUS(s6)
    li t0, ST_ACK | ST_DRIVER
    sw t0, REG_STATUS(s6)
    li t0, 1                            /* features 32..63 */
    sw t0, REG_DEV_FEAT_SEL(s6)
    lw t0, REG_DEV_FEAT(s6)
    andi t0, t0, 1                      /* VIRTIO_F_VERSION_1 = bit 32 */
    CHECK(t0, 1)
    /* only VERSION_1: no device feature is needed for plain reads */
    TEST_NUM(5)
    li t0, 1
    sw t0, REG_DRV_FEAT_SEL(s6)
    sw t0, REG_DRV_FEAT(s6)
    sw zero, REG_DRV_FEAT_SEL(s6)
    sw zero, REG_DRV_FEAT(s6)
    li t0, ST_ACK | ST_DRIVER | ST_FEATURES_OK
    sw t0, REG_STATUS(s6)
    lw t0, REG_STATUS(s6)               /* the device clears it to refuse */
    andi t0, t0, ST_FEATURES_OK
    CHECK(t0, ST_FEATURES_OK)

    /* queue 0: free (not ready) and large enough */
    TEST_NUM(6)
    sw zero, REG_QUEUE_SEL(s6)
    lw t0, REG_QUEUE_READY(s6)
    CHECK(t0, 0)
    lw t0, REG_QUEUE_NUM_MAX(s6)
    li t1, QSIZE
    bltu t0, t1, fail
    li t0, QSIZE
    sw t0, REG_QUEUE_NUM(s6)
    /* the ring addresses, 64-bit in two halves (RAM is below 4 GiB, but
       the high halves are written rather than assumed to be 0) */
    addi t0, s7, VQ_DESC
    sw t0, REG_DESC_LO(s6)
    srli t0, t0, 32
    sw t0, REG_DESC_HI(s6)
    addi t0, s7, VQ_AVAIL
    sw t0, REG_DRIVER_LO(s6)
    srli t0, t0, 32
    sw t0, REG_DRIVER_HI(s6)
    addi t0, s7, VQ_USED
    sw t0, REG_DEVICE_LO(s6)
    srli t0, t0, 32
    sw t0, REG_DEVICE_HI(s6)
    li t0, 1
    sw t0, REG_QUEUE_READY(s6)

    TEST_NUM(7)
    li t0, ST_ACK | ST_DRIVER | ST_FEATURES_OK | ST_DRIVER_OK
    sw t0, REG_STATUS(s6)
    lw t1, REG_STATUS(s6)               /* no DEVICE_NEEDS_RESET: rings ok */
    bne t1, t0, fail
    lw t0, REG_QUEUE_READY(s6)
    CHECK(t0, 1)

    /* ---- the buffer's first code, written by stores ---- */
    TEST_NUM(8)
    li t0, ADDI(A0, 0, 1)
    sw t0, 0(s2)
    li t0, RET
    sw t0, 4(s2)
    fence.i
    call call_buf_hot
    CHECK(s1, HOT)

    /* ---- round 1: sector 0 (li a0, 2; ret) over the hot code ---- */
    TEST_NUM(9)
    li a0, 0
    call blk_read
    CHECK(a0, 1)                        /* completed */
    TEST_NUM(10)
    lwu t0, 0(a1)                       /* used element: id = head 0 */
    CHECK(t0, 0)
    lwu t0, 4(a1)                       /* len: the sector and the status */
    CHECK(t0, SECTOR + 1)
    andi t0, a2, 1                      /* InterruptStatus: used buffer */
    CHECK(t0, 1)
    TEST_NUM(11)
    lbu t0, VQ_STAT(s7)
    CHECK(t0, 0)                        /* VIRTIO_BLK_S_OK */
    /* the new code is in RAM: a failure past this point is stale code */
    TEST_NUM(12)
    lwu t0, 0(s2)
    CHECK(t0, ADDI(A0, 0, 2))
    lwu t0, 4(s2)
    CHECK(t0, RET)
    lwu t0, 8(s2)                       /* the rest of the sector: zero */
    CHECK(t0, 0)
    TEST_NUM(13)
    fence.i
    call call_buf_hot
    CHECK(s1, 2 * HOT)                  /* 1 or a trap on any call fails */

    /* ---- round 2: sector 1 (li a0, 3; ret) over code hot with 2 ---- */
    TEST_NUM(14)
    li a0, 1
    call blk_read
    CHECK(a0, 1)
    TEST_NUM(15)
    lwu t0, 0(a1)
    CHECK(t0, 0)
    lwu t0, 4(a1)
    CHECK(t0, SECTOR + 1)
    andi t0, a2, 1
    CHECK(t0, 1)
    TEST_NUM(16)
    lbu t0, VQ_STAT(s7)
    CHECK(t0, 0)
    TEST_NUM(17)
    lwu t0, 0(s2)
    CHECK(t0, ADDI(A0, 0, 3))
    lwu t0, 4(s2)
    CHECK(t0, RET)
    TEST_NUM(18)
    fence.i
    call call_buf_hot
    CHECK(s1, 3 * HOT)

    sw zero, REG_STATUS(s6)             /* reset: the device stops */
    PASS

/* blk_read(a0 = sector): one VIRTIO_BLK_T_IN request of one sector into
   code_buf (s2), on the queue at s7 of the device at s6, as a chain of
   three descriptors: header (device-readable), data and status byte
   (device-writable). Returns a0 = 1 if used.idx caught up within
   POLL_LIMIT polls (else 0), a1 = the used element's address, a2 = the
   InterruptStatus seen (then acknowledged). Clobbers t0-t5. */
blk_read:
    /* header: type IN, reserved 0, the sector */
    li t0, BLK_T_IN
    sw t0, VQ_REQ(s7)
    sw zero, VQ_REQ_RSV(s7)
    sd a0, VQ_REQ_SECTOR(s7)
    li t0, 0xff                         /* not a status the device writes */
    sb t0, VQ_STAT(s7)
    /* descriptor 0: the header */
    addi t1, s7, VQ_DESC
    addi t0, s7, VQ_REQ
    sd t0, 0(t1)
    li t0, 16
    sw t0, 8(t1)
    li t0, DESC_F_NEXT
    sh t0, 12(t1)
    li t0, 1
    sh t0, 14(t1)
    /* descriptor 1: the sector, into the code buffer */
    sd s2, 16(t1)
    li t0, SECTOR
    sw t0, 24(t1)
    li t0, DESC_F_NEXT | DESC_F_WRITE
    sh t0, 28(t1)
    li t0, 2
    sh t0, 30(t1)
    /* descriptor 2: the status byte */
    addi t0, s7, VQ_STAT
    sd t0, 32(t1)
    li t0, 1
    sw t0, 40(t1)
    li t0, DESC_F_WRITE
    sh t0, 44(t1)
    sh zero, 46(t1)
    /* publish head 0 in the available ring slot idx % QSIZE */
    addi t1, s7, VQ_AVAIL
    lhu t2, 2(t1)                       /* avail.idx */
    andi t0, t2, QSIZE - 1
    slli t0, t0, 1
    add t0, t0, t1
    sh zero, 4(t0)                      /* ring[slot] = 0 */
    fence w, w                          /* the chain and slot before idx */
    addi t2, t2, 1
    slli t2, t2, 48                     /* wrap at 16 bits */
    srli t2, t2, 48
    sh t2, 2(t1)
    fence w, o                          /* idx in RAM before the notify */
    sw zero, REG_QUEUE_NOTIFY(s6)       /* queue 0 */
    /* poll used.idx until it equals the new avail.idx */
    addi t3, s7, VQ_USED
    li t4, POLL_LIMIT
    li a0, 0
1:  lhu t5, 2(t3)
    beq t5, t2, 2f
    addi t4, t4, -1
    bnez t4, 1b
    j 3f
2:  fence r, r                          /* the element and data after idx */
    li a0, 1
3:  addi t0, t2, -1                     /* the element of this request */
    andi t0, t0, QSIZE - 1
    slli t0, t0, 3
    add t0, t0, t3
    addi a1, t0, 4
    lw a2, REG_INT_STATUS(s6)
    sw a2, REG_INT_ACK(s6)
    ret

    .section .bss
    .align 12
vq_page:
    .space 4096
    /* the code buffer, alone in its page: only the code and the DMA that
       replaces it touch it */
    .align 12
code_buf:
    .space 4096
