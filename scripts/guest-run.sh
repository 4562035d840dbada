#!/usr/bin/env bash
# Runs a shell command in heron's full Debian guest and passes its output and
# exit status back: the CI command.
#
# Usage: scripts/guest-run.sh [options] [--] COMMAND
#   --share DIR     export host directory DIR to the guest, mounted (9p) at
#                   /mnt/src, where COMMAND starts (otherwise it starts in
#                   /root); add --readonly to export it read-only
#   --timeout SECS  give up after SECS seconds of wall time (default 1800):
#                   exit 124 with the console's last lines
#   --memory SIZE   guest memory (default 2G)
#   --smp N         harts (default 2)
#   --no-net        no network card (by default the guest has user-mode
#                   networking: outbound TCP/UDP, DNS)
#   --image DIR     the full guest (default
#                   ${XDG_CACHE_HOME:-~/.cache}/heron/guest/full, built by
#                   `scripts/guest-image.sh --full`)
#   --heron PATH    the heron binary (default target/release/heron)
#   --keep          write to the disk image (default: --snapshot, the image
#                   stays as it was)
#
# COMMAND runs as root under bash once the guest has reached systemd's
# multi-user target (heron-cmd.service); its output is printed as it comes.
# Exit status: COMMAND's; 124 when the guest did not finish in time; 125
# when this script or heron failed (bad arguments, no image, the guest
# stopped without reporting a status).
#
# Example: scripts/guest-run.sh --share . -- 'cd /mnt/src && make test'
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
IMAGE=${XDG_CACHE_HOME:-$HOME/.cache}/heron/guest/full
HERON=$ROOT/target/release/heron
SHARE= READONLY=0 TIMEOUT=1800 MEMORY=2G SMP=2 NET=1 SNAPSHOT=1

die() { echo "guest-run: $*" >&2; exit 125; }
while (($#)); do
    case $1 in
    --share) SHARE=${2:?--share needs a directory}; shift 2 ;;
    --readonly) READONLY=1; shift ;;
    --timeout) TIMEOUT=${2:?--timeout needs seconds}; shift 2 ;;
    --memory) MEMORY=${2:?--memory needs a size}; shift 2 ;;
    --smp) SMP=${2:?--smp needs a number}; shift 2 ;;
    --no-net) NET=0; shift ;;
    --image) IMAGE=${2:?--image needs a directory}; shift 2 ;;
    --heron) HERON=${2:?--heron needs a path}; shift 2 ;;
    --keep) SNAPSHOT=0; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    --) shift; break ;;
    -*) die "unknown option: $1 (see --help)" ;;
    *) break ;;
    esac
done
(($# == 1)) || die "give one COMMAND (quote it), e.g. -- 'make test' (see --help)"
USER_CMD=$1

[[ -x $HERON ]] || die "no heron at $HERON: cargo build --release"
for f in Image initrd.img disk.img; do
    [[ -f $IMAGE/$f ]] || die "no $IMAGE/$f: build the full guest with scripts/guest-image.sh --full"
done

# The script heron-cmd runs: mount the share, then the command itself in a
# subshell (an `exit` in it ends only the command), between markers that
# carry a token of this run, so that output of the command's own that
# looks like a marker (heron-cmd's "heron-guest: exit status N", say) is
# printed as output and not taken for the status.
TOKEN=$(od -An -N8 -tx8 /dev/urandom | tr -d ' \n')
[[ $TOKEN =~ ^[0-9a-f]{16}$ ]] || die "no random token from /dev/urandom"
MARK="heron-run-$TOKEN:"
script='set -e'$'\n'
args=()
if [[ -n $SHARE ]]; then
    [[ -d $SHARE ]] || die "--share $SHARE: not a directory"
    opt=
    ((!READONLY)) || opt=,readonly
    args+=(--share "$SHARE,tag=src$opt")
    script+='mkdir -p /mnt/src'$'\n'
    script+='mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 src /mnt/src'$'\n'
    script+='cd /mnt/src'$'\n'
fi
script+="echo '$MARK ready'"$'\n'
script+='set +e'$'\n''('$'\n'"$USER_CMD"$'\n'')'$'\n'
script+='status=$?'$'\n'"echo \"$MARK exit status \$status\""$'\n''exit $status'$'\n'
((!NET)) || args+=(--net user)
((!SNAPSHOT)) || args+=(--snapshot)

append="console=ttyS0 root=LABEL=heron-root ro quiet heron.cmd=$(printf %s "$script" | base64 -w0)"

log=$(mktemp)
trap 'rm -f "$log"' EXIT
# The console goes to the log; the lines between this run's markers are
# the command's output, printed as they come.
# (awk reads to the end: closing the pipe early would stop heron before the
# guest has powered off.)
set +e
"$HERON" run --kernel "$IMAGE/Image" --initrd "$IMAGE/initrd.img" \
    --disk "$IMAGE/disk.img" --memory "$MEMORY" --smp "$SMP" \
    --timeout "$TIMEOUT" "${args[@]}" --append "$append" </dev/null 2>&1 |
    tee "$log" | tr -d '\r' | awk -v mark="$MARK" '
        on && $0 ~ (mark " exit status [0-9]+$") { on = 0 }
        on { print; fflush() }
        !on && $0 ~ (mark " ready$") { on = 1 }'
heron_status=${PIPESTATUS[0]}
set -e

# This run's status line. Without it, heron-cmd's own (its last) only if
# the command never started (the script failed before: the share did not
# mount, say): once it ran, a heron-cmd-like line may be its own output.
# (Every stage reads to the end: one that closed its input early, as
# head or grep -q do, could stop tr with SIGPIPE, a failure under pipefail.)
marker=$(tr -d '\r' <"$log" | sed -n "s/^.*$MARK exit status \\([0-9]\\{1,\\}\\)\$/\\1/p")
marker=${marker%%$'\n'*}
started=$(tr -d '\r' <"$log" | grep -c "$MARK ready\$" || true)
if [[ -z $marker && $started == 0 ]]; then
    marker=$(tr -d '\r' <"$log" | sed -n 's/^.*heron-guest: exit status \([0-9]\{1,\}\)$/\1/p' | tail -1)
fi
if [[ -n $marker ]]; then
    exit "$marker"
fi
if ((heron_status == 124)); then
    echo "guest-run: the guest did not finish within ${TIMEOUT}s; its console's last lines:" >&2
    tr -d '\r' <"$log" | tail -n 20 >&2
    exit 124
fi
echo "guest-run: the guest stopped (heron exit $heron_status) without the command's status; its console's last lines:" >&2
tr -d '\r' <"$log" | tail -n 20 >&2
exit 125
