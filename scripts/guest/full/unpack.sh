#!/usr/bin/env bash
# Part of scripts/guest/full-image.sh, run as root or under fakeroot (the
# ownership of the unpacked files and of the ext4 image must be the
# packages', not the caller's): unpacks the .debs into ROOT the way
# `dpkg --unpack` leaves a package, adds heron's files, and makes the ext4
# file system FS_IMG of SIZE from it.
#
# Usage: unpack.sh ROOT FS_IMG SIZE FILES_DIR SSH_PUBKEY INITRD_MODULES DEB...
#   (FILES_DIR: scripts/guest/full; environment: MIRROR, the apt source the
#   guest's /etc/apt/sources.list names, may be empty)
set -euo pipefail

ROOT=$1 FS_IMG=$2 SIZE=$3 FILES=$4 PUBKEY=$5 INITRD_MODULES=$6
shift 6
die() { echo "guest-image: full: $*" >&2; exit 1; }

mkdir -p "$ROOT"
# The merged /usr (Debian 12 on): base-files ships these links too, but
# packages unpacked before it already need them.
for d in bin sbin lib; do ln -sfn "usr/$d" "$ROOT/$d"; mkdir -p "$ROOT/usr/$d"; done

DPKG=$ROOT/var/lib/dpkg
mkdir -p "$DPKG/info" "$DPKG/updates" "$DPKG/triggers" "$DPKG/alternatives" "$ROOT/heron-setup"
: >"$DPKG/status.new"
: >"$DPKG/diversions"
: >"$DPKG/statoverride"
: >"$DPKG/available"
: >"$DPKG/triggers/File"
: >"$ROOT/heron-setup/packages"
declare -A NAMED_TRIGGERS=()

ctl=$(mktemp -d)
trap 'rm -rf "$ctl"' EXIT
n=0
for deb in "$@"; do
    n=$((n + 1))
    pkg=$(dpkg-deb -f "$deb" Package)
    # dpkg names the info files of a Multi-Arch: same package with its
    # architecture.
    info=$pkg
    [[ $(dpkg-deb -f "$deb" Multi-Arch) != same ]] || info=$pkg:$(dpkg-deb -f "$deb" Architecture)
    # Progress: one line rewritten on a terminal, every 25th in a log.
    if [[ -t 2 ]]; then
        printf '\r  [%d/%d] %-40s' "$n" "$#" "$pkg" >&2
    elif ((n % 25 == 0 || n == $#)); then
        printf '  [%d/%d] %s\n' "$n" "$#" "$pkg" >&2
    fi

    # Files. --keep-directory-symlink: a package's ./bin/ must go through
    # the merged-/usr link, not replace it with a directory; --numeric-owner:
    # the ids the package says, not the host's users of the same names.
    dpkg-deb --fsys-tarfile "$deb" | tar -x --numeric-owner --keep-directory-symlink -C "$ROOT"
    dpkg-deb --fsys-tarfile "$deb" | tar -t |
        sed -e 's|^\./$|/.|' -e 's|^\.||' -e 's|/$||' >"$DPKG/info/$info.list"

    # Control files (maintainer scripts, md5sums, conffiles, triggers, ...).
    rm -rf "$ctl/c"
    dpkg-deb -e "$deb" "$ctl/c"
    for f in "$ctl"/c/*; do
        [[ ${f##*/} == control ]] || cp -p "$f" "$DPKG/info/$info.${f##*/}"
    done

    # Conffiles wait as NAME.dpkg-new for configure to put them in place.
    conffiles=()
    if [[ -f $ctl/c/conffiles ]]; then
        while read -r first rest; do
            [[ -n $first ]] || continue
            [[ $first == /* ]] || continue # "remove-on-upgrade /etc/..." and other flags
            [[ -e $ROOT$first || -L $ROOT$first ]] || continue
            mv -f "$ROOT$first" "$ROOT$first.dpkg-new"
            conffiles+=("$first")
        done <"$ctl/c/conffiles"
    fi

    # Trigger interests, registered as dpkg registers them at unpack time:
    # a file trigger in triggers/File ("PATH PACKAGE[/noawait]"), a named one
    # in triggers/NAME ("PACKAGE[/noawait]").
    if [[ -f $ctl/c/triggers ]]; then
        while read -r kind name _; do
            case $kind in
            interest | interest-await) suffix= ;;
            interest-noawait) suffix=/noawait ;;
            *) continue ;;
            esac
            if [[ $name == /* ]]; then
                echo "$name $info$suffix" >>"$DPKG/triggers/File"
            else
                echo "$info$suffix" >>"$DPKG/triggers/$name"
                NAMED_TRIGGERS[$name]=1
            fi
        done < <(sed 's/#.*//' "$ctl/c/triggers")
    fi

    # The status entry: the control fields, "unpacked".
    {
        awk -v st="Status: install ok unpacked" '
            NR == 1 { print; print st; next } { print }' "$ctl/c/control"
        if ((${#conffiles[@]})); then
            echo "Conffiles:"
            printf ' %s newconffile\n' "${conffiles[@]}"
        fi
        echo
    } >>"$DPKG/status.new"
    echo "$info" >>"$ROOT/heron-setup/packages"
done
[[ ! -t 2 ]] || echo >&2
mv "$DPKG/status.new" "$DPKG/status"

# heron's part: the first boot's script, networking, the command service.
install -m 755 "$FILES/configure.sh" "$ROOT/heron-setup/configure.sh"
install -m 644 "$PUBKEY" "$ROOT/heron-setup/authorized_keys"
# mkinitramfs always adds the modules listed in modules.d/*, whatever
# MODULES says (and this is no conffile for the configure step to juggle).
install -D -m 644 "$INITRD_MODULES" "$ROOT/usr/share/initramfs-tools/modules.d/heron"
install -D -m 644 "$FILES/80-heron-dhcp.network" "$ROOT/etc/systemd/network/80-heron-dhcp.network"
install -D -m 644 "$FILES/heron-cmd.service" "$ROOT/etc/systemd/system/heron-cmd.service"
install -D -m 755 "$FILES/heron-cmd" "$ROOT/usr/local/sbin/heron-cmd"
install -D -m 644 "$FILES/serial-getty-heron.conf" \
    "$ROOT/etc/systemd/system/serial-getty@ttyS0.service.d/heron.conf"
echo heron >"$ROOT/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\theron\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$ROOT/etc/hosts"
echo 'LABEL=heron-root / ext4 errors=remount-ro 0 1' >"$ROOT/etc/fstab"
# user-mode networking's DNS (libslirp's, as QEMU's)
echo 'nameserver 10.0.2.3' >"$ROOT/etc/resolv.conf"
if [[ -n ${MIRROR:-} ]]; then
    echo "deb $MIRROR trixie main" >"$ROOT/etc/apt/sources.list"
fi
install -D -m 644 /dev/stdin "$ROOT/etc/initramfs-tools/conf.d/heron" <<'CONF'
# heron's guest: only the modules of /etc/initramfs-tools/modules (a root on
# a virtio-mmio disk), which builds far quicker than the default "most".
MODULES=list
CONF

mke2fs -q -t ext4 -L heron-root -E root_owner=0:0 -d "$ROOT" -F "$FS_IMG" "$SIZE" >&2 ||
    die "mke2fs failed"
