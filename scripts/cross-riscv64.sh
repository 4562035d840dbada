#!/usr/bin/env bash
# Cross-builds a static riscv64 heron (riscv64gc-unknown-linux-gnu,
# +crt-static), to run heron inside a riscv64 Linux guest (the KVM work).
#
# Usage: scripts/cross-riscv64.sh [--refresh] [--release | --profile P] [CARGO ARGS...]
#   --release / --profile P   the cargo profile (default: dev). `--profile ci`
#                             (optimised, no LTO) builds far faster than
#                             --release (fat LTO, one codegen unit).
#   --refresh                 fetch the package lists again and take the
#                             newest toolchain packages
#   CARGO ARGS                passed on to `cargo build` (e.g. --features X)
# The last line printed is the path of the binary, e.g.
#   target/cross/riscv64gc-unknown-linux-gnu/ci/heron
# Build products go to target/cross (CARGO_TARGET_DIR), apart from the
# native builds in target/.
#
# The toolchain. rustup's toolchain has no riscv64 std here and cannot
# download one, so the compiler comes from Debian unstable: rustc, its
# amd64 std (build scripts and proc macros are host code) and the riscv64
# libstd-rust-dev (the target's std rlibs), with the runtime libraries that
# rustc needs (libLLVM, a glibc newer than the host's, ...). They come through
# apt with a private state directory (cross/apt; the host's apt state is not
# touched, no root needed), from the Debian mirror the host's own apt sources
# name, and are unpacked with dpkg-deb -x into
#   ${XDG_CACHE_HOME:-~/.cache}/heron/cross/sysroot
# That rustc needs a newer glibc than the host's, so it runs through the
# unpacked glibc's own dynamic loader, by a wrapper script (cross/bin/rustc)
# handed to the host's cargo as RUSTC. What rustc starts (cc, the linkers)
# and what cargo runs (build scripts) are host programs on the host's
# glibc: build scripts are linked by the host's cc against the host's libc
# (the std asks for nothing newer than GLIBC_2.34).
#
# The riscv64 side: riscv64-linux-gnu-gcc compiles softfloat-sys's C code
# and links heron, with --sysroot (a second wrapper, cross/bin/riscv64-gcc)
# on the riscv64 glibc of the host's own Debian release
# (libc6-dev-riscv64-cross and linux-libc-dev-riscv64-cross, unpacked into
# cross/riscv64-sysroot): setup.sh's gcc-riscv64-linux-gnu comes without
# them (the gcc then falls back to the host's /usr/include), and unstable's
# newer glibc does not suit the host's binutils (bookworm's ld 2.40
# crashes on glibc 2.43's libc.a).
#
# Every step leaves a stamp in the cache directory; a second run reuses it
# all without the network.
#
# Host tools: apt, dpkg-deb, cc, riscv64-linux-gnu-gcc, cargo;
# scripts/setup.sh installs them (cargo: rustup).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
TARGET=riscv64gc-unknown-linux-gnu
CROSS_PREFIX=riscv64-linux-gnu-
SUITE=unstable
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/heron/cross

die() { echo "cross: error: $*" >&2; exit 1; }
log() { echo "cross: $*" >&2; }

# ---- arguments --------------------------------------------------------------

REFRESH=0
PROFILE=dev
CARGO_ARGS=()
while (($#)); do
    case $1 in
    --refresh) REFRESH=1; shift ;;
    --release) PROFILE=release; CARGO_ARGS+=("$1"); shift ;;
    --profile) PROFILE=${2:?--profile needs a name}; CARGO_ARGS+=("$1" "$2"); shift 2 ;;
    --profile=*) PROFILE=${1#--profile=}; CARGO_ARGS+=("$1"); shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) CARGO_ARGS+=("$1"); shift ;;
    esac
done
case $PROFILE in
dev) PROFILE_DIR=debug ;;
*) PROFILE_DIR=$PROFILE ;;
esac

for tool in apt-get apt-cache dpkg-deb sha256sum flock; do
    command -v "$tool" >/dev/null || die "$tool not found: run scripts/setup.sh"
done
command -v "${CROSS_PREFIX}gcc" >/dev/null ||
    die "${CROSS_PREFIX}gcc not found: run scripts/setup.sh (package gcc-riscv64-linux-gnu)"
command -v cc >/dev/null || die "cc (the host C compiler) not found: run scripts/setup.sh"
command -v cargo >/dev/null || die "cargo not found: install Rust (rustup) and run scripts/setup.sh"
[[ $(uname -m) == x86_64 ]] || die "this script runs on an x86_64 host (it uses Debian's amd64 rustc); found $(uname -m)"
[[ -r $KEYRING ]] || die "$KEYRING missing: run scripts/setup.sh (debian-archive-keyring)"

mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)
# One toolchain set-up at a time; cargo locks its own target directory.
exec 9>"$CACHE/.lock"
flock 9

# ---- the Debian mirror ------------------------------------------------------

# host_mirror: the first Debian archive URI in the host's apt sources (as
# for scripts/guest-image.sh).
# shellcheck source=lib/debian-mirror.sh
source "$HERE/lib/debian-mirror.sh"

# ---- apt with a private state directory -------------------------------------

APT_DIR=$CACHE/apt
DEBS=$CACHE/debs
SYSROOT=$CACHE/sysroot
RV_SYSROOT=$CACHE/riscv64-sysroot
# The packages that go to RV_SYSROOT (riscv64-linux-gnu-gcc's --sysroot);
# the rest make up SYSROOT, rustc's.
RV_SYSROOT_PKGS=" libc6-dev-riscv64-cross linux-libc-dev-riscv64-cross "
STAMP_LISTS=$CACHE/stamp-lists
STAMP_DEBS=$CACHE/stamp-debs
STAMP_SYSROOT=$CACHE/stamp-sysroot
STAMP_RV_SYSROOT=$CACHE/stamp-riscv64-sysroot
mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial" "$DEBS"
[[ -f $APT_DIR/status ]] || : >"$APT_DIR/status" # nothing is installed
APT_OPTS=(
    -o APT::Architecture=amd64 -o "APT::Architectures=amd64,riscv64"
    -o Dir::State="$APT_DIR" -o Dir::State::Lists="$APT_DIR/lists"
    -o Dir::State::Status="$APT_DIR/status"
    -o Dir::Etc::SourceList="$APT_DIR/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=/dev/null
    -o Dir::Cache="$APT_DIR/cache"
    -o Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false
    -o Acquire::Languages=none
    # A mirror may serve unstable's Release a little past its Valid-Until.
    -o Acquire::Check-Valid-Until=false
    # Candidates come from unstable; the host's release is asked by name.
    -o APT::Default-Release="$SUITE"
)
# As root apt would drop to the _apt user, who cannot write to a private
# directory under root's home.
[[ $(id -u) -ne 0 ]] || APT_OPTS+=(-o APT::Sandbox::User=root)

# The host's own Debian release (its codename), for the target's glibc.
host_suite() {
    local codename
    codename=$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release 2>/dev/null | tr -d '"' | head -1)
    [[ -n $codename ]] || die "no VERSION_CODENAME in /etc/os-release: not a Debian host?"
    echo "$codename"
}
HOST_SUITE=${HERON_HOST_SUITE:-$(host_suite)}

update_lists() {
    local mirror=${HERON_DEBIAN_MIRROR:-}
    if [[ -z $mirror ]]; then
        mirror=$(host_mirror) || die "no Debian archive found in the host's apt sources (set HERON_DEBIAN_MIRROR to one)"
    fi
    log "fetching the package lists of Debian $SUITE (amd64, riscv64) and $HOST_SUITE (amd64)"
    {
        echo "deb [arch=amd64,riscv64 signed-by=$KEYRING] $mirror $SUITE main"
        echo "deb [arch=amd64 signed-by=$KEYRING] $mirror $HOST_SUITE main"
    } >"$APT_DIR/sources.list"
    rm -f "$STAMP_LISTS"
    apt-get "${APT_OPTS[@]}" -q update >"$CACHE/apt-update.log" 2>&1 ||
        die "apt-get update of $SUITE and $HOST_SUITE failed (see $CACHE/apt-update.log)"
    compgen -G "$APT_DIR/lists/*_Packages*" >/dev/null || die "apt-get update fetched no package lists"
    { echo "suites $SUITE $HOST_SUITE"; date -u +"fetched %Y-%m-%dT%H:%M:%SZ"; } >"$STAMP_LISTS"
}
lists_current() { [[ -f $STAMP_LISTS ]] && grep -qx "suites $SUITE $HOST_SUITE" "$STAMP_LISTS"; }

# The candidate version of PKG (PKG:ARCH for riscv64), or nothing.
candidate() {
    apt-cache "${APT_OPTS[@]}" policy "$1" 2>/dev/null | awk '$1 == "Candidate:" && $2 != "(none)" { print $2; exit }'
}

# The packages that rustc needs to run, for amd64: the closure of rustc's
# Depends and Pre-Depends (the first of each group of alternatives), less
# what the host provides for linking (gcc, binutils, libc-dev). One
# apt-cache call per level of the dependency tree.
runtime_closure() {
    local -A seen=([gcc]=1 [binutils]=1 [libc-dev]=1)
    local level=(rustc) next pkg
    while ((${#level[@]})); do
        next=()
        for pkg in "${level[@]}"; do
            [[ -z ${seen[$pkg]:-} ]] || continue
            seen[$pkg]=1
            echo "$pkg"
            next+=("$pkg")
        done
        ((${#next[@]})) || break
        mapfile -t level < <(apt-cache "${APT_OPTS[@]}" depends --no-recommends --no-suggests \
            --no-conflicts --no-breaks --no-replaces --no-enhances "${next[@]}" 2>/dev/null | awk '
            # "|Depends: a" starts a group of alternatives that ends at the
            # next line without "|"; take the first of the group.
            /^  \|?(Pre)?Depends: / {
                name = $2
                if (!skip && name !~ /^</) print name
                skip = ($1 ~ /^\|/)
            }' | sort -u)
    done
}

# What to download, one apt-get argument a line (PKG:ARCH, PKG=VERSION).
resolve_packages() {
    local v vr pkg
    v=$(candidate rustc:amd64)
    [[ -n $v ]] || die "Debian $SUITE has no rustc for amd64"
    vr=$(candidate libstd-rust-dev:riscv64)
    [[ -n $vr ]] || die "Debian $SUITE has no libstd-rust-dev for riscv64"
    # The riscv64 std must come from the same rustc build (a binNMU
    # suffix "+bN" aside): rustc refuses rlibs of another version.
    [[ ${v%+b[0-9]*} == "${vr%+b[0-9]*}" ]] ||
        die "Debian $SUITE's riscv64 libstd-rust-dev is $vr but its rustc is $v (try again later with --refresh)"
    local closure
    mapfile -t closure < <(runtime_closure)
    printf '%s\n' "${closure[@]}" | grep -qx 'libllvm[0-9]*' || die "rustc's dependencies name no libllvmN"
    printf '%s:amd64\n' "${closure[@]}"
    echo "libstd-rust-dev:riscv64=$vr"
    # glibc's headers and static libraries for the target, from the host's
    # own release: they must suit the host's riscv64 binutils (bookworm's
    # ld 2.40 crashes, SIGSEGV, on unstable's glibc 2.43 libc.a). Rust's std
    # keeps to old glibc symbols, so an older libc.a is no problem.
    for pkg in libc6-dev-riscv64-cross linux-libc-dev-riscv64-cross; do
        v=$(apt-cache "${APT_OPTS[@]}" madison "$pkg" 2>/dev/null |
            awk -F' *[|] *' -v s=" $HOST_SUITE/main " 'index(" " $3 " ", s) { print $2; exit }')
        [[ -n $v ]] || die "Debian $HOST_SUITE has no $pkg"
        echo "$pkg=$v"
    done
}

# Downloads what is not in $DEBS yet; writes the file names to the stamp.
download_packages() {
    local specs uris line name size file files=() missing=()
    resolve_packages >"$CACHE/packages" || exit 1
    mapfile -t specs <"$CACHE/packages"
    uris=$(apt-get "${APT_OPTS[@]}" --print-uris download "${specs[@]}" 2>&1) ||
        { echo "$uris" >&2; return 1; }
    while read -r line; do
        # 'URI' FILE SIZE HASH
        read -r _ name size _ <<<"$line"
        [[ -n $name ]] || continue
        files+=("$name")
        file=$DEBS/$name
        [[ -f $file && $(stat -c %s "$file") == "$size" ]] || missing+=("$name")
    done < <(grep "^'" <<<"$uris")
    ((${#files[@]} == ${#specs[@]})) || die "apt resolved ${#specs[@]} packages to ${#files[@]} files"
    local rv
    rv=$(candidate rustc:amd64)
    if ((${#missing[@]})); then
        log "downloading rustc ${rv%%+*} for riscv64: ${#missing[@]} of ${#files[@]} Debian packages (rustc, its std for amd64 and riscv64, libLLVM, glibc, ...)"
        (cd "$DEBS" && apt-get "${APT_OPTS[@]}" -q download "${specs[@]}" >"$CACHE/apt-download.log" 2>&1) || return 1
    fi
    for name in "${files[@]}"; do
        [[ -f $DEBS/$name ]] || die "apt did not download $name"
    done
    printf '%s\n' "${files[@]}" >"$STAMP_DEBS"
}

# The stamp of the downloads holds while every file it names is here and
# it has what the build needs (an older version of this script may have
# wanted less).
debs_complete() {
    local name want
    [[ -f $STAMP_DEBS ]] || return 1
    while read -r name; do
        [[ -f $DEBS/$name ]] || return 1
    done <"$STAMP_DEBS"
    for want in 'rustc_.*_amd64' 'libstd-rust-dev_.*_amd64' 'libstd-rust-dev_.*_riscv64' \
        'libllvm[0-9]*_.*_amd64' 'libc6_.*_amd64' 'libc6-dev-riscv64-cross_.*_all' \
        'linux-libc-dev-riscv64-cross_.*_all'; do
        grep -qx "${want}\.deb" "$STAMP_DEBS" || return 1
    done
}

if ((REFRESH)); then
    rm -f "$STAMP_LISTS" "$STAMP_DEBS"
fi
if ! debs_complete; then
    lists_current || update_lists
    if ! download_packages; then
        # Unstable moves: lists from an earlier run may name packages that
        # the mirror has since dropped. Take fresh lists once.
        log "download failed; fetching the package lists again"
        update_lists
        download_packages || die "downloading the toolchain packages failed (see $CACHE/apt-download.log)"
    fi
fi

# ---- the sysroot ------------------------------------------------------------

# Each tree is unpacked afresh when its list of packages changed (stamp:
# the hash of that list), into TREE.new and then moved into place.
# With a 4th argument TRIPLET, usr/TRIPLET/{include,lib} (the layout of
# Debian's -cross packages) become usr/include and usr/lib, a sysroot for
# the cross gcc.
unpack_tree() {
    local tree=$1 stamp=$2 list=$3 triplet=${4:-} sum name
    sum=$(sha256sum <<<"$list" | cut -d' ' -f1)
    [[ ! -f $stamp || $(cat "$stamp") != "$sum" || ! -d $tree ]] || return 0
    log "unpacking $(wc -l <<<"$list") packages into $tree"
    rm -rf "$tree.new"
    mkdir "$tree.new"
    while read -r name; do
        dpkg-deb -x "$DEBS/$name" "$tree.new" || die "could not unpack $DEBS/$name"
    done <<<"$list"
    if [[ -n $triplet ]]; then
        [[ -d $tree.new/usr/$triplet/include && -d $tree.new/usr/$triplet/lib ]] ||
            die "no usr/$triplet/include and lib in the packages for $tree"
        mv "$tree.new/usr/$triplet/include" "$tree.new/usr/include"
        mv "$tree.new/usr/$triplet/lib" "$tree.new/usr/lib"
    fi
    rm -rf "$tree" "$stamp"
    mv "$tree.new" "$tree"
    echo "$sum" >"$stamp"
}

host_debs=$(while read -r name; do
    [[ $RV_SYSROOT_PKGS == *" ${name%%_*} "* ]] || echo "$name"
done <"$STAMP_DEBS")
rv_debs=$(while read -r name; do
    [[ $RV_SYSROOT_PKGS != *" ${name%%_*} "* ]] || echo "$name"
done <"$STAMP_DEBS")
unpack_tree "$SYSROOT" "$STAMP_SYSROOT" "$host_debs"
unpack_tree "$RV_SYSROOT" "$STAMP_RV_SYSROOT" "$rv_debs" riscv64-linux-gnu
# Old packages from before a --refresh.
for f in "$DEBS"/*.deb; do
    grep -qxF -- "${f##*/}" "$STAMP_DEBS" || rm -f -- "$f"
done

LOADER=
for f in "$SYSROOT/usr/lib64/ld-linux-x86-64.so.2" "$SYSROOT/lib64/ld-linux-x86-64.so.2" \
    "$SYSROOT/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"; do
    [[ -e $f ]] && { LOADER=$f; break; }
done
[[ -n $LOADER ]] || die "no ld-linux-x86-64.so.2 in $SYSROOT (libc6 not unpacked?)"
LIBPATH=$SYSROOT/usr/lib/x86_64-linux-gnu
[[ ! -d $SYSROOT/lib/x86_64-linux-gnu ]] || LIBPATH+=:$SYSROOT/lib/x86_64-linux-gnu
[[ -x $SYSROOT/usr/bin/rustc ]] || die "no usr/bin/rustc in $SYSROOT"
[[ -d $SYSROOT/usr/lib/rustlib/$TARGET/lib ]] || die "no $TARGET std in $SYSROOT/usr/lib/rustlib"
[[ -d $SYSROOT/usr/lib/rustlib/x86_64-unknown-linux-gnu/lib ]] ||
    die "no x86_64-unknown-linux-gnu std in $SYSROOT/usr/lib/rustlib"
[[ -f $RV_SYSROOT/usr/lib/libc.a && -f $RV_SYSROOT/usr/include/stdio.h ]] ||
    die "no riscv64 libc.a or stdio.h in $RV_SYSROOT"

# The wrapper. ld.so's --library-path holds for rustc alone, not for the
# programs it starts (cc, the linker, build scripts run by cargo), which
# stay on the host's libraries. rustc finds its sysroot (SYSROOT/usr) from
# where librustc_driver is.
RUSTC=$CACHE/bin/rustc
mkdir -p "$CACHE/bin"
wrapper="#!/bin/sh
# Debian $SUITE's rustc under its own glibc (written by scripts/cross-riscv64.sh).
exec '$LOADER' --library-path '$LIBPATH' '$SYSROOT/usr/bin/rustc' \"\$@\"
"
if [[ ! -f $RUSTC || $(cat "$RUSTC") != "${wrapper%$'\n'}" ]]; then
    printf '%s' "$wrapper" >"$RUSTC.new"
    chmod 755 "$RUSTC.new"
    mv -f "$RUSTC.new" "$RUSTC"
fi

# riscv64-linux-gnu-gcc on the riscv64 glibc: compiles softfloat-sys and
# links heron. Its libgcc and crt*.o are its own (gcc-cross), the rest comes
# from --sysroot.
RV_GCC=$CACHE/bin/riscv64-gcc
wrapper="#!/bin/sh
# riscv64-linux-gnu-gcc on Debian $SUITE's riscv64 glibc (written by scripts/cross-riscv64.sh).
exec '$(command -v "${CROSS_PREFIX}gcc")' --sysroot='$RV_SYSROOT' \"\$@\"
"
if [[ ! -f $RV_GCC || $(cat "$RV_GCC") != "${wrapper%$'\n'}" ]]; then
    printf '%s' "$wrapper" >"$RV_GCC.new"
    chmod 755 "$RV_GCC.new"
    mv -f "$RV_GCC.new" "$RV_GCC"
fi

RUSTC_VERSION=$("$RUSTC" --version 2>&1) || die "the unpacked rustc does not run (try --refresh): $RUSTC --version"

# ---- the build --------------------------------------------------------------

export RUSTC
export CARGO_TARGET_DIR=$ROOT/target/cross
# With --target, RUSTFLAGS reach the target's crates only (not build
# scripts or proc macros, which are host code).
export RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }-C target-feature=+crt-static"
export CARGO_TARGET_RISCV64GC_UNKNOWN_LINUX_GNU_LINKER=$RV_GCC
export CC_riscv64gc_unknown_linux_gnu=$RV_GCC
export AR_riscv64gc_unknown_linux_gnu=${CROSS_PREFIX}ar
# Host code is linked by the host's cc, whatever the rustc's default.
export CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER=${CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER:-cc}
unset RUSTC_WRAPPER RUSTC_WORKSPACE_WRAPPER CARGO_BUILD_RUSTC_WRAPPER

log "building heron for $TARGET (profile $PROFILE) with $RUSTC_VERSION"
start=$SECONDS
# Without default features: user networking links the system's libslirp
# (and glib), which a static riscv64 build has no copy of.
(cd "$ROOT" && cargo build --target "$TARGET" --bin heron --no-default-features \
    ${CARGO_ARGS[@]+"${CARGO_ARGS[@]}"}) ||
    die "cargo build failed"
BIN=$CARGO_TARGET_DIR/$TARGET/$PROFILE_DIR/heron
[[ -f $BIN ]] || die "cargo finished but $BIN is not there"
log "built in $((SECONDS - start)) s"
echo "${BIN#"$ROOT"/}"
