#!/usr/bin/env bash
# The README's test command: installs what the tests need, then runs the
# whole test suite (unit tests, the assembly suite under heron, the
# disassembler-vs-objdump comparison) in the `ci` profile (optimised, no LTO).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo test --workspace --profile ci "$@"
