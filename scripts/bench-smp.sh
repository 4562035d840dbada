#!/usr/bin/env bash
# SMP benchmark: the Debian guest from scripts/guest-image.sh (same kernel,
# initramfs and disk as scripts/bench-linux.sh) on heron --smp 1, heron
# --smp 2, and qemu-system-riscv64 -M virt -smp 1 / -smp 2 with MTTCG
# (-accel tcg,thread=multi; QEMU's own OpenSBI, heron its built-in SBI).
#
#   workload  the guest makes MIB MiB of data in a tmpfs, then runs JOBS
#             background jobs at once, each `sha256sum`ing it PASSES times
#             (CPU-bound, no I/O); the time from the guest's
#             "bench-smp: start" line to its "bench-smp: done" line, taken
#             on the host as the console prints them, is the work time.
#             Every digest is checked against the host's sha256sum of the
#             same bytes, so a miscomputing emulator fails instead of
#             looking fast.
#   boot      the guest runs `true` on BOOT_SMP harts and on 1: the time to
#             its "heron-guest: ready" line and to power-off.
#
# RUNS runs of each configuration, interleaved (run 1 of every
# configuration, then run 2, ...) so that drift in the host's speed spreads
# over all of them. Prints every run, the medians, the speedup from 1 to 2
# harts and heron/QEMU time for each, and the BOOT_SMP/1 boot time ratio.
#
# Usage: scripts/bench-smp.sh
#
# Environment:
#   RUNS             runs per configuration (default 3)
#   HERON            heron binary (default target/release/heron, built with
#                    `cargo build --release` if missing)
#   HERON_ARGS       extra arguments for every heron run, split on spaces
#                    (e.g. "--bios /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin")
#   SKIP_HERON=1     only run QEMU
#   QEMU             QEMU binary (default qemu-system-riscv64)
#   SKIP_QEMU=1      only run heron
#   SKIP_WORKLOAD=1  only the boot times
#   SKIP_BOOT=1      only the workload
#   JOBS             parallel jobs in the workload (default 2)
#   MIB              MiB of data each pass hashes (default 8)
#   PASSES           sha256sum passes per job (default 2)
#   BOOT_SMP         harts of the boot comparison (default 4)
#   GUEST_DIR        where the guest is built (scripts/guest-image.sh --out;
#                    default: that script's default)
#   TIMEOUT          seconds allowed per run (default 600; heron's --timeout,
#                    and any emulator still running 30 s later is killed)
#
# The defaults hash 32 MiB per run: about 2 s of work on one QEMU hart and,
# at heron's SHA-256 speed (the interpreter's weakest case, see README),
# roughly 10 s on one heron hart. Both emulators get 512 MiB and keep the
# disk pristine (heron --snapshot, QEMU snapshot=on). The host's core count
# bounds any speedup: with 2 cores, 2 harts is the most that can scale.
# Logs: target/bench-smp/. Exits non-zero if any run fails (non-zero exit,
# a marker missing, a wrong digest).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$ROOT/target/bench-smp
RUNS=${RUNS:-3}
HERON=${HERON:-$ROOT/target/release/heron}
QEMU=${QEMU:-qemu-system-riscv64}
TIMEOUT=${TIMEOUT:-600}
SKIP_HERON=${SKIP_HERON:-0}
SKIP_QEMU=${SKIP_QEMU:-0}
SKIP_WORKLOAD=${SKIP_WORKLOAD:-0}
SKIP_BOOT=${SKIP_BOOT:-0}
JOBS=${JOBS:-2}
MIB=${MIB:-8}
PASSES=${PASSES:-2}
BOOT_SMP=${BOOT_SMP:-4}
# shellcheck disable=SC2206  # word splitting of HERON_ARGS is intended
HERON_EXTRA=(${HERON_ARGS:-})

READY_MARKER='heron-guest: ready'
START_MARKER='bench-smp: start'
DONE_MARKER='bench-smp: done'
# The data: "heron-smp\n" over and over, cut at MIB MiB.
PATTERN=heron-smp

die() { echo "bench-smp: $*" >&2; exit 2; }

# ---- settings and tools -----------------------------------------------------
((BASH_VERSINFO[0] >= 5)) || die "needs bash 5 (for \$EPOCHREALTIME), this is $BASH_VERSION"
for v in RUNS JOBS MIB PASSES BOOT_SMP TIMEOUT; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer, not '${!v}'"
done
((BOOT_SMP <= 64)) || die "BOOT_SMP must be 1..64, not $BOOT_SMP"
((MIB <= 128)) || die "MIB must be at most 128 (the guest's tmpfs), not $MIB"
for tool in timeout awk sha256sum base64 yes head sort; do
    command -v "$tool" >/dev/null || die "$tool not found"
done
[[ $SKIP_WORKLOAD != 1 || $SKIP_BOOT != 1 ]] || die "SKIP_WORKLOAD=1 and SKIP_BOOT=1: nothing to do"

mkdir -p "$OUT"

# ---- guest and emulators ----------------------------------------------------
guest_args=()
[[ -z ${GUEST_DIR:-} ]] || guest_args=(--out "$GUEST_DIR")
GUEST_DIR=${GUEST_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/heron/guest}
"$ROOT/scripts/guest-image.sh" "${guest_args[@]}" || die "building the guest failed (scripts/guest-image.sh)"
KERNEL=$GUEST_DIR/Image
INITRD=$GUEST_DIR/initramfs.cpio.gz
DISK=$GUEST_DIR/rootfs.ext4
for f in "$KERNEL" "$INITRD" "$DISK"; do
    [[ -f $f ]] || die "$f missing after scripts/guest-image.sh"
done

if [[ $SKIP_HERON != 1 && ! -x $HERON ]]; then
    if [[ $HERON == "$ROOT/target/release/heron" ]]; then
        (cd "$ROOT" && cargo build --release --bin heron)
    else
        die "HERON=$HERON is not an executable"
    fi
fi
if [[ $SKIP_QEMU != 1 ]] && ! command -v "$QEMU" >/dev/null; then
    echo "bench-smp: $QEMU not found, skipping the QEMU comparison" >&2
    SKIP_QEMU=1
fi
EMUS=()
[[ $SKIP_HERON == 1 ]] || EMUS+=(heron)
[[ $SKIP_QEMU == 1 ]] || EMUS+=(qemu)
((${#EMUS[@]})) || die "SKIP_HERON=1 and no QEMU: nothing to run"

# ---- guest commands ----------------------------------------------------------
BYTES=$((MIB << 20))
# The host's digest of the same bytes (yes dies of SIGPIPE: no pipefail here).
EXPECTED=$( (set +o pipefail; yes "$PATTERN" | head -c "$BYTES" | sha256sum) | awk '{ print $1 }')
[[ $EXPECTED =~ ^[0-9a-f]{64}$ ]] || die "could not compute the expected digest on the host"

job_list=$(seq -s ' ' 1 "$JOBS")
pass_list=$(seq -s ' ' 1 "$PASSES")
# Each job writes its digests to a file of its own; they are printed after
# the done marker, so the console stays quiet while the work is timed.
WORKLOAD="mount -t tmpfs -o size=$((MIB + 16))m tmpfs /tmp || exit 90
yes $PATTERN | head -c $BYTES > /tmp/data || exit 91
echo $START_MARKER
for j in $job_list; do
  (for p in $pass_list; do sha256sum /tmp/data; done) > /tmp/job.\$j &
done
wait
echo $DONE_MARKER
cat /tmp/job.*
rm /tmp/data /tmp/job.*
umount /tmp"

append_for() {
    local a
    a="console=ttyS0 heron.cmd=$(printf %s "$1" | base64 -w0)"
    # RISC-V Linux keeps 1024 bytes of command line.
    ((${#a} < 1024)) || die "the guest command line is ${#a} bytes, over the kernel's 1024"
    printf %s "$a"
}
WORK_APPEND=$(append_for "$WORKLOAD")
BOOT_APPEND=$(append_for true)

# emu_cmd EMU HARTS APPEND: sets CMD to the emulator's command line.
emu_cmd() {
    local emu=$1 harts=$2 append=$3
    if [[ $emu == heron ]]; then
        CMD=("$HERON" run --kernel "$KERNEL" --initrd "$INITRD" --append "$append"
            --disk "$DISK" --snapshot --memory 512M --timeout "$TIMEOUT" --smp "$harts"
            "${HERON_EXTRA[@]}")
    else
        CMD=("$QEMU" -M virt -accel tcg,thread=multi -smp "$harts" -m 512M -nographic
            -kernel "$KERNEL" -initrd "$INITRD" -append "$append"
            -drive "file=$DISK,format=raw,if=none,id=hd0,snapshot=on"
            -device virtio-blk-device,drive=hd0)
    fi
}

# ---- one timed run -------------------------------------------------------------
since() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# run_timed LOG CMD...: runs CMD with its console in LOG.out (stderr in
# LOG.err), reading the console as it comes so that each marker line gets
# the time it was printed. Sets $ready_s, $start_s, $done_s (seconds from
# the start to each marker, "-" if it never came), $off_s (to exit) and
# $rc (124, as heron's own --timeout, if it overstayed).
run_timed() {
    local log=$1 start line t
    shift
    ready_s=- start_s=- done_s=- off_s=- rc=0
    : >"$log.out"
    printf '%q ' "$@" >"$log.cmd"
    start=$EPOCHREALTIME
    while IFS= read -r line; do
        t=$EPOCHREALTIME
        case $line in
        __bench_exit=*)
            rc=${line#__bench_exit=}
            off_s=$(since "$start" "$t")
            ;;
        *)
            printf '%s\n' "$line" >>"$log.out"
            case ${line%$'\r'} in
            "$READY_MARKER") [[ $ready_s != - ]] || ready_s=$(since "$start" "$t") ;;
            "$START_MARKER") [[ $start_s != - ]] || start_s=$(since "$start" "$t") ;;
            "$DONE_MARKER") [[ $done_s != - ]] || done_s=$(since "$start" "$t") ;;
            esac
            ;;
        esac
    done < <(
        rc=0
        timeout -k 10 "$((TIMEOUT + 30))" "$@" </dev/null 2>"$log.err" || rc=$?
        # On a line of its own even if the console's last line had no end.
        printf '\n__bench_exit=%s\n' "$rc"
    )
}

# why_failed LOG: the reason a run failed (empty if it did not), from the
# variables run_timed set and the console in LOG.out.
why_failed() {
    local log=$1 kind=$2 digests
    if [[ $rc == 124 || $rc == 137 ]]; then echo "timed out (exit $rc; TIMEOUT=$TIMEOUT)"; return; fi
    [[ $rc == 0 ]] || { echo "exit $rc"; return; }
    [[ $ready_s != - ]] || { echo "no '$READY_MARKER' line"; return; }
    [[ $kind == workload ]] || return 0
    [[ $start_s != - && $done_s != - ]] || { echo "no '$START_MARKER'/'$DONE_MARKER' lines"; return; }
    digests=$(tr -d '\r' <"$log.out" | grep -cxF "$EXPECTED  /tmp/data" || true)
    ((digests == JOBS * PASSES)) ||
        echo "$digests of $((JOBS * PASSES)) digests right (want $EXPECTED)"
}

failed=0
declare -A SAMPLES # "kind emu harts" -> "value value ..."
ROWS=()

# bench KIND EMU HARTS APPEND RUN: one run, its row and its samples.
bench() {
    local kind=$1 emu=$2 harts=$3 append=$4 i=$5 log why status
    log=$OUT/$kind.$emu.smp$harts.$i
    emu_cmd "$emu" "$harts" "$append"
    run_timed "$log" "${CMD[@]}"
    why=$(why_failed "$log" "$kind")
    if [[ -n $why ]]; then
        status="FAILED: $why (console $log.out)"
        failed=1
        echo "bench-smp: $kind $emu --smp $harts run $i FAILED: $why; the end of its output:" >&2
        tail -n 15 "$log.out" | sed 's/^/  | /' >&2
        tail -n 5 "$log.err" | sed 's/^/  ! /' >&2
    else
        status=ok
        if [[ $kind == workload ]]; then
            SAMPLES["$kind $emu $harts"]+="$(since "$start_s" "$done_s") "
            SAMPLES["wall $emu $harts"]+="$off_s "
        else
            SAMPLES["$kind $emu $harts"]+="$ready_s "
            SAMPLES["off $emu $harts"]+="$off_s "
        fi
    fi
    if [[ $kind == workload ]]; then
        local work=-
        [[ $start_s == - || $done_s == - ]] || work=$(since "$start_s" "$done_s")
        ROWS+=("$(printf '%-8s %-6s %5s %4s %8s %8s  %s' "$kind" "$emu" "$harts" "$i" "$work" "$off_s" "$status")")
        echo "bench-smp: $kind $emu --smp $harts run $i: work ${work}s, total ${off_s}s, $status" >&2
    else
        ROWS+=("$(printf '%-8s %-6s %5s %4s %8s %8s  %s' "$kind" "$emu" "$harts" "$i" "$ready_s" "$off_s" "$status")")
        echo "bench-smp: $kind $emu --smp $harts run $i: ready ${ready_s}s, poweroff ${off_s}s, $status" >&2
    fi
}

SETUP="host: $(nproc) cores; workload: $JOBS jobs x $PASSES sha256sum passes over $MIB MiB \
($((JOBS * PASSES * MIB)) MiB hashed per run); boot: --smp $BOOT_SMP vs 1; $RUNS runs each"
echo "bench-smp: $SETUP" >&2
for ((i = 1; i <= RUNS; i++)); do
    if [[ $SKIP_WORKLOAD != 1 ]]; then
        for emu in "${EMUS[@]}"; do
            for harts in 1 2; do bench workload "$emu" "$harts" "$WORK_APPEND" "$i"; done
        done
    fi
    if [[ $SKIP_BOOT != 1 ]]; then
        for emu in "${EMUS[@]}"; do
            for harts in 1 "$BOOT_SMP"; do bench boot "$emu" "$harts" "$BOOT_APPEND" "$i"; done
        done
    fi
done

# ---- report --------------------------------------------------------------------
median() {
    tr ' ' '\n' | awk NF | sort -g |
        awk '{ v[NR] = $1 } END { if (NR) printf "%.2f\n", (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2); else print "-" }'
}
med() { median <<<"${SAMPLES[$1]:-}"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0) printf "%.2f", a / b; else print "-" }'; }

echo
echo "$SETUP"
echo "Each run (time_s: workload from start to done marker, boot to '$READY_MARKER'; total_s: to exit)"
printf '%-8s %-6s %5s %4s %8s %8s  %s\n' part emu harts run time_s total_s status
printf '%s\n' "${ROWS[@]}"

if [[ $SKIP_WORKLOAD != 1 ]]; then
    echo
    echo "Workload, medians ($JOBS jobs x $PASSES passes x $MIB MiB of sha256sum; work_s: start to done marker," \
        "total_s: the whole run, boot and power-off included)"
    printf '%-18s %12s %12s %11s %13s %13s\n' "" heron_work_s qemu_work_s heron/qemu heron_total_s qemu_total_s
    for harts in 1 2; do
        h=$(med "workload heron $harts") q=$(med "workload qemu $harts")
        printf '%-18s %12s %12s %11s %13s %13s\n' "--smp $harts" "$h" "$q" "$(ratio "$h" "$q")" \
            "$(med "wall heron $harts")" "$(med "wall qemu $harts")"
    done
    printf '%-18s %12s %12s\n' "speedup 1->2 harts" \
        "$(ratio "$(med "workload heron 1")" "$(med "workload heron 2")")" \
        "$(ratio "$(med "workload qemu 1")" "$(med "workload qemu 2")")"
fi
if [[ $SKIP_BOOT != 1 ]]; then
    echo
    echo "Boot, medians (the command is 'true')"
    printf '%-22s %8s %11s\n' "" ready_s poweroff_s
    for emu in "${EMUS[@]}"; do
        for harts in 1 "$BOOT_SMP"; do
            printf '%-22s %8s %11s\n' "$emu --smp $harts" "$(med "boot $emu $harts")" "$(med "off $emu $harts")"
        done
        printf '%-22s %8s %11s\n' "$emu smp$BOOT_SMP/smp1" \
            "$(ratio "$(med "boot $emu $BOOT_SMP")" "$(med "boot $emu 1")")" \
            "$(ratio "$(med "off $emu $BOOT_SMP")" "$(med "off $emu 1")")"
    done
fi
exit "$failed"
