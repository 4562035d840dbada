#!/usr/bin/env bash
# Runs a shell command in a riscv64 Linux guest under QEMU system emulation
# with the hypervisor extension (-cpu rv64,h=true), with files of the
# caller's in its initramfs: the harness for running heron (cross-built by
# scripts/cross-riscv64.sh) on a riscv64 host, KVM included.
#
# Usage: scripts/nested/run.sh [OPTIONS] [FILE[:/GUEST/PATH]]... -- COMMAND...
#   FILE[:/PATH]     add FILE to the initramfs at /PATH (default: /NAME, its
#                    file name), mode kept; repeatable
#   --kvm            also add the guest kernel's kvm.ko and insmod it
#                    before the command (then /dev/kvm should be there)
#   --module NAME    the same for any module of the guest kernel (with what
#                    it depends on); repeatable
#   --smp N          harts (default 2)
#   --memory SIZE    guest RAM, QEMU -m (default 1G)
#   --timeout SECS   stop QEMU after this long (default 900); exit 124
#   --append ARGS    more of the kernel command line
#   --qemu ARG       one more QEMU argument; repeatable
#   --cpio FILE      one more initramfs archive (newc cpio, gzip'd, e.g. of
#                    scripts/nested/packages.sh), unpacked after the
#                    guest's and before the run's own; repeatable
#   --guest DIR      the guest kernel and busybox initramfs
#                    (default ${XDG_CACHE_HOME:-~/.cache}/heron/guest, made
#                    by scripts/guest-image.sh, which is run if they are
#                    missing)
#   --keep           keep the work directory (the initramfs, console.log)
# COMMAND (the words after --, joined by spaces) runs under busybox sh in /
# of the initramfs. The guest's console goes to stdout as it comes. The
# exit status is the command's, as the guest reports it on the console
# ("heron-guest: exit status N", scripts/nested/init.sh); checked against
# QEMU's own exit code (the guest powers off through the test finisher with
# it). If the guest never reports one: 124 on the timeout, else 125.
#
# Example:
#   scripts/nested/run.sh --kvm target/cross/riscv64gc-unknown-linux-gnu/ci/heron \
#       -- '/heron --version; ls -l /dev/kvm'
#
# The initramfs is built without root: the guest's busybox initramfs, the
# --cpio archives, and last a cpio archive (newc, gzip) made from a staging
# directory with owners set to root; the kernel unpacks them in that order,
# the last one's /init replacing the first's.
#
# Host tools: qemu-system-riscv64 (7.2 or later), cpio, gzip, xz, dpkg-deb
# (for --kvm); scripts/setup.sh installs them.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
GUEST=${XDG_CACHE_HOME:-$HOME/.cache}/heron/guest
MODCACHE=${XDG_CACHE_HOME:-$HOME/.cache}/heron/nested
SMP=2
MEMORY=1G
TIMEOUT=900
APPEND=
KEEP=0
FILES=()
MODULES=()
QEMU_EXTRA=()
CPIOS=()

die() { echo "nested: error: $*" >&2; exit 2; }
log() { echo "nested: $*" >&2; }

while (($#)); do
    case $1 in
    --kvm) MODULES+=(kvm); shift ;;
    --module) MODULES+=("${2:?--module needs a name}"); shift 2 ;;
    --smp) SMP=${2:?--smp needs a number}; shift 2 ;;
    --memory) MEMORY=${2:?--memory needs a size}; shift 2 ;;
    --timeout) TIMEOUT=${2:?--timeout needs seconds}; shift 2 ;;
    --append) APPEND=${2?--append needs arguments}; shift 2 ;;
    --qemu) QEMU_EXTRA+=("${2:?--qemu needs an argument}"); shift 2 ;;
    --cpio) CPIOS+=("${2:?--cpio needs a file}"); shift 2 ;;
    --guest) GUEST=${2:?--guest needs a directory}; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    --) shift; break ;;
    -*) die "unknown option: $1 (see --help)" ;;
    *) FILES+=("$1"); shift ;;
    esac
done
(($#)) || die "no command: put it after -- (see --help)"
for f in ${CPIOS[@]+"${CPIOS[@]}"}; do
    [[ -f $f ]] || die "not a file: $f (--cpio)"
done
COMMAND="$*"

for tool in qemu-system-riscv64 cpio gzip timeout; do
    command -v "$tool" >/dev/null || die "$tool not found: run scripts/setup.sh"
done

if [[ ! -f $GUEST/Image || ! -f $GUEST/initramfs.cpio.gz || ! -f $GUEST/versions ]]; then
    log "no guest in $GUEST: building it (scripts/guest-image.sh)"
    "$ROOT/scripts/guest-image.sh" --out "$GUEST" >&2
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/heron-nested.XXXXXX")
if ((KEEP)); then
    trap 'log "work directory kept: $WORK"' EXIT
else
    trap 'rm -rf "$WORK"' EXIT
fi
STAGE=$WORK/stage
mkdir -p "$STAGE/nested"

# ---- the caller's files -----------------------------------------------------

for spec in ${FILES[@]+"${FILES[@]}"}; do
    src=$spec
    dest=
    if [[ $spec == *:/* ]]; then
        src=${spec%:/*}
        dest=/${spec##*:/}
    fi
    [[ -f $src ]] || die "not a file: $src"
    [[ -n $dest ]] || dest=/${src##*/}
    [[ $dest != */ && $dest != /init && $dest != /nested/* ]] || die "cannot put a file at $dest"
    mkdir -p "$STAGE$(dirname "$dest")"
    cp -L --preserve=mode "$src" "$STAGE$dest"
done

# ---- modules of the guest kernel --------------------------------------------

# The kernel package the guest's Image came from, its version, KVER.
read -r _ KERNEL_PKG KERNEL_VERSION KVER < <(grep '^kernel ' "$GUEST/versions") ||
    die "no kernel line in $GUEST/versions"
KVER=${KVER#(}
KVER=${KVER%)}

# Decompressed modules are kept in MODCACHE/KVER/NAME.ko; each comes out of
# the kernel .deb that scripts/guest-image.sh downloaded.
kernel_deb() {
    local f
    for f in "$GUEST"/debs/"${KERNEL_PKG}"_*_riscv64.deb; do
        [[ -f $f && $(dpkg-deb -f "$f" Version) == "$KERNEL_VERSION" ]] && { echo "$f"; return 0; }
    done
    die "the $KERNEL_PKG $KERNEL_VERSION .deb is not in $GUEST/debs (run scripts/guest-image.sh --refresh)"
}

# NAME (as in modinfo: '-' and '_' alike) -> its path in the .deb.
declare -A MODPATH=()
module_index() {
    ((${#MODPATH[@]} == 0)) || return 0
    local index=$MODCACHE/$KVER/index path name
    if [[ ! -f $index ]]; then
        command -v dpkg-deb >/dev/null || die "dpkg-deb not found: run scripts/setup.sh"
        mkdir -p "$MODCACHE/$KVER"
        dpkg-deb --fsys-tarfile "$(kernel_deb)" | tar -t | grep -E '/kernel/.*\.ko(\.xz|\.zst|\.gz)?$' >"$index.new"
        mv "$index.new" "$index"
    fi
    while IFS= read -r path; do
        name=${path##*/}
        name=${name%%.ko*}
        MODPATH[${name//-/_}]=$path
    done <"$index"
}

declare -A LOADED=()
LOAD_ORDER=()
add_module() {
    local m=${1//-/_} ko dep deps tmp
    [[ -z ${LOADED[$m]:-} ]] || return 0
    LOADED[$m]=1
    ko=$MODCACHE/$KVER/$m.ko
    if [[ ! -f $ko ]]; then
        module_index
        [[ -n ${MODPATH[$m]:-} ]] || die "no module $m in $KERNEL_PKG (built in, or misspelt?)"
        log "extracting $m.ko from $KERNEL_PKG"
        tmp=$WORK/mod
        rm -rf "$tmp"
        mkdir -p "$tmp"
        dpkg-deb --fsys-tarfile "$(kernel_deb)" | tar -x -C "$tmp" "${MODPATH[$m]}"
        # busybox insmod takes plain .ko files only.
        case ${MODPATH[$m]} in
        *.ko.xz) xz -dc "$tmp/${MODPATH[$m]}" >"$ko.new" ;;
        *.ko.zst) zstd -qdc "$tmp/${MODPATH[$m]}" >"$ko.new" ;;
        *.ko.gz) gzip -dc "$tmp/${MODPATH[$m]}" >"$ko.new" ;;
        *) cp "$tmp/${MODPATH[$m]}" "$ko.new" ;;
        esac
        mv "$ko.new" "$ko"
    fi
    deps=$(tr '\0' '\n' <"$ko" | sed -n 's/^depends=//p' | head -1)
    for dep in ${deps//,/ }; do add_module "$dep"; done
    cp "$ko" "$STAGE/nested/$m.ko"
    LOAD_ORDER+=("$m")
}
for m in ${MODULES[@]+"${MODULES[@]}"}; do add_module "$m"; done
printf '%s\n' ${LOAD_ORDER[@]+"${LOAD_ORDER[@]}"} >"$STAGE/nested/modules"

# ---- the initramfs ----------------------------------------------------------

install -m 755 "$HERE/init.sh" "$STAGE/init"
printf '%s\n' "$COMMAND" >"$STAGE/nested/cmd"
(cd "$STAGE" && find . -mindepth 1 | LC_ALL=C sort |
    cpio --quiet -o -H newc -R 0:0 --reproducible) | gzip -1n >"$WORK/extra.cpio.gz"
cat "$GUEST/initramfs.cpio.gz" ${CPIOS[@]+"${CPIOS[@]}"} "$WORK/extra.cpio.gz" >"$WORK/initramfs.cpio.gz"

# ---- QEMU -------------------------------------------------------------------

QEMU=(
    qemu-system-riscv64 -M virt -cpu "rv64,h=true" -smp "$SMP" -m "$MEMORY"
    -nographic -no-reboot
    -kernel "$GUEST/Image" -initrd "$WORK/initramfs.cpio.gz"
    # panic=-1: a kernel panic reboots at once, which -no-reboot makes an exit.
    -append "console=ttyS0 panic=-1${APPEND:+ $APPEND}"
    ${QEMU_EXTRA[@]+"${QEMU_EXTRA[@]}"}
)
log "booting $KERNEL_PKG under $(qemu-system-riscv64 --version | head -1) (-cpu rv64,h=true, -smp $SMP, -m $MEMORY)"
set +e
timeout -k 10 "$TIMEOUT" "${QEMU[@]}" </dev/null | tee "$WORK/console.log"
statuses=("${PIPESTATUS[@]}")
set -e
qemu_status=${statuses[0]}

reported=$(tr -d '\r' <"$WORK/console.log" | sed -n 's/^heron-guest: exit status \([0-9][0-9]*\)$/\1/p' | tail -1)
if [[ -z $reported ]]; then
    if ((qemu_status == 124)); then
        log "timed out after $TIMEOUT s"
        exit 124
    fi
    log "the guest reported no exit status (QEMU exited with $qemu_status)"
    exit 125
fi
# QEMU exits with the status it got through the test finisher (the low
# byte reaches the shell).
if ((qemu_status != (reported & 0xff))); then
    log "warning: the guest reported exit status $reported, QEMU exited with $qemu_status"
fi
log "exit status $reported"
exit $((reported > 255 ? 255 : reported))
