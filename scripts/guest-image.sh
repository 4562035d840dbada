#!/usr/bin/env bash
# Builds heron's Linux test guest from Debian trixie riscv64 packages:
#
#   DIR/Image              the kernel, an uncompressed RISC-V Image
#   DIR/initramfs.cpio.gz  busybox, the modules for an ext4 root on a
#                          virtio-mmio disk, and /init (scripts/guest/init.sh)
#   DIR/rootfs.ext4        a 64 MiB ext4 root: busybox and a few files
#   DIR/versions           the packages they came from
#
# Usage: scripts/guest-image.sh [--out DIR] [--refresh] [--full [--heron PATH]]
#   --out DIR   where to put them (default ${XDG_CACHE_HOME:-~/.cache}/heron/guest)
#   --refresh   fetch the package lists again and rebuild with the newest
#               packages (otherwise a finished build is reused as it is)
#   --full      then also build the full Debian system in DIR/full (systemd,
#               apt, openssh-server, iproute2; scripts/guest/full-image.sh
#               says what and how): DIR/full/disk.img, its kernel Image and
#               initrd.img, and id_ed25519, the key its ssh accepts. Its first
#               boot runs in heron (PATH, default target/release/heron, built
#               with `cargo build --release` when missing) and takes minutes.
#
# Boot it with heron or QEMU, e.g.
#   heron run --kernel DIR/Image --initrd DIR/initramfs.cpio.gz \
#     --disk copy-of-rootfs.ext4 --append "console=ttyS0 heron.cmd=$(printf %s 'uname -a' | base64 -w0)"
# heron.cmd is the base64 of a shell command run in the root file system;
# the machine powers off with its exit status (scripts/guest/init.sh says how).
#
# Packages come through apt with a private state directory (DIR/apt, set
# up by scripts/lib/riscv64-apt.sh; the .debs stay in DIR/debs), from
# the Debian mirror the host's own apt sources name, for architecture riscv64
# only; the host's apt state is not touched and no root is needed. They are
# verified with the host's debian-archive-keyring: Debian 12's package
# (2023.3+deb12u2) already carries the Debian 13/trixie archive signing keys
# (`gpg --show-keys /usr/share/keyrings/debian-archive-keyring.gpg` lists
# "Debian Archive Automatic Signing Key (13/trixie)").
#
# Host tools: apt, dpkg-deb, cpio, gzip, xz, mke2fs (e2fsprogs), flock;
# scripts/setup.sh installs them.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
INIT_SCRIPT=$HERE/guest/init.sh
APT_LIB=$HERE/lib/riscv64-apt.sh
OUT=${XDG_CACHE_HOME:-$HOME/.cache}/heron/guest
REFRESH=0
FULL=0
HERON=
while (($#)); do
    case $1 in
    --out) OUT=${2:?--out needs a directory}; shift 2 ;;
    --refresh) REFRESH=1; shift ;;
    --full) FULL=1; shift ;;
    --heron) HERON=${2:?--heron needs the path of a heron binary}; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "guest-image: unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done

SUITE=trixie
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
# The modules that stand between the kernel and an ext4 root on virtio-mmio.
# crc32c_generic is ext4's soft dependency ("crc32c", for metadata
# checksums): it is looked up by crypto alias at mount time, which nothing in
# the initramfs could resolve, so it is loaded up front.
# virtio_rng feeds the kernel's CRNG from heron's entropy device; virtio_net
# is the card of --net; 9p and 9pnet_virtio mount --share folders.
ROOT_MODULES=(crc32c_generic virtio_mmio virtio_blk ext4 virtio_rng virtio_net 9p 9pnet_virtio)
ROOTFS_SIZE=64M

die() { echo "guest-image: $*" >&2; exit 1; }
log() { echo "guest-image: $*" >&2; }

for tool in apt-get apt-cache dpkg-deb cpio gzip xz mke2fs flock sha256sum; do
    command -v "$tool" >/dev/null || die "$tool not found: run scripts/setup.sh"
done

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
# One build at a time per output directory (tests running in parallel all
# ask for the image); the others wait here and then find it up to date.
exec 9>"$OUT/.lock"
flock 9

# The build is reused while this script, /init and the apt set-up are
# unchanged.
RECIPE=$(cat "${BASH_SOURCE[0]}" "$INIT_SCRIPT" "$APT_LIB" | sha256sum | cut -d' ' -f1)
# The full system (--full) is built on top of this one, by its own script.
full_image() {
    ((FULL)) || return 0
    if [[ -z $HERON ]]; then
        local root
        root=$(cd "$HERE/.." && pwd)
        HERON=$root/target/release/heron
        [[ -x $HERON ]] || (cd "$root" && cargo build --release) >&2 || die "building heron failed"
    fi
    local args=(--guest "$OUT" --out "$OUT/full" --heron "$HERON")
    ((!REFRESH)) || args+=(--refresh)
    # The guest's /etc/apt/sources.list names the mirror the packages came
    # from.
    local mirror=${HERON_DEBIAN_MIRROR:-}
    if [[ -z $mirror ]]; then
        # shellcheck source=lib/debian-mirror.sh
        source "$HERE/lib/debian-mirror.sh"
        mirror=$(host_mirror) || mirror=
    fi
    # full-image.sh takes the lock of its own directory; release ours.
    exec 9>&-
    MIRROR=$mirror "$HERE/guest/full-image.sh" "${args[@]}"
}

if ((!REFRESH)) && [[ -f $OUT/versions && -f $OUT/Image && -f $OUT/initramfs.cpio.gz &&
    -f $OUT/rootfs.ext4 ]] && grep -qx "recipe $RECIPE" "$OUT/versions"; then
    log "up to date: $OUT"
    full_image
    exit 0
fi

# ---- the Debian mirror ------------------------------------------------------

# host_mirror: the first Debian archive URI in the host's apt sources.
# shellcheck source=lib/debian-mirror.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/debian-mirror.sh"
# riscv64_apt_init, update_lists, fetch: apt with a private state directory.
# shellcheck source=lib/riscv64-apt.sh
source "$APT_LIB"

MIRROR=${HERON_DEBIAN_MIRROR:-}
if [[ -z $MIRROR ]]; then
    MIRROR=$(host_mirror) || die "no Debian archive found in the host's apt sources (set HERON_DEBIAN_MIRROR to one)"
fi
[[ -r $KEYRING ]] || die "$KEYRING missing: install debian-archive-keyring"
if command -v gpg >/dev/null && [[ $(gpg --show-keys "$KEYRING" 2>/dev/null) != *'(13/trixie)'* ]]; then
    die "$KEYRING has no Debian 13/trixie signing key: upgrade debian-archive-keyring"
fi

# ---- package lists ----------------------------------------------------------

riscv64_apt_init "$OUT/apt" "$OUT/debs"
if ((REFRESH)) || ! lists_present; then
    update_lists "$SUITE"
fi

# ---- downloads --------------------------------------------------------------

# The versioned kernel package behind the linux-image-riscv64 metapackage.
KERNEL_PKG=$(apt-cache "${APT_OPTS[@]}" depends linux-image-riscv64 |
    awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
[[ -n $KERNEL_PKG ]] || die "could not resolve linux-image-riscv64 to a kernel package"

KERNEL_DEB=$(fetch "$KERNEL_PKG")
BUSYBOX_DEB=$(fetch busybox-static)

# ---- build ------------------------------------------------------------------

WORK=$(mktemp -d "$OUT/.build.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
mkdir "$WORK/pkg"
dpkg-deb -x "$KERNEL_DEB" "$WORK/pkg"
dpkg-deb -x "$BUSYBOX_DEB" "$WORK/pkg"

# The kernel. Debian's riscv64 package ships boot/vmlinux-VERSION, already the
# uncompressed Image (an EFI PE with the RISC-V Image header); other builds
# may gzip it as vmlinuz-VERSION.
has_image_magic() { [[ $(od -A n -c -j 56 -N 4 "$1" | tr -d ' ') == 'RSC005' ]]; }
kernel_file=$(compgen -G "$WORK/pkg/boot/vmlinu[xz]-*" | head -1) || true
[[ -n $kernel_file ]] || die "no boot/vmlinux-* or vmlinuz-* in $KERNEL_DEB"
KVER=${kernel_file##*/vmlinu?-}
if has_image_magic "$kernel_file"; then
    cp "$kernel_file" "$WORK/Image"
elif gzip -dc "$kernel_file" >"$WORK/Image" 2>/dev/null && has_image_magic "$WORK/Image"; then
    :
else
    die "$kernel_file is not a RISC-V Image (no \"RSC\\x05\" at offset 56), nor a gzip of one"
fi

MODDIR=$WORK/pkg/usr/lib/modules/$KVER
[[ -d $MODDIR ]] || MODDIR=$WORK/pkg/lib/modules/$KVER
[[ -d $MODDIR ]] || die "no modules directory for $KVER in $KERNEL_DEB"

# Module name -> file, for every module in the package (names compare with
# '-' and '_' alike, as the kernel's do).
declare -A MODFILE
while IFS= read -r f; do
    name=${f##*/}
    name=${name%%.ko*}
    MODFILE[${name//-/_}]=$f
done < <(find "$MODDIR/kernel" -name '*.ko*')

is_builtin() { grep -q "/${1}.ko\$" "$MODDIR/modules.builtin" 2>/dev/null ||
    grep -q "/${1//_/-}.ko\$" "$MODDIR/modules.builtin" 2>/dev/null; }

mkdir -p "$WORK/initramfs/lib/modules"
# Plain .ko in the initramfs: Debian compresses modules with xz, and busybox's
# insmod does not decompress.
unpack_module() {
    local src=${MODFILE[$1]} dst=$WORK/initramfs/lib/modules/$1.ko
    case $src in
    *.ko.xz) xz -dc "$src" >"$dst" ;;
    *.ko.zst) zstd -qdc "$src" >"$dst" ;;
    *.ko.gz) gzip -dc "$src" >"$dst" ;;
    *.ko) cp "$src" "$dst" ;;
    *) die "unknown module compression: $src" ;;
    esac
}

# Depth-first over each module's modinfo "depends=" (module names, comma
# separated), so that every module follows what it needs.
declare -A VISITED
LOAD_ORDER=()
visit() {
    local m=${1//-/_} deps d
    [[ -z ${VISITED[$m]:-} ]] || return 0
    VISITED[$m]=1
    if [[ -z ${MODFILE[$m]:-} ]]; then
        is_builtin "$m" && return 0
        die "module $m is neither in $KERNEL_PKG nor built in"
    fi
    unpack_module "$m"
    deps=$(tr '\0' '\n' <"$WORK/initramfs/lib/modules/$m.ko" | sed -n 's/^depends=//p' | head -1)
    for d in ${deps//,/ }; do visit "$d"; done
    LOAD_ORDER+=("$m")
}
for m in "${ROOT_MODULES[@]}"; do visit "$m"; done
log "modules: ${LOAD_ORDER[*]:-none (all built in)}"

# busybox's applet names, read from the binary (it cannot run here): the
# sorted, NUL-separated table that starts "[", "[[".
BUSYBOX=$WORK/pkg/usr/bin/busybox
[[ -f $BUSYBOX ]] || BUSYBOX=$WORK/pkg/bin/busybox
[[ -f $BUSYBOX ]] || die "no busybox in $BUSYBOX_DEB"
table=$(grep -obUaP '\[\x00\[\[\x00' "$BUSYBOX" | head -1 | cut -d: -f1)
[[ -n $table ]] || die "busybox's applet table not found"
mapfile -t APPLETS < <(tail -c +$((table + 1)) "$BUSYBOX" | head -c 65536 | tr '\0' '\n' | awk 'NF == 0 { exit } { print }')
# A lookup table, not `printf | grep -q`: under pipefail, grep exiting at its
# first match can kill printf with SIGPIPE and fail the check at random.
declare -A HAS_APPLET=()
for a in "${APPLETS[@]}"; do HAS_APPLET[$a]=1; done
for want in sh mount insmod chroot devmem poweroff base64 cttyhack setsid usleep; do
    [[ -n ${HAS_APPLET[$want]:-} ]] || die "busybox has no '$want' applet"
done

# A busybox tree: /bin/busybox, every applet a link to it in /bin, and the
# other bin directories links to /bin.
populate_busybox() {
    local root=$1 a
    mkdir -p "$root/bin" "$root/usr"
    cp "$BUSYBOX" "$root/bin/busybox"
    chmod 755 "$root/bin/busybox"
    for a in "${APPLETS[@]}"; do
        [[ $a == busybox ]] || ln -sf busybox "$root/bin/$a"
    done
    ln -sfn bin "$root/sbin"
    ln -sfn ../bin "$root/usr/bin"
    ln -sfn ../bin "$root/usr/sbin"
    mkdir -p "$root/dev" "$root/proc" "$root/sys" "$root/mnt" "$root/tmp" "$root/root" "$root/etc"
    chmod 1777 "$root/tmp"
    chmod 700 "$root/root"
}

# initramfs
INITRAMFS=$WORK/initramfs
populate_busybox "$INITRAMFS"
install -m 755 "$INIT_SCRIPT" "$INITRAMFS/init"
printf '%s\n' "${LOAD_ORDER[@]}" >"$INITRAMFS/etc/heron-modules"
(cd "$INITRAMFS" && find . -mindepth 1 | LC_ALL=C sort |
    cpio --quiet -o -H newc -R 0:0 --reproducible) | gzip -9n >"$WORK/initramfs.cpio.gz"

# root file system
ROOTFS=$WORK/rootfs
populate_busybox "$ROOTFS"
echo heron >"$ROOTFS/etc/hostname"
echo 'root:x:0:0:root:/root:/bin/sh' >"$ROOTFS/etc/passwd"
echo 'root:x:0:' >"$ROOTFS/etc/group"
echo "heron guest root file system ($KERNEL_PKG)" >"$ROOTFS/etc/heron-guest"
mke2fs -q -t ext4 -L heron-root -E root_owner=0:0 -d "$ROOTFS" -F "$WORK/rootfs.ext4" "$ROOTFS_SIZE" >&2

version_of() { dpkg-deb -f "$1" Version; }
{
    echo "recipe $RECIPE"
    echo "kernel $KERNEL_PKG $(version_of "$KERNEL_DEB") ($KVER)"
    echo "busybox busybox-static $(version_of "$BUSYBOX_DEB")"
    echo "modules ${LOAD_ORDER[*]}"
} >"$WORK/versions"

# Move into place: versions last, so an interrupted build is never taken
# as finished.
rm -f "$OUT/versions"
for f in Image initramfs.cpio.gz rootfs.ext4 versions; do
    mv -f "$WORK/$f" "$OUT/$f"
done
log "built in $OUT:"
(cd "$OUT" && ls -l Image initramfs.cpio.gz rootfs.ext4 && cat versions) >&2
full_image
