#!/bin/sh
# /init of the nested-test guest: scripts/nested/run.sh appends it, with the
# files and the command to run, to the busybox initramfs of
# scripts/guest-image.sh (whose own /init it replaces). Runs under busybox
# sh as PID 1, with no root disk: everything is in the initramfs.
#
#   /nested/modules   module names, one a line, loaded in that order from
#                     /nested/NAME.ko (run.sh --kvm: kvm)
#   /nested/cmd       the shell command, run with /bin/sh from /
#
# Marker lines (whole lines on the console), as scripts/guest/init.sh:
#   heron-guest: ready               modules loaded, the command starts
#   heron-guest: running: CMD        (the command's first line)
#   heron-guest: exit status N       what it returned
# and the machine powers off with that status (see power_off).

PATH=/bin:/sbin
export PATH

say() { echo "heron-guest: $*"; }

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

# The console's output is written out by the UART driver after write()
# returns; the test finisher stops QEMU at once, so without a wait the last
# lines (the exit status among them) can be lost. Wait until the UART's
# transmit count (/proc/tty/driver/serial, "tx:N") stops moving: 50 ms
# without a byte, at most 2 s.
drain_console() {
    prev=
    i=0
    while [ "$i" -lt 40 ]; do
        cur=$(sed -n 's/.* tx:\([0-9]*\).*/\1/p' /proc/tty/driver/serial 2>/dev/null | head -n 1)
        if [ -z "$cur" ]; then
            sleep 1
            return
        fi
        [ "$cur" = "$prev" ] && return
        prev=$cur
        usleep 50000
        i=$((i + 1))
    done
}

# Status 0: an ordinary poweroff (SBI system reset), QEMU exits 0. Any other
# status goes to the SiFive test finisher at 0x10_0000 as
# 0x3333 | status << 16, and QEMU's virt machine exits with that code.
power_off() {
    status=$1
    sync
    drain_console
    if [ "$status" -ne 0 ]; then
        devmem 0x100000 32 $((0x3333 | ((status & 0xffff) << 16)))
        say "the test finisher write did not stop the machine; powering off"
    fi
    poweroff -f
    while :; do sleep 3600; done
}

if [ -f /nested/modules ]; then
    while read -r module; do
        [ -n "$module" ] || continue
        if insmod "/nested/$module.ko"; then
            say "insmod $module: ok"
        else
            say "insmod $module failed"
        fi
    done </nested/modules
fi

if [ ! -f /nested/cmd ]; then
    say "no /nested/cmd"
    power_off 126
fi

HOME=/root
TERM=linux
export HOME TERM
cd /
say ready
say "running: $(head -n 1 /nested/cmd)"
/bin/sh /nested/cmd
status=$?
say "exit status $status"
power_off "$status"
