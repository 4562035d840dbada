#!/usr/bin/env bash
# Builds heron's full Debian guest: a Debian trixie riscv64 system (systemd,
# apt, openssh-server, iproute2, udev, the kernel) on a partitioned disk.
# Run through `scripts/guest-image.sh --full`, which builds the busybox guest
# first: its kernel and initramfs run the first boot below, and its private
# apt state and downloads are shared.
#
#   FULL/disk.img       2 GiB raw disk: an MBR, one ext4 partition
#                       (label heron-root) with the whole system and
#                       /boot/extlinux/extlinux.conf for U-Boot
#   FULL/Image          the kernel (/boot/vmlinux-* of the image)
#   FULL/initrd.img     its initramfs (initramfs-tools, built in the guest)
#   FULL/id_ed25519     the ssh key root and user `heron` accept
#   FULL/versions       the packages, and the recipe the build came from
#   FULL/configure.log  the console of the first boot
#
# Usage: guest/full-image.sh --guest DIR --out FULL --heron PATH [--refresh]
#
# How: apt (private state, scripts/lib/riscv64-apt.sh) resolves the closure
# of the required packages and the list below, downloads it, and every
# package is unpacked on the host into the new root as dpkg would unpack it:
# files from data.tar, conffiles as *.dpkg-new, the control files into
# /var/lib/dpkg/info, the trigger interests registered, and dpkg's status
# saying "unpacked". No qemu-user: the maintainer scripts (preinst, then
# `dpkg --configure -a`) run inside heron itself, booted on the new disk
# with the busybox guest's kernel and initramfs (scripts/guest/full/configure.sh).
# Ownership comes from the packages: as root directly, otherwise under
# fakeroot.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SCRIPTS=$(dirname "$HERE")
GUEST= OUT= HERON= REFRESH=0
while (($#)); do
    case $1 in
    --guest) GUEST=${2:?}; shift 2 ;;
    --out) OUT=${2:?}; shift 2 ;;
    --heron) HERON=${2:?}; shift 2 ;;
    --refresh) REFRESH=1; shift ;;
    *) echo "full-image: unknown argument: $1" >&2; exit 2 ;;
    esac
done

die() { echo "guest-image: full: $*" >&2; exit 1; }
log() { echo "guest-image: full: $*" >&2; }
[[ -n $GUEST && -n $OUT && -n $HERON ]] || die "needs --guest, --out and --heron"
[[ -x $HERON ]] || die "heron not found at $HERON"

# The packages on top of Debian's required set (Priority: required, which
# includes the Essential ones), without their recommends.
PACKAGES=(systemd systemd-sysv udev dbus apt openssh-server iproute2 e2fsprogs
    linux-image-riscv64 initramfs-tools)
DISK_SIZE=2G
PART_START_SECTORS=2048 # 1 MiB, as partitioning tools align it
# The modules the initramfs needs for a root on a virtio-mmio disk (the
# image's initramfs-tools builds with MODULES=list: quicker in the guest
# than the default "most", and heron's and QEMU's virt boards are covered).
INITRD_MODULES=(virtio_mmio virtio_blk ext4 crc32c_generic)

for tool in dpkg-deb tar sfdisk debugfs mke2fs ssh-keygen; do
    command -v "$tool" >/dev/null || die "$tool not found: run scripts/setup.sh"
done
if (($(id -u) != 0)); then
    command -v fakeroot >/dev/null || die "fakeroot not found (needed when not root): run scripts/setup.sh"
fi

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
exec 8>"$OUT/.lock"
flock 8

RECIPE=$(cat "${BASH_SOURCE[0]}" "$HERE"/full/* "$GUEST/versions" | sha256sum | cut -d' ' -f1)
if ((!REFRESH)) && [[ -f $OUT/versions && -f $OUT/disk.img && -f $OUT/initrd.img ]] &&
    grep -qx "recipe $RECIPE" "$OUT/versions"; then
    log "up to date: $OUT"
    exit 0
fi

# shellcheck source=../lib/riscv64-apt.sh
source "$SCRIPTS/lib/riscv64-apt.sh"
riscv64_apt_init "$GUEST/apt" "$GUEST/debs"
lists_present || die "no package lists in $GUEST/apt: run scripts/guest-image.sh first"

# ---- the closure --------------------------------------------------------------

mapfile -t REQUIRED < <(apt-cache "${APT_OPTS[@]}" dumpavail | awk '
    $1 == "Package:" { p = $2 }
    ($1 == "Priority:" && $2 == "required") || ($1 == "Essential:" && $2 == "yes") { print p }' | sort -u)
((${#REQUIRED[@]})) || die "no required packages in the lists"
# apt's simulated install on an empty status: "Inst NAME (VERSION ...)" in
# an order where dependencies come first.
mapfile -t CLOSURE < <(apt-get "${APT_OPTS[@]}" install -s --no-install-recommends \
    "${REQUIRED[@]}" "${PACKAGES[@]}" | awk '$1 == "Inst" { print $2 }')
((${#CLOSURE[@]})) || die "apt could not resolve the package set"
log "${#CLOSURE[@]} packages (${#REQUIRED[@]} required + ${PACKAGES[*]} and their dependencies)"
mapfile -t DEBS < <(fetch "${CLOSURE[@]}")
# (fetch runs in a process substitution, whose failure set -e cannot see.)
((${#DEBS[@]} == ${#CLOSURE[@]})) || die "downloaded ${#DEBS[@]} of ${#CLOSURE[@]} packages"

# ---- unpack on the host -------------------------------------------------------

WORK=$(mktemp -d "$OUT/.build.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
[[ -f $OUT/id_ed25519 ]] || ssh-keygen -q -t ed25519 -N '' -C heron-guest -f "$OUT/id_ed25519"
printf '%s\n' "${INITRD_MODULES[@]}" >"$WORK/initrd-modules"

log "unpacking into the new root"
unpack=(bash "$HERE/full/unpack.sh" "$WORK/root" "$WORK/fs.img" "$DISK_SIZE" "$HERE/full"
    "$OUT/id_ed25519.pub" "$WORK/initrd-modules" "${DEBS[@]}")
if (($(id -u) == 0)); then "${unpack[@]}"; else fakeroot -- "${unpack[@]}"; fi
rm -rf "$WORK/root"

# ---- configure inside heron ------------------------------------------------------

log "first boot in heron: maintainer scripts and dpkg --configure -a (a few minutes)"
cmd="/heron-setup/configure.sh"
# The console goes to configure.log; its "heron-setup:" lines are the
# progress shown here.
set +e
"$HERON" run --kernel "$GUEST/Image" --initrd "$GUEST/initramfs.cpio.gz" \
    --disk "$WORK/fs.img" --memory 1G --timeout 3600 \
    --append "console=ttyS0 root=/dev/vda heron.cmd=$(printf %s "$cmd" | base64 -w0)" \
    </dev/null 2>&1 | tee "$OUT/configure.log" |
    sed -un 's/\r$//; s/^heron-setup: /guest-image: full: first boot: /p' >&2
status=${PIPESTATUS[0]}
set -e
if ((status != 0)); then
    tail -n 40 "$OUT/configure.log" >&2
    die "configuring the guest failed (heron exit $status); the end of $OUT/configure.log is above"
fi
grep -q '^heron-setup: done' "$OUT/configure.log" || die "the guest's configuration did not finish"

# ---- the disk -------------------------------------------------------------------

# The kernel and the initramfs built in the guest, for direct kernel boot.
KVER=$(debugfs -R 'ls -p /boot' "$WORK/fs.img" 2>/dev/null | awk -F/ '$6 ~ /^vmlinux-/ { sub(/^vmlinux-/, "", $6); print $6; exit }')
[[ -n $KVER ]] || die "no /boot/vmlinux-* in the guest"
debugfs -R "dump /boot/vmlinux-$KVER $WORK/Image" "$WORK/fs.img" 2>/dev/null
debugfs -R "dump /boot/initrd.img-$KVER $WORK/initrd.img" "$WORK/fs.img" 2>/dev/null
[[ -s $WORK/initrd.img ]] || die "the guest built no /boot/initrd.img-$KVER"

# An MBR with one bootable Linux partition from 1 MiB, the file system
# copied in (sparse: the disk is mostly empty).
fs_bytes=$(stat -c %s "$WORK/fs.img")
truncate -s $((PART_START_SECTORS * 512 + fs_bytes)) "$WORK/disk.img"
printf 'label: dos\nstart=%d, size=%d, type=83, bootable\n' \
    "$PART_START_SECTORS" $((fs_bytes / 512)) | sfdisk -q "$WORK/disk.img" >/dev/null
dd if="$WORK/fs.img" of="$WORK/disk.img" bs=1M seek=1 conv=sparse,notrunc status=none
rm -f "$WORK/fs.img"

{
    echo "recipe $RECIPE"
    echo "kernel $KVER"
    grep '^kernel\|^busybox' "$GUEST/versions" | sed 's/^/guest /'
    for deb in "${DEBS[@]}"; do dpkg-deb -W --showformat='${Package} ${Version}\n' "$deb"; done
} >"$WORK/versions"
rm -f "$OUT/versions"
for f in Image initrd.img disk.img versions; do mv -f "$WORK/$f" "$OUT/$f"; done
log "built in $OUT (login: root or heron, password heron; ssh key $OUT/id_ed25519)"
