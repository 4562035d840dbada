#!/usr/bin/env bash
# CPU benchmarks: build the bare-metal programs in tests/bench/, run each on
# heron (and on QEMU for comparison) and print a table.
#
# Usage: scripts/bench.sh [PROGRAM...]     (default: all of them)
#
# Environment:
#   HERON         heron binary (default target/release/heron, built with
#                 `cargo build --release` if missing)
#   HERON_ARGS    extra arguments for every heron run, split on spaces
#                 (e.g. "--accel interp" to measure the interpreter alone;
#                 the default engine is --accel auto, the JIT on x86-64)
#   SKIP_HERON=1  only build and run QEMU (e.g. to check the programs)
#   QEMU          QEMU binary (default qemu-system-riscv64; its columns show
#                 "-" when it is not installed)
#   SKIP_QEMU=1   do not run QEMU
#   EXTRA_CFLAGS  appended to the compiler flags, e.g. -DITERS=1 for a quick
#                 smoke run (every program reads ITERS)
#   TIMEOUT       seconds allowed per run (default 600)
#
# Exits non-zero if any program fails to build, exits non-zero, or does not
# print its "OK" line on either emulator: each program checks its own
# checksum, so a miscomputing emulator fails here instead of looking fast.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SRC=$ROOT/tests/bench
OUT=$ROOT/target/bench
PROGRAMS=(sieve matmul sha256 qsort interp)
if (( $# > 0 )); then PROGRAMS=("$@"); fi

CC=${CC:-riscv64-linux-gnu-gcc}
HERON=${HERON:-$ROOT/target/release/heron}
QEMU=${QEMU:-qemu-system-riscv64}
TIMEOUT=${TIMEOUT:-600}
SKIP_HERON=${SKIP_HERON:-0}
SKIP_QEMU=${SKIP_QEMU:-0}
# shellcheck disable=SC2206  # word splitting of HERON_ARGS is intended
HERON_EXTRA=(${HERON_ARGS:-})

CFLAGS=(
  -O2 -march=rv64gc -mabi=lp64d
  # Bare metal: no libc, no crt files, our own crt0.S and link.ld.
  -nostdlib -nostartfiles -ffreestanding -static
  # The image is linked at 0x8000_0000: medlow's lui-based addressing only
  # reaches +-2 GiB around 0, and Debian's compiler defaults to PIE (GOT
  # indirections we have no loader for).
  -mcmodel=medany -fno-pie -no-pie
  # link.ld discards notes; ask ld not to create the build-id one.
  -Wl,--build-id=none
  -Wall -Wextra
)
# shellcheck disable=SC2206  # word splitting of EXTRA_CFLAGS is intended
EXTRA=(${EXTRA_CFLAGS:-})

mkdir -p "$OUT"

# ---- build --------------------------------------------------------------
for p in "${PROGRAMS[@]}"; do
  if [[ ! -f $SRC/$p.c ]]; then
    echo "bench: no such program: $p (tests/bench/$p.c)" >&2
    exit 2
  fi
  # libgcc last, in case GCC emits a helper call (it is tiny and static).
  "$CC" "${CFLAGS[@]}" "${EXTRA[@]}" -T "$SRC/link.ld" \
    "$SRC/crt0.S" "$SRC/$p.c" -lgcc -o "$OUT/$p.elf"
done

if [[ $SKIP_HERON != 1 && ! -x $HERON ]]; then
  if [[ $HERON == "$ROOT/target/release/heron" ]]; then
    (cd "$ROOT" && cargo build --release --bin heron)
  else
    echo "bench: HERON=$HERON is not an executable" >&2
    exit 2
  fi
fi
if [[ $SKIP_QEMU != 1 ]] && ! command -v "$QEMU" >/dev/null; then
  echo "bench: $QEMU not found, skipping the QEMU comparison" >&2
  SKIP_QEMU=1
fi

# ---- run ----------------------------------------------------------------
# run_timed NAME LOGBASE CMD...: runs CMD with stdout/stderr to LOGBASE.out
# and LOGBASE.err, stores wall seconds in $wall. Returns non-zero if the
# command failed or the program did not print its OK line.
# (bash's `time` keyword, not /usr/bin/time, so nothing extra is needed;
# the braces keep its report apart from the command's own stderr.)
run_timed() {
  local name=$1 log=$2; shift 2
  local rc=0 TIMEFORMAT=%3R
  { time timeout "$TIMEOUT" "$@" </dev/null >"$log.out" 2>"$log.err" || rc=$?; } \
    2>"$log.time"
  wall=$(<"$log.time")
  if (( rc != 0 )) || ! grep -q "^$name: .* OK\$" "$log.out"; then
    echo "bench: $name FAILED on $(basename "$log" | sed 's/.*\.//') (exit $rc):" >&2
    sed 's/^/  | /' "$log.out" "$log.err" >&2
    return 1
  fi
}

failed=0
rows=()
for p in "${PROGRAMS[@]}"; do
  elf=$OUT/$p.elf
  insns=- h_s=- h_mips=- q_s=- ratio=-

  if [[ $SKIP_HERON != 1 ]]; then
    if run_timed "$p" "$OUT/$p.heron" "$HERON" run "${HERON_EXTRA[@]}" --stats --kernel "$elf"; then
      h_s=$wall
      # heron --stats: "heron: instret=N elapsed=S.SSSs mips=M.M" on stderr
      stats=$(grep -m1 '^heron: instret=' "$OUT/$p.heron.err" || true)
      if [[ -n $stats ]]; then
        insns=$(sed -E 's/.*instret=([0-9]+).*/\1/' <<<"$stats")
        h_mips=$(sed -E 's/.*mips=([0-9.]+).*/\1/' <<<"$stats")
      fi
    else
      failed=1 h_s=FAIL
    fi
  fi

  if [[ $SKIP_QEMU != 1 ]]; then
    # -M spike: HTIF at the ELF's tohost/fromhost, RAM at 0x8000_0000,
    # same contract as heron; -bios none starts straight at the ELF entry.
    if run_timed "$p" "$OUT/$p.qemu" \
        "$QEMU" -M spike -bios none -nographic -kernel "$elf"; then
      q_s=$wall
    else
      failed=1 q_s=FAIL
    fi
  fi

  if [[ $h_s =~ ^[0-9.]+$ && $q_s =~ ^[0-9.]+$ ]]; then
    ratio=$(awk -v h="$h_s" -v q="$q_s" 'BEGIN { printf "%.2f", (q > 0 ? h / q : 0) }')
  fi
  rows+=("$(printf '%-8s %13s %9s %10s %9s %10s' \
    "$p" "$insns" "$h_s" "$h_mips" "$q_s" "$ratio")")
done

printf '%-8s %13s %9s %10s %9s %10s\n' \
  program instructions heron_s heron_mips qemu_s heron/qemu
printf '%s\n' "${rows[@]}"
exit "$failed"
