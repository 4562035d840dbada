#!/usr/bin/env bash
# Full-system benchmark: boots the full Debian guest from
# `scripts/guest-image.sh --full` (same kernel, initramfs and disk) on heron
# and on `qemu-system-riscv64 -M virt`, RUNS times each, interleaved, and
# measures, in wall time from the emulator's start:
#   login_s    the login prompt on the serial console ("heron login:")
#   running_s  `systemctl is-system-running --wait` answering over ssh (run
#              as soon as the console says the multi-user target is reached)
# and then the network, guest to host: the host reads SIZE_MB MiB that the
# guest sends (systemd-socket-activate runs `head -c` on a guest port the
# emulator forwards) and reports MB/s. Then the guest powers off.
#
# Usage: scripts/bench-full.sh
#
# Environment:
#   RUNS      boots per emulator (default 3)
#   HERON     heron binary (default target/release/heron)
#   QEMU      QEMU binary (default qemu-system-riscv64); SKIP_QEMU=1 skips it
#   SIZE_MB   MiB sent guest to host (default 128)
#   TIMEOUT   seconds allowed per boot (default 900)
#
# Both get 1 GiB, two harts, a virtio disk with the image kept pristine
# (heron --snapshot, QEMU snapshot=on), user-mode networking with two
# forwarded ports (ssh and the sender), and an entropy device; heron boots
# the kernel on its built-in SBI, QEMU on its bundled OpenSBI.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$ROOT/target/bench-full
RUNS=${RUNS:-3}
HERON=${HERON:-$ROOT/target/release/heron}
QEMU=${QEMU:-qemu-system-riscv64}
SIZE_MB=${SIZE_MB:-128}
TIMEOUT=${TIMEOUT:-900}
SKIP_QEMU=${SKIP_QEMU:-0}
FULL=${XDG_CACHE_HOME:-$HOME/.cache}/heron/guest/full
SENDER_PORT=5001

die() { echo "bench-full: $*" >&2; exit 2; }
[[ -x $HERON ]] || die "no heron at $HERON (cargo build --release)"
"$ROOT/scripts/guest-image.sh" --full --heron "$HERON"
[[ $SKIP_QEMU == 1 ]] || command -v "$QEMU" >/dev/null || die "$QEMU not found (SKIP_QEMU=1 to run heron only)"
mkdir -p "$OUT"

APPEND="console=ttyS0 root=LABEL=heron-root ro"
SSH=(ssh -i "$FULL/id_ed25519" -o BatchMode=yes -o StrictHostKeyChecking=no
    -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=30)

# A free loopback port for QEMU's forwards (heron picks its own: port 0).
free_port() {
    local p
    for p in $(shuf -i 20000-60000 -n 50); do
        (: <"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
    done
    die "no free port found"
}

since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }'; }

# wait_console LOG TEXT: until the console log has TEXT (polled every 50 ms:
# the figures are seconds).
wait_console() {
    local deadline=$((SECONDS + TIMEOUT))
    until tr -d '\r' <"$1" | grep -qF -- "$2"; do
        ((SECONDS < deadline)) || return 1
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.05
    done
}

# one_run EMU LOG: boots, measures, powers off; prints "login running mbps".
one_run() {
    local emu=$1 log=$2 start ssh_port send_port login running t0 bytes mbps
    : >"$log.out"
    start=$EPOCHREALTIME
    if [[ $emu == heron ]]; then
        "$HERON" run --kernel "$FULL/Image" --initrd "$FULL/initrd.img" --append "$APPEND" \
            --disk "$FULL/disk.img" --snapshot --memory 1G --smp 2 --timeout "$TIMEOUT" \
            --net "user,hostfwd=tcp:127.0.0.1:0-:22,hostfwd=tcp:127.0.0.1:0-:$SENDER_PORT" \
            </dev/null >"$log.out" 2>"$log.err" &
        pid=$!
        until [[ $(grep -c '^heron: hostfwd' "$log.err" 2>/dev/null) == 2 ]]; do sleep 0.01; done
        ssh_port=$(sed -n 's/^heron: hostfwd tcp 127.0.0.1:\([0-9]*\) -> .*:22$/\1/p' "$log.err")
        send_port=$(sed -n "s/^heron: hostfwd tcp 127.0.0.1:\\([0-9]*\\) -> .*:$SENDER_PORT\$/\\1/p" "$log.err")
    else
        ssh_port=$(free_port) send_port=$(free_port)
        "$QEMU" -M virt -smp 2 -m 1G -nographic -kernel "$FULL/Image" -initrd "$FULL/initrd.img" \
            -append "$APPEND" \
            -drive "file=$FULL/disk.img,format=raw,if=none,id=hd0,snapshot=on" \
            -device virtio-blk-device,drive=hd0 \
            -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$ssh_port-:22,hostfwd=tcp:127.0.0.1:$send_port-:$SENDER_PORT" \
            -device virtio-net-device,netdev=n0 -device virtio-rng-device \
            </dev/null >"$log.out" 2>"$log.err" &
        pid=$!
    fi
    wait_console "$log.out" "heron login:" || { kill "$pid" 2>/dev/null; echo "- - -"; return; }
    login=$(since "$start")
    wait_console "$log.out" " - Multi-User System." || { kill "$pid" 2>/dev/null; echo "$login - -"; return; }
    "${SSH[@]}" -p "$ssh_port" root@127.0.0.1 'systemctl is-system-running --wait' >"$log.state" || true
    running=$(since "$start")
    # The sender: a socket unit made on the fly, one `head -c` per connection.
    "${SSH[@]}" -p "$ssh_port" root@127.0.0.1 \
        "systemd-run --unit=bench-sender systemd-socket-activate -l $SENDER_PORT --accept --inetd head -c ${SIZE_MB}M /dev/zero" >/dev/null 2>&1
    # Wait until it listens, then time one transfer.
    "${SSH[@]}" -p "$ssh_port" root@127.0.0.1 \
        "until ss -Hltn 'sport = :$SENDER_PORT' | grep -q .; do sleep 0.1; done"
    t0=$EPOCHREALTIME
    bytes=$(timeout "$TIMEOUT" bash -c "exec 3<>/dev/tcp/127.0.0.1/$send_port; cat <&3 | wc -c")
    mbps=$(awk -v a="$t0" -v b="$EPOCHREALTIME" -v n="$bytes" 'BEGIN { printf "%.1f", n / 1e6 / (b - a) }')
    ((bytes == SIZE_MB * 1024 * 1024)) || mbps=-
    "${SSH[@]}" -p "$ssh_port" root@127.0.0.1 'systemctl poweroff' >/dev/null 2>&1 || true
    wait "$pid" || true
    echo "$login $running $mbps $(tr -d '\n' <"$log.state")"
}

declare -A LOGIN RUNNING MBPS
EMUS=(heron)
[[ $SKIP_QEMU == 1 ]] || EMUS+=(qemu)
rows=()
for ((i = 1; i <= RUNS; i++)); do
    for emu in "${EMUS[@]}"; do
        read -r login running mbps state < <(one_run "$emu" "$OUT/$emu.$i")
        rows+=("$(printf '%-6s %3s %8s %10s %8s  %s' "$emu" "$i" "$login" "$running" "$mbps" "${state:--}")")
        echo "bench-full: $emu run $i: login ${login}s, is-system-running ${running}s (${state:--}), guest->host ${mbps} MB/s" >&2
        LOGIN[$emu]+="$login " RUNNING[$emu]+="$running " MBPS[$emu]+="$mbps "
    done
done

range() { tr ' ' '\n' | grep -E '^[0-9.]+$' | sort -g | sed -n '1h; ${H; x; s/\n/–/; p}'; }
ratios() { # ratios of heron to qemu, run by run, as a range
    paste -d' ' <(tr ' ' '\n' <<<"$1" | awk NF) <(tr ' ' '\n' <<<"$2" | awk NF) |
        awk '$1 ~ /^[0-9.]+$/ && $2 ~ /^[0-9.]+$/ && $2 > 0 { printf "%.2f\n", $1 / $2 }' | sort -g |
        sed -n '1h; ${H; x; s/\n/–/; p}'
}
echo
printf '%-6s %3s %8s %10s %8s  %s\n' emu run login_s running_s MB/s state
printf '%s\n' "${rows[@]}"
echo
for emu in "${EMUS[@]}"; do
    echo "$emu: login $(range <<<"${LOGIN[$emu]}") s, running $(range <<<"${RUNNING[$emu]}") s, guest->host $(range <<<"${MBPS[$emu]}") MB/s"
done
if [[ $SKIP_QEMU != 1 ]]; then
    echo "heron/qemu time (run by run): login $(ratios "${LOGIN[heron]}" "${LOGIN[qemu]}"), running $(ratios "${RUNNING[heron]}" "${RUNNING[qemu]}")"
    echo "heron/qemu throughput: $(ratios "${MBPS[heron]}" "${MBPS[qemu]}")"
fi
