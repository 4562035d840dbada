# shellcheck shell=bash
# Sourced by scripts/guest-image.sh and scripts/cross-riscv64.sh: where the
# host's apt sources say Debian's archive is, so that no mirror is ever
# written into the repository.

# The first Debian archive URI in the host's apt sources: one-line .list
# entries ("deb [opts] URI SUITE COMPONENTS") and deb822 .sources stanzas
# ("URIs:"). Security and third-party archives are skipped: the one wanted
# serves dists/SUITE/main for Debian's own suites.
host_mirror() {
    local f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
        [[ -f $f ]] || continue
        # A blank line after the file ends its last deb822 stanza.
        { cat "$f"; echo; } | awk -v deb822="$([[ $f == *.sources ]] && echo 1 || echo 0)" '
            function consider(uri, suites) {
                if (uri ~ /^(https?|file):/ && uri ~ /\/debian\/?$/ && suites !~ /-security/) {
                    print uri; found = 1; exit
                }
            }
            deb822 && /^[ \t]*$/ {
                if (types ~ /(^|[ \t])deb([ \t]|$)/) for (i = 1; i <= n; i++) consider(u[i], suites)
                types = ""; suites = ""; n = 0; next
            }
            deb822 && tolower($1) == "types:" { types = $0; sub(/^[^:]*:/, "", types) }
            deb822 && tolower($1) == "suites:" { suites = $0 }
            deb822 && tolower($1) == "uris:" { n = 0; for (i = 2; i <= NF; i++) u[++n] = $i }
            # One-line format; skip the [options] block.
            !deb822 && $1 == "deb" {
                i = 2
                if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
                consider($i, $(i + 1))
            }
            END { exit !found }
        ' && return 0
    done
    return 1
}
