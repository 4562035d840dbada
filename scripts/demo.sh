#!/usr/bin/env bash
# The README's first command: installs what is needed, builds heron
# (release), builds the Debian riscv64 guest (scripts/guest-image.sh) and
# boots it on heron to an interactive busybox shell on the console
# (Ctrl-A x quits). With `-c COMMAND`, runs COMMAND in the guest instead and
# exits with its status.
#
# Usage: scripts/demo.sh [-c COMMAND] [extra heron options...]
set -euo pipefail
cd "$(dirname "$0")/.."

cmd=""
if [[ ${1:-} == -c ]]; then
  cmd=${2:?-c needs a command}
  shift 2
fi

scripts/setup.sh
cargo build --release
guest=${XDG_CACHE_HOME:-$HOME/.cache}/heron/guest
scripts/guest-image.sh --out "$guest"

# The demo works on a copy of the root disk, so the cached image stays clean.
disk=$(mktemp --suffix=.ext4)
trap 'rm -f "$disk"' EXIT
cp "$guest/rootfs.ext4" "$disk"

append="console=ttyS0 quiet"
if [[ -n $cmd ]]; then
  append+=" heron.cmd=$(printf %s "$cmd" | base64 -w0)"
fi
echo "demo: booting Debian's riscv64 kernel on heron (built-in SBI)${cmd:+, running: $cmd}"
status=0
target/release/heron run --kernel "$guest/Image" --initrd "$guest/initramfs.cpio.gz" \
  --disk "$disk" --memory 512M --append "$append" --stats "$@" || status=$?
exit "$status"
