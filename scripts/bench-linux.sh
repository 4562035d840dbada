#!/usr/bin/env bash
# Linux boot benchmark: boots the Debian guest from scripts/guest-image.sh
# (same kernel, initramfs and disk) on heron (with the JIT and with the
# interpreter alone) and on `qemu-system-riscv64 -M virt` (QEMU's own
# OpenSBI), RUNS times each, interleaved, and prints the wall time
# from start to the guest's "heron-guest: ready" line (kernel boot, modules,
# root mounted) and to poweroff (the command is `true`, then the guest
# unmounts its root and powers off), with the heron/QEMU ratio of the
# medians.
#
# Usage: scripts/bench-linux.sh
#
# Environment:
#   RUNS          boots per emulator (default 3)
#   HERON         heron binary (default target/release/heron, built with
#                 `cargo build --release` if missing)
#   SKIP_HERON=1  only run QEMU
#   QEMU          QEMU binary (default qemu-system-riscv64)
#   SKIP_QEMU=1   only run heron
#   GUEST_DIR     where the guest is built (scripts/guest-image.sh --out;
#                 default: that script's default)
#   TIMEOUT       seconds allowed per boot (default 600)
#
# Both emulators get 512 MiB and one hart, and keep the disk image pristine
# (heron --snapshot, QEMU snapshot=on), so every run boots the same bytes.
# Exits non-zero if a boot fails: no ready line, or a non-zero exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$ROOT/target/bench-linux
RUNS=${RUNS:-3}
HERON=${HERON:-$ROOT/target/release/heron}
QEMU=${QEMU:-qemu-system-riscv64}
TIMEOUT=${TIMEOUT:-600}
SKIP_HERON=${SKIP_HERON:-0}
SKIP_QEMU=${SKIP_QEMU:-0}
READY_MARKER='heron-guest: ready'
# The guest runs this (base64 of "true") and powers off with its status.
APPEND="console=ttyS0 heron.cmd=$(printf %s true | base64 -w0)"

mkdir -p "$OUT"

# ---- guest and emulators ------------------------------------------------------
guest_args=()
[[ -z ${GUEST_DIR:-} ]] || guest_args=(--out "$GUEST_DIR")
GUEST_DIR=${GUEST_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/heron/guest}
"$ROOT/scripts/guest-image.sh" "${guest_args[@]}"
KERNEL=$GUEST_DIR/Image
INITRD=$GUEST_DIR/initramfs.cpio.gz
DISK=$GUEST_DIR/rootfs.ext4

if [[ $SKIP_HERON != 1 && ! -x $HERON ]]; then
    if [[ $HERON == "$ROOT/target/release/heron" ]]; then
        (cd "$ROOT" && cargo build --release --bin heron)
    else
        echo "bench-linux: HERON=$HERON is not an executable" >&2
        exit 2
    fi
fi
if [[ $SKIP_QEMU != 1 ]] && ! command -v "$QEMU" >/dev/null; then
    echo "bench-linux: $QEMU not found, skipping the QEMU comparison" >&2
    SKIP_QEMU=1
fi

HERON_CMD=("$HERON" run --stats --kernel "$KERNEL" --initrd "$INITRD" --append "$APPEND"
    --disk "$DISK" --snapshot --memory 512M --timeout "$TIMEOUT")
QEMU_CMD=("$QEMU" -M virt -smp 1 -m 512M -nographic -kernel "$KERNEL" -initrd "$INITRD"
    -append "$APPEND"
    -drive "file=$DISK,format=raw,if=none,id=hd0,snapshot=on"
    -device virtio-blk-device,drive=hd0)

# ---- one timed boot -------------------------------------------------------------
# boot_timed LOG CMD...: runs CMD with its console in LOG.out (stderr in
# LOG.err) and sets $ready_s (seconds to the ready line, "-" if it never
# came), $off_s (seconds to exit) and $rc. The console is read as it comes
# so the ready line gets the time it was printed.
boot_timed() {
    local log=$1 start line t
    shift
    ready_s=- off_s=- rc=0
    : >"$log.out"
    start=$EPOCHREALTIME
    while IFS= read -r line; do
        t=$EPOCHREALTIME
        case $line in
        __bench_exit=*)
            rc=${line#__bench_exit=}
            off_s=$(awk -v a="$start" -v b="$t" 'BEGIN { printf "%.2f", b - a }')
            ;;
        *)
            printf '%s\n' "$line" >>"$log.out"
            if [[ $ready_s == - && $line == *"$READY_MARKER"* ]]; then
                ready_s=$(awk -v a="$start" -v b="$t" 'BEGIN { printf "%.2f", b - a }')
            fi
            ;;
        esac
    done < <(
        rc=0
        timeout "$TIMEOUT" "$@" </dev/null 2>"$log.err" || rc=$?
        echo "__bench_exit=$rc"
    )
}

# ---- runs -------------------------------------------------------------------------
failed=0
rows=()
declare -A READY OFF
# heron runs with each engine: the JIT (the default on x86-64) and the
# interpreter; runs of the three alternate, so that a noisy stretch of the
# host does not land on one emulator only.
EMUS=()
[[ $SKIP_HERON == 1 ]] || EMUS+=(heron-jit heron-interp)
[[ $SKIP_QEMU == 1 ]] || EMUS+=(qemu)
for ((i = 1; i <= RUNS; i++)); do
    for emu in "${EMUS[@]}"; do
        log=$OUT/$emu.$i
        case $emu in
        heron-jit) boot_timed "$log" "${HERON_CMD[@]}" --accel jit ;;
        heron-interp) boot_timed "$log" "${HERON_CMD[@]}" --accel interp ;;
        *) boot_timed "$log" "${QEMU_CMD[@]}" ;;
        esac
        mips=-
        if [[ $emu == heron* ]]; then
            # heron --stats: "heron: instret=N elapsed=S.SSSs mips=M.M"
            mips=$(sed -nE 's/^heron: instret=.* mips=([0-9.]+).*/\1/p' "$log.err" | head -1)
            mips=${mips:--}
        fi
        status=ok
        if [[ $ready_s == - || $rc != 0 ]]; then
            status="FAILED (exit $rc; console in $log.out)"
            failed=1
        else
            READY[$emu]+="$ready_s "
            OFF[$emu]+="$off_s "
        fi
        rows+=("$(printf '%-12s %4s %9s %11s %8s  %s' "$emu" "$i" "$ready_s" "$off_s" "$mips" "$status")")
        echo "bench-linux: $emu run $i: ready ${ready_s}s, poweroff ${off_s}s, $status" >&2
    done
done

median() { tr ' ' '\n' | awk NF | sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2); else print "-" }'; }
ratio() { awk -v h="$1" -v q="$2" 'BEGIN { if (h ~ /^[0-9.]+$/ && q ~ /^[0-9.]+$/ && q > 0) printf "%.1f", h / q; else print "-" }'; }

echo
printf '%-12s %4s %9s %11s %8s  %s\n' emu run ready_s poweroff_s mips status
printf '%s\n' "${rows[@]}"
echo
jr=$(median <<<"${READY[heron-jit]:-}") jp=$(median <<<"${OFF[heron-jit]:-}")
ir=$(median <<<"${READY[heron-interp]:-}") ip=$(median <<<"${OFF[heron-interp]:-}")
qr=$(median <<<"${READY[qemu]:-}") qp=$(median <<<"${OFF[qemu]:-}")
printf '%-20s %9s %11s\n' "median" ready_s poweroff_s
printf '%-20s %9s %11s\n' heron-jit "$jr" "$jp" heron-interp "$ir" "$ip" qemu "$qr" "$qp" \
    "heron-jit/qemu" "$(ratio "$jr" "$qr")" "$(ratio "$jp" "$qp")" \
    "heron-interp/qemu" "$(ratio "$ir" "$qr")" "$(ratio "$ip" "$qp")"
exit "$failed"
