# shellcheck shell=bash
# Sourced by scripts/guest-image.sh and scripts/nested/packages.sh: apt for
# Debian's riscv64 packages with a private state directory, so that the
# host's apt state is not touched and no root is needed. Defines functions
# only; sourcing it has no other effect.
#
# The caller defines die and log (messages to stderr; die exits) and calls
# riscv64_apt_init first. write_sources and update_lists also need MIRROR
# (the archive's URI, see lib/debian-mirror.sh) and KEYRING (the
# debian-archive-keyring file that signs it).
#
#   riscv64_apt_init APT_DIR DEBS_DIR
#                       sets APT_DIR, DEBS_DIR and APT_OPTS (apt-get and
#                       apt-cache options for that state, riscv64 only);
#                       makes the directories; an empty dpkg status
#   write_sources SUITE APT_DIR/sources.list for MIRROR's SUITE, main
#   lists_present       whether apt-get update has fetched package lists
#   update_lists SUITE  apt-get update for SUITE, or "stable" if that is SUITE
#   fetch PKG...        the candidate .debs of the packages, downloaded into
#                       DEBS_DIR where they are not there yet; prints their
#                       paths, one a line, in the order asked

riscv64_apt_init() {
    APT_DIR=$1
    DEBS_DIR=$2
    mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial" "$DEBS_DIR"
    : >"$APT_DIR/status" # nothing is installed for riscv64
    APT_OPTS=(
        -o APT::Architecture=riscv64 -o APT::Architectures=riscv64
        -o Dir::State::Lists="$APT_DIR/lists" -o Dir::State::Status="$APT_DIR/status"
        -o Dir::Etc::SourceList="$APT_DIR/sources.list" -o Dir::Etc::SourceParts=/dev/null
        -o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=/dev/null
        -o Dir::Cache="$APT_DIR/cache"
        # The binary cache of the lists, which the host's apt.conf may turn
        # off (Debian's container images do): with it an apt-cache call
        # takes 0.4 s instead of 1.2.
        -o Dir::Cache::pkgcache=pkgcache.bin
        # The appstream metadata is not needed.
        -o Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false
        -o Acquire::Languages=none
    )
    # As root apt would drop to the _apt user, who cannot write to a private
    # directory under root's home.
    [[ $(id -u) -ne 0 ]] || APT_OPTS+=(-o APT::Sandbox::User=root)
}

write_sources() {
    echo "deb [arch=riscv64 signed-by=$KEYRING] $MIRROR $1 main" >"$APT_DIR/sources.list"
}

# (apt may keep them compressed: _Packages.lz4 and the like)
lists_present() { compgen -G "$APT_DIR/lists/*_Packages*" >/dev/null; }

update_lists() {
    local suite=$1
    log "package lists for $suite/riscv64 from $MIRROR"
    write_sources "$suite"
    if ! apt-get "${APT_OPTS[@]}" update; then
        # A mirror part-way through a sync serves a Release that does not
        # match its Packages files for a while. "stable" is the same
        # release under its other name, often in a consistent state; take it
        # only if it really is SUITE.
        log "$suite's lists failed to download; trying 'stable' (must be $suite)"
        write_sources stable
        apt-get "${APT_OPTS[@]}" update || die "apt-get update failed for $MIRROR"
        grep -qx "Codename: $suite" "$APT_DIR"/lists/*_stable_InRelease ||
            die "'stable' on $MIRROR is not $suite"
    fi
    lists_present || die "apt-get update fetched no package lists"
}

# A download already in DEBS_DIR is reused when its name (the pool's file
# name) and size are the candidate's. One apt-cache and at most one apt-get
# call for all the packages, so that apt fetches them over one connection.
fetch() {
    (($#)) || return 0
    local info pkg ver arch size file got
    local -A stanza=()
    local paths=() missing=()
    # "name version architecture size filename" of each candidate.
    info=$(apt-cache "${APT_OPTS[@]}" show --no-all-versions "$@" | awk '
        $1 == "Package:" { p = $2 }
        $1 == "Version:" { v = $2 }
        $1 == "Architecture:" { a = $2 }
        $1 == "Size:" { s = $2 }
        $1 == "Filename:" { f = $2 }
        /^$/ { if (p != "") print p, v, a, s, f; p = v = a = s = f = "" }
        END { if (p != "") print p, v, a, s, f }') || die "no candidate for some of: $*"
    while read -r pkg ver arch size file; do
        [[ -n $pkg ]] && stanza[$pkg]="$ver $arch $size ${file##*/}"
    done <<<"$info"
    for pkg; do
        [[ -n ${stanza[$pkg]:-} ]] || die "no candidate for $pkg"
        read -r ver arch size file <<<"${stanza[$pkg]}"
        [[ -n $file ]] || die "no candidate for $pkg"
        paths+=("$DEBS_DIR/$file")
        [[ -f $DEBS_DIR/$file && $(stat -c %s "$DEBS_DIR/$file") == "$size" ]] || missing+=("$pkg")
    done
    if ((${#missing[@]})); then
        if ((${#missing[@]} <= 4)); then
            log "downloading ${missing[*]}"
        else
            log "downloading ${#missing[@]} packages: ${missing[*]:0:4} ..."
        fi
        (cd "$DEBS_DIR" && apt-get "${APT_OPTS[@]}" download "${missing[@]}" >&2) ||
            die "download of ${missing[*]} failed"
        for pkg in "${missing[@]}"; do
            read -r ver arch size file <<<"${stanza[$pkg]}"
            # apt names the file with the epoch escaped (1%3a...); the pool
            # name has no epoch.
            got=${pkg}_${ver//:/%3a}_${arch}.deb
            [[ $got == "$file" || ! -f $DEBS_DIR/$got ]] || mv -f -- "$DEBS_DIR/$got" "$DEBS_DIR/$file"
            [[ -f $DEBS_DIR/$file ]] || die "apt did not download $pkg as $DEBS_DIR/$file"
        done
    fi
    printf '%s\n' "${paths[@]}"
}
