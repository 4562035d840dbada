#!/usr/bin/env bash
# The README's first command: sets up, builds heron (release) and runs its
# main job on the project's own bare-metal guest programs: each prints its
# checksum through HTIF and heron reports the speed it ran at.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --release
exec scripts/bench.sh --heron-only
