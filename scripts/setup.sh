#!/usr/bin/env bash
# Installs what building and testing heron needs on a Debian-family host:
# the riscv64 cross toolchain (guest test programs are assembled at test
# time), cmake and a C compiler (the SoftFloat build), QEMU (the reference
# the benchmarks compare against), gdb-multiarch (the gdb-stub tests), dtc,
# OpenSBI and U-Boot.
# Packages come from the host's configured apt sources.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  gcc-riscv64-linux-gnu binutils-riscv64-linux-gnu
  qemu-system-misc gdb-multiarch
  # device-tree tests decompile heron's DTB; the OpenSBI boot test uses
  # Debian's fw_jump.bin, the U-Boot boot test u-boot-qemu's
  # qemu-riscv64_smode/u-boot.bin.
  device-tree-compiler opensbi u-boot-qemu
  # scripts/guest-image.sh (the Linux guest): apt's keyring for Debian's
  # trixie, cpio and xz for the initramfs, e2fsprogs for the ext4 root;
  # gpg checks the keyring.
  debian-archive-keyring cpio xz-utils e2fsprogs gpg
  # --net user: libslirp (QEMU's user-mode network stack), found through
  # pkg-config, which also wants glib's .pc file.
  libslirp-dev libglib2.0-dev
  # scripts/guest-image.sh --full (the Debian system): fakeroot unpacks
  # the packages as an unprivileged user, fdisk's sfdisk partitions the
  # disk, debugfs (e2fsprogs) reads /boot back out, and the tests log in
  # with openssh-client.
  fakeroot fdisk openssh-client
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v cargo >/dev/null; then
  echo "setup: cargo not found; install Rust (https://rustup.rs) and re-run" >&2
  exit 1
fi
echo "setup: ok"
