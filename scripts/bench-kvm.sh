#!/usr/bin/env bash
# KVM benchmark, measured nested (there is no riscv64 hardware here): in a
# riscv64 Linux guest of qemu-system-riscv64 -cpu rv64,h=true
# (scripts/nested/run.sh, with the kernel's kvm.ko), one CPU benchmark of
# tests/bench/ is timed four ways, RUNS times each:
#   native  the benchmark as a static Linux program (linux_start.S) on that
#           riscv64 host itself
#   kvm     the same program inside a Linux guest of the riscv64 heron
#           --accel kvm (Debian's kernel, the busybox guest of
#           scripts/guest-image.sh), timed inside that guest
#   jit     the bare-metal build under heron --accel jit on the host
#   interp  the same under heron --accel interp
# Every run is timed with busybox `time` around the program alone and
# must print the benchmark's "OK" line. Prints each run and the ratios
# native/kvm time (1.0 = no KVM overhead), jit/kvm and interp/kvm.
#
# Usage: scripts/bench-kvm.sh [PROGRAM]      (default: sha256)
#
# Environment:
#   RUNS     runs of each (default 3)
#   ITERS    the benchmark's iterations natively and under KVM (default
#            2000: about 12 G instructions for sha256, a few seconds on
#            the nested host, which is QEMU's TCG)
#   SW_ITERS the iterations under heron's JIT and interpreter (default
#            ITERS / 50: they run under TCG themselves); the ratios are
#            per iteration
#   PROFILE  heron's cross-build profile (default release)
#   HERON_RV an already built riscv64 heron (skips the cross build)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROGRAM=${1:-sha256}
RUNS=${RUNS:-3}
ITERS=${ITERS:-2000}
SW_ITERS=${SW_ITERS:-$((ITERS / 50))}
PROFILE=${PROFILE:-release}
SRC=$ROOT/tests/bench
OUT=$ROOT/target/bench/kvm
GUEST=${XDG_CACHE_HOME:-$HOME/.cache}/heron/guest
CC=${CC:-riscv64-linux-gnu-gcc}

die() { echo "bench-kvm: error: $*" >&2; exit 1; }
[[ -f $SRC/$PROGRAM.c ]] || die "no benchmark $SRC/$PROGRAM.c"
command -v "$CC" >/dev/null || die "$CC not found: run scripts/setup.sh"
mkdir -p "$OUT"

# ---- build ------------------------------------------------------------------
if [[ -z ${HERON_RV:-} ]]; then
    if [[ $PROFILE == release ]]; then
        HERON_RV=$("$ROOT/scripts/cross-riscv64.sh" --release | tail -1)
    else
        HERON_RV=$("$ROOT/scripts/cross-riscv64.sh" --profile "$PROFILE" | tail -1)
    fi
fi
[[ -f $HERON_RV ]] || die "no riscv64 heron at $HERON_RV"
COMMON=(-O2 -march=rv64gc -mabi=lp64d -nostdlib -nostartfiles -ffreestanding -static
    -fno-pie -no-pie -Wl,--build-id=none -Wl,--no-warn-rwx-segments)
"$CC" "${COMMON[@]}" "-DITERS=$ITERS" "$SRC/linux_start.S" "$SRC/$PROGRAM.c" -lgcc \
    -o "$OUT/$PROGRAM.linux"
"$CC" "${COMMON[@]}" "-DITERS=$SW_ITERS" -mcmodel=medany -T "$SRC/link.ld" "$SRC/crt0.S" "$SRC/$PROGRAM.c" -lgcc \
    -o "$OUT/$PROGRAM.elf"
[[ -f $GUEST/Image ]] || "$ROOT/scripts/guest-image.sh" >&2

# The Linux program reaches the inner guest as the raw contents of a
# second disk (its busybox has no other way in); it reads it back with dd.
SIZE=$(stat -c %s "$OUT/$PROGRAM.linux")
BLOCKS=$(((SIZE + 4095) / 4096))
truncate -s 0 "$OUT/carry.img"
cat "$OUT/$PROGRAM.linux" >"$OUT/carry.img"
truncate -s $(((BLOCKS + 1) * 4096)) "$OUT/carry.img"

# One timed run: `timed LABEL RUN CMD...` prints "bench-kvm: LABEL RUN SECS"
# (busybox time's "real XmY.YYs"), or "... FAIL" without the OK line.
TIMED='timed() { l=$1; r=$2; shift 2; time "$@" >/tmp/o 2>/tmp/t;
  s=$(sed -n "s/^real[^0-9]*\([0-9]*\)m \{0,1\}\([0-9.]*\)s.*/\1 \2/p" /tmp/t);
  if grep -q " OK" /tmp/o; then echo "bench-kvm: $l $r $(echo $s | awk "{print \$1*60+\$2}")";
  else echo "bench-kvm: $l $r FAIL $(cat /tmp/o)"; fi; }'
# The L2 guest runs one timed run per boot (RUNS=1 inside it).
l2_cmd="$TIMED
dd if=/dev/vdb of=/b bs=4096 count=$BLOCKS 2>/dev/null; chmod +x /b
timed kvm 1 /b"
l2_b64=$(printf %s "$l2_cmd" | base64 -w0)
l1_cmd="$TIMED
for i in \$(seq $RUNS); do
  timed native \$i /bench.linux
  /heron run --accel kvm --memory 256M --snapshot --kernel /l2/Image --initrd /l2/initramfs.cpio.gz \
    --disk /l2/rootfs.ext4 --disk /l2/carry.img --append 'console=ttyS0 quiet heron.cmd=$l2_b64' \
    | grep '^bench-kvm:' | sed \"s/ kvm 1 / kvm \$i /\"
  timed jit \$i /heron run --accel jit --kernel /bench.elf
  timed interp \$i /heron run --accel interp --kernel /bench.elf
done"

LOG=$OUT/console.log
"$ROOT/scripts/nested/run.sh" --kvm --memory 2G --timeout 3000 \
    "$HERON_RV:/heron" "$OUT/$PROGRAM.linux:/bench.linux" "$OUT/$PROGRAM.elf:/bench.elf" \
    "$GUEST/Image:/l2/Image" "$GUEST/initramfs.cpio.gz:/l2/initramfs.cpio.gz" \
    "$GUEST/rootfs.ext4:/l2/rootfs.ext4" "$OUT/carry.img:/l2/carry.img" \
    -- "$l1_cmd" >"$LOG" 2>&1 || die "the nested run failed: see $LOG"

results=$(tr -d '\r' <"$LOG" | grep '^bench-kvm: ' | grep -v 'timed()' || true)
echo "$results"
if grep -q FAIL <<<"$results"; then die "a run did not print OK (see $LOG)"; fi
awk -v prog="$PROGRAM" -v scale="$((ITERS / SW_ITERS))" '
  $1 == "bench-kvm:" { t[$2, $3] = $4; runs[$3] = 1 }
  END {
    t_note = "(jit and interp per iteration, x" scale ")"
    printf "%s, per run: native/kvm time, jit/kvm, interp/kvm %s\n", prog, t_note
    for (k in t) { split(k, p, SUBSEP); if (p[1] == "jit" || p[1] == "interp") t[k] *= scale }
    for (r in runs) if (t["kvm", r] > 0)
      printf "run %s: %.3f %.2f %.2f\n", r, t["native", r] / t["kvm", r],
             t["jit", r] / t["kvm", r], t["interp", r] / t["kvm", r]
  }' <<<"$results"
