#!/bin/sh
# /init of heron's test guest (copied into the initramfs by
# scripts/guest-image.sh; runs under busybox sh as PID 1).
#
# Loads the modules an ext4 root on a virtio-mmio disk needs, mounts the root
# disk (root=/dev/... from the kernel command line, else /dev/vda) on /mnt
# and then either
#   - runs the command given on the kernel command line as
#       heron.cmd=BASE64
#     (base64 of the shell text, e.g. `printf %s 'uname -a' | base64 -w0`:
#     base64 needs no quoting on the kernel command line and carries any
#     byte), with `chroot /mnt /bin/sh -c`, and powers off passing its exit
#     status out (see power_off below); or
#   - without heron.cmd, starts an interactive shell in the root and powers
#     off when it exits.
#
# Marker lines for tests and benchmarks (whole lines on the console):
#   heron-guest: ready               the guest is up, the command or shell starts
#   heron-guest: running: CMD        the command about to run
#   heron-guest: exit status N       what it returned
#
# Never exit: PID 1 exiting panics the kernel, so every path ends in
# power_off.

PATH=/bin:/sbin
export PATH
set -f # the command line is split on spaces below: no globbing

say() { echo "heron-guest: $*"; }

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

# Exit status out of the machine. Status 0 is an ordinary poweroff (SBI
# system reset, or the syscon-poweroff driver's 0x5555 write), which heron
# and QEMU both report as exit 0. Any other status is written to the SiFive
# test finisher at 0x10_0000 as 0x3333 | status << 16 ("FAIL" with a code):
# heron and QEMU's -M virt exit with that code.
power_off() {
    status=$1
    sync
    if [ "$status" -ne 0 ]; then
        devmem 0x100000 32 $((0x3333 | ((status & 0xffff) << 16)))
        say "the test finisher write did not stop the machine; powering off"
    fi
    poweroff -f
    # poweroff -f does not return; if it does, keep PID 1 alive.
    while :; do sleep 3600; done
}

# Modules, in dependency order (computed at build time from each module's
# modinfo `depends=`).
while read -r module; do
    [ -n "$module" ] || continue
    insmod "/lib/modules/$module.ko" || say "insmod $module failed"
done </etc/heron-modules

cmd64=
# A boot loader's configuration (U-Boot's extlinux.conf) names the root as
# on any Debian system, e.g. when the first disk is the one it booted from.
root_dev=/dev/vda
for arg in $(cat /proc/cmdline); do
    case "$arg" in
    heron.cmd=*) cmd64=${arg#heron.cmd=} ;;
    root=/dev/*) root_dev=${arg#root=} ;;
    esac
done

# The disk shows up when virtio-mmio probes it, a moment after insmod.
# Bounded (20 s of guest time) so that a machine without a disk still ends.
tries=0
while [ ! -b "$root_dev" ] && [ "$tries" -lt 200 ]; do
    usleep 100000
    tries=$((tries + 1))
done

root=
if [ -b "$root_dev" ]; then
    # Read-write if the disk allows it, else read-only (a read-only disk
    # refuses the read-write mount).
    if mount -t ext4 "$root_dev" /mnt || mount -t ext4 -o ro "$root_dev" /mnt; then
        root=/mnt
        [ -f /mnt/etc/hostname ] && hostname -F /mnt/etc/hostname
        for fs in proc:/proc sysfs:/sys devtmpfs:/dev; do
            mount -t "${fs%%:*}" "${fs%%:*}" "/mnt${fs#*:}" 2>/dev/null
        done
    else
        say "could not mount $root_dev"
    fi
else
    say "no root disk: $root_dev did not appear"
fi

unmount_root() {
    [ -n "$root" ] || return 0
    umount /mnt/proc /mnt/sys /mnt/dev 2>/dev/null
    # A process the command left behind can keep the root busy: then at
    # least make it read-only, which flushes the journal.
    umount /mnt || mount -o remount,ro /mnt
    sync
}

in_root() {
    if [ -n "$root" ]; then
        env -i HOME=/root TERM=linux PATH=/bin:/sbin:/usr/bin:/usr/sbin \
            chroot /mnt "$@"
    else
        "$@"
    fi
}

if [ -n "$cmd64" ]; then
    if ! cmd=$(echo "$cmd64" | base64 -d) ; then
        say "heron.cmd is not valid base64"
        power_off 126
    fi
    if [ -z "$root" ]; then
        # The command expects the root file system; report, don't guess.
        power_off 125
    fi
    say ready
    say "running: $cmd"
    in_root /bin/sh -c "$cmd"
    status=$?
    say "exit status $status"
    unmount_root
    power_off "$status"
fi

say ready
# setsid + cttyhack: a session of its own on the real console tty, so the
# shell gets job control and ^C.
in_root setsid cttyhack /bin/sh -l
unmount_root
power_off 0
