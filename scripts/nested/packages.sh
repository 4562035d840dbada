#!/usr/bin/env bash
# Makes a gzip'd newc cpio archive of Debian trixie riscv64 packages and
# everything they depend on, unpacked under /opt/riscv64, for
# scripts/nested/run.sh --cpio: programs for the nested guest, whose own
# initramfs is busybox only.
#
# Usage: scripts/nested/packages.sh [--guest DIR] --out FILE.cpio.gz PKG...
#   --guest DIR   the guest's apt state (DIR/apt) and downloads (DIR/debs)
#                 (default ${XDG_CACHE_HOME:-~/.cache}/heron/guest); its
#                 package lists come from scripts/guest-image.sh, which is
#                 run with --out DIR if there are none
#   --out FILE    the archive to write; FILE.stamp (what it was made from)
#                 and FILE.lock go beside it
# PKG and the closure of its Depends and Pre-Depends (the first of each
# group of alternatives; a virtual package by its first provider), at their
# candidate versions, are unpacked with dpkg-deb -x under /opt/riscv64,
# less usr/share/{doc,man,info,locale}; absolute symbolic links are made to
# point into /opt/riscv64 too. Maintainer scripts are not run. FILE is made
# again only when this script, scripts/lib/riscv64-apt.sh or the list of
# packages and versions changed. FILE's path is the last line on stdout;
# progress goes to stderr.
#
# The programs run with the packages' own dynamic loader and libraries,
# e.g. in the guest
#   L=/opt/riscv64/usr/lib/riscv64-linux-gnu
#   $L/ld-linux-riscv64-lp64d.so.1 --library-path $L /opt/riscv64/usr/bin/gdb --version
# (trixie's gdb-minimal is a transitional package for the full gdb, Python
# and all; gdb is built relocatable and finds its data directory and
# Python's under /opt/riscv64 by itself). The guest has no /etc/hosts and
# its lo is down: `ifconfig lo 127.0.0.1 up`, then target remote 127.0.0.1:PORT.
#
# Example:
#   cpio=$(scripts/nested/packages.sh --out /tmp/gdb.cpio.gz gdb-minimal | tail -1)
#   scripts/nested/run.sh --cpio "$cpio" -- 'ls /opt/riscv64/usr/bin'
#
# Host tools: apt, dpkg-deb, cpio, gzip, flock, sha256sum (and for a guest
# not made yet, those of scripts/guest-image.sh); scripts/setup.sh
# installs them.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
APT_LIB=$ROOT/scripts/lib/riscv64-apt.sh
GUEST=${XDG_CACHE_HOME:-$HOME/.cache}/heron/guest
PREFIX=/opt/riscv64
OUT_FILE=
PACKAGES=()

die() { echo "packages: error: $*" >&2; exit 2; }
log() { echo "packages: $*" >&2; }

while (($#)); do
    case $1 in
    --guest) GUEST=${2:?--guest needs a directory}; shift 2 ;;
    --out) OUT_FILE=${2:?--out needs a file}; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    --) shift; PACKAGES+=("$@"); break ;;
    -*) die "unknown option: $1 (see --help)" ;;
    *) PACKAGES+=("$1"); shift ;;
    esac
done
[[ -n $OUT_FILE ]] || die "no --out FILE (see --help)"
((${#PACKAGES[@]})) || die "no packages (see --help)"

for tool in apt-get apt-cache dpkg-deb cpio gzip flock sha256sum; do
    command -v "$tool" >/dev/null || die "$tool not found: run scripts/setup.sh"
done

# riscv64_apt_init, lists_present, fetch: apt with a private state directory.
# shellcheck source=../lib/riscv64-apt.sh
source "$APT_LIB"

mkdir -p "$(dirname "$OUT_FILE")"
OUT_FILE=$(cd "$(dirname "$OUT_FILE")" && pwd)/${OUT_FILE##*/}
STAMP_FILE=$OUT_FILE.stamp
# One build of FILE at a time.
exec 8>"$OUT_FILE.lock"
flock 8

if ! compgen -G "$GUEST/apt/lists/*_Packages*" >/dev/null; then
    log "no package lists in $GUEST/apt: making the guest (scripts/guest-image.sh)"
    "$ROOT/scripts/guest-image.sh" --out "$GUEST" >&2
fi
GUEST=$(cd "$GUEST" && pwd)
# The apt state is scripts/guest-image.sh's: hold its lock while using it.
exec 9>"$GUEST/.lock"
flock 9
riscv64_apt_init "$GUEST/apt" "$GUEST/debs"
lists_present || die "no package lists in $GUEST/apt (run scripts/guest-image.sh --out $GUEST)"

# ---- the packages -----------------------------------------------------------

# The closure of the arguments' Depends and Pre-Depends, one name a line:
# the first of each group of alternatives (" |Depends: a" starts a group
# that ends at the next line without "|"), a virtual package ("<name>")
# by its first provider (the more indented lines that follow it). apt-cache
# --recurse follows every alternative and every provider, so its output
# holds the stanzas of all that can be wanted; the walk from the
# arguments happens here, in one apt-cache call.
closure() {
    apt-cache "${APT_OPTS[@]}" depends --recurse --no-recommends --no-suggests \
        --no-conflicts --no-breaks --no-replaces --no-enhances "$@" | awk -v roots="$*" '
        /^[^ ]/ { pkg = $1; skip = 0; provider = 0; next }
        /^ [ |](Pre)?Depends: / {
            name = $2
            sub(/:(any|riscv64|native)$/, "", name)
            provider = 0
            if (!skip) {
                if (name ~ /^</) provider = 1
                else deps[pkg] = deps[pkg] " " name
            }
            skip = ($1 ~ /^\|/)
            next
        }
        /^    [^ ]/ {
            if (provider) { name = $1; sub(/:.*/, "", name); deps[pkg] = deps[pkg] " " name }
            provider = 0
            next
        }
        { provider = 0 }
        END {
            n = split(roots, queue, " ")
            for (i = 1; i <= n; i++) seen[queue[i]] = 1
            for (i = 1; i <= n; i++) {
                print queue[i]
                m = split(deps[queue[i]], d, " ")
                for (j = 1; j <= m; j++)
                    if (!(d[j] in seen)) { seen[d[j]] = 1; queue[++n] = d[j] }
            }
        }'
}

mapfile -t NAMES < <(closure "${PACKAGES[@]}" | LC_ALL=C sort)
# "name version", the candidates.
VERSIONS=$(apt-cache "${APT_OPTS[@]}" show --no-all-versions "${NAMES[@]}" |
    awk '$1 == "Package:" { p = $2 } $1 == "Version:" { print p, $2 }' | LC_ALL=C sort -u) ||
    die "apt-cache show failed for: ${NAMES[*]}"
for pkg in "${PACKAGES[@]}"; do
    awk -v p="$pkg" '$1 == p { found = 1 } END { exit !found }' <<<"$VERSIONS" ||
        die "no riscv64 candidate for $pkg"
done
(($(wc -l <<<"$VERSIONS") == ${#NAMES[@]})) ||
    die "resolved ${#NAMES[@]} packages but apt-cache shows $(wc -l <<<"$VERSIONS"): ${NAMES[*]}"

STAMP=$(cat "${BASH_SOURCE[0]}" "$APT_LIB" - <<<"$VERSIONS" | sha256sum | cut -d' ' -f1)
if [[ -f $OUT_FILE && -f $STAMP_FILE ]] && [[ $(head -1 "$STAMP_FILE") == "stamp $STAMP" ]]; then
    log "up to date: $OUT_FILE (${#NAMES[@]} packages)"
    echo "$OUT_FILE"
    exit 0
fi

log "${#NAMES[@]} packages for ${PACKAGES[*]}"
mapfile -t DEBS < <(fetch "${NAMES[@]}")
((${#DEBS[@]} == ${#NAMES[@]})) || die "fetch gave ${#DEBS[@]} files for ${#NAMES[@]} packages"
exec 9>&- # done with the apt state

# ---- the archive ------------------------------------------------------------

WORK=$(mktemp -d "$(dirname "$OUT_FILE")/.packages.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
TREE=$WORK/root$PREFIX
mkdir -p "$TREE"
for deb in "${DEBS[@]}"; do
    dpkg-deb -x "$deb" "$TREE"
done
rm -rf "$TREE/usr/share/doc" "$TREE/usr/share/man" "$TREE/usr/share/info" "$TREE/usr/share/locale"
# /usr/lib/... in a link means PREFIX/usr/lib/... here (the link keeps
# its time).
while IFS= read -r -d '' link; do
    target=$(readlink "$link")
    [[ $target == /* ]] || continue
    mtime=$(stat -c %Y "$link")
    ln -sfn "$PREFIX$target" "$link"
    touch -h -d "@$mtime" "$link"
done < <(find "$WORK/root" -type l -print0)
# Directories that several packages fill, or that are made here, carry the
# time of this run: one fixed time instead, for the same archive each time.
find "$WORK/root" -type d -print0 | xargs -0 touch -h -d @0
(cd "$WORK/root" && find . -mindepth 1 | LC_ALL=C sort |
    cpio --quiet -o -H newc -R 0:0 --reproducible) | gzip -1n >"$WORK/packages.cpio.gz"

# The stamp last, so that an interrupted build is never taken as finished.
rm -f "$STAMP_FILE"
mv -f "$WORK/packages.cpio.gz" "$OUT_FILE"
{ echo "stamp $STAMP"; echo "$VERSIONS"; } >"$STAMP_FILE"
log "wrote $OUT_FILE: ${#NAMES[@]} packages, $(du -k "$OUT_FILE" | cut -f1) KiB, $(du -sk "$WORK/root" | cut -f1) KiB unpacked"
echo "$OUT_FILE"
