#!/bin/sh
# heron's full guest, first boot (run by scripts/guest/full-image.sh inside
# heron, as root in the new root file system, under the busybox guest's
# /init): finishes what unpacking on the host left to dpkg — every
# package's preinst, then `dpkg --configure -a` (postinsts, triggers, the
# initramfs) — and sets up logins, networking and the boot loader's
# configuration. Ends with the line "heron-setup: done"; any failure stops
# it with a non-zero status.
set -eu

export DEBIAN_FRONTEND=noninteractive DEBCONF_NONINTERACTIVE_SEEN=true
export LC_ALL=C.UTF-8 HOME=/root
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
SETUP=/heron-setup
say() { echo "heron-setup: $*"; }

# No service starts while packages configure (invoke-rc.d asks this; 101
# is "action forbidden").
printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
chmod 755 /usr/sbin/policy-rc.d

# preinst install, in the order apt listed the packages (dependencies
# first); base-passwd's first: it creates /etc/passwd and /etc/group, which
# the others' scripts look users up in.
run_preinst() {
    info=$1
    pkg=${info%%:*}
    script=/var/lib/dpkg/info/$info.preinst
    [ -x "$script" ] || return 0
    DPKG_MAINTSCRIPT_PACKAGE=$pkg DPKG_MAINTSCRIPT_NAME=preinst \
        DPKG_MAINTSCRIPT_ARCH=riscv64 DPKG_ROOT= "$script" install ||
        { say "preinst of $info failed"; exit 1; }
}
say "preinst scripts"
run_preinst base-passwd
while read -r info; do
    [ "$info" = base-passwd ] || run_preinst "$info"
done <"$SETUP/packages"

say "dpkg --configure -a ($(wc -l <"$SETUP/packages") packages)"
dpkg --configure -a --force-confdef --force-confold
pending=$(dpkg --audit || true)
if [ -n "$pending" ]; then
    echo "$pending"
    say "dpkg left packages unconfigured"
    exit 1
fi
ldconfig

say "users"
id heron >/dev/null 2>&1 || useradd -m -s /bin/bash -c "heron guest user" heron
printf 'root:heron\nheron:heron\n' | chpasswd
for home in /root /home/heron; do
    owner=$(stat -c %U "$home")
    install -d -m 700 -o "$owner" -g "$owner" "$home/.ssh"
    install -m 600 -o "$owner" -g "$owner" "$SETUP/authorized_keys" "$home/.ssh/authorized_keys"
done

say "services"
systemctl enable systemd-networkd.service heron-cmd.service
# Nothing here waits for the network to be "online" (a DHCP lease is
# enough), and wait-online would hold boot up when no --net is given.
systemctl mask systemd-networkd-wait-online.service
systemctl set-default multi-user.target
# No apt list updates or upgrades in the background: the image is a
# template booted with --snapshot (a CI run's guest fetching Debian's lists
# on its own would be wasted traffic, and nothing it did would be kept).
systemctl disable apt-daily.timer apt-daily-upgrade.timer
rm -f /etc/machine-id /var/lib/dbus/machine-id
# An empty /etc/machine-id: systemd makes one up at each boot (the image
# is a template, booted with --snapshot), and first-boot units stay quiet.
: >/etc/machine-id

say "boot loader configuration"
kver=$(cd /boot && ls vmlinux-* | sed -n '1s/^vmlinux-//p')
[ -n "$kver" ] && [ -f "/boot/initrd.img-$kver" ] || { say "no kernel or initramfs in /boot"; exit 1; }
mkdir -p /boot/extlinux
cat >/boot/extlinux/extlinux.conf <<EOF
# U-Boot's distro boot reads this (heron or QEMU: OpenSBI + u-boot-qemu's
# qemu-riscv64_smode, with this disk as virtio disk 0).
default debian
timeout 1
label debian
    menu label Debian GNU/Linux (heron guest, $kver)
    kernel /boot/vmlinux-$kver
    initrd /boot/initrd.img-$kver
    append root=LABEL=heron-root ro console=ttyS0
EOF

apt-get clean
rm -f /usr/sbin/policy-rc.d
rm -rf "$SETUP"
sync
say done
