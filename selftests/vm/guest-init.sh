#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# PID 1 of a run-vm.sh guest, started by the initramfs after switch_root into
# the host's root (9p, read-only) under a tmpfs overlay.  Plain sh because it
# runs before anything is set up, with the host's /bin/sh.
#
# Kernel command line:
#   sectun.run=DIR   host directory written by run-vm.sh; DIR/cmd is a bash
#                    script that cds and execs the command
#   sectun.shell=1   interactive shell on the console instead of DIR/cmd
#
# Serial ports: ttyS0 kernel console, ttyS1 the command's stdout+stderr,
# ttyS2 one line "SECTUN-EXIT <status>" once ttyS1 is drained.  The status
# lives on its own port so that nothing the command prints can fake it and the
# host can tell "command finished" from "guest died".

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root
export LANG=C.UTF-8
export TERM="${TERM:-vt100}"

run= shell=0
for w in $(cat /proc/cmdline); do
	case "$w" in
	sectun.run=*) run=${w#*=} ;;
	sectun.shell=1) shell=1 ;;
	esac
done

# Quitting PID 1 panics the kernel (panic=-1 + -no-reboot: QEMU exits); a
# reboot also makes QEMU exit and works on kernels without ACPI power-off.
halt_guest() {
	busybox reboot -f 2>/dev/null
	echo b >/proc/sysrq-trigger
	sleep 10
	exit 1
}

mkdir -p /dev/pts /dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts 2>/dev/null
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /dev/shm 2>/dev/null
mount -t debugfs none /sys/kernel/debug 2>/dev/null
mount -t tracefs none /sys/kernel/tracing 2>/dev/null
mount -t cgroup2 none /sys/fs/cgroup 2>/dev/null
mount -t bpf none /sys/fs/bpf 2>/dev/null
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
hostname sectun-vm 2>/dev/null
ip link set lo up 2>/dev/null
mkdir -p /run/netns /var/tmp 2>/dev/null
# Raw ports: no \n -> \r\n translation of the command's output.
stty -F /dev/ttyS1 raw -echo 2>/dev/null
stty -F /dev/ttyS2 raw -echo 2>/dev/null

if [ "$shell" = 1 ]; then
	cd "$(cat "$run/cwd" 2>/dev/null || echo /)" 2>/dev/null || cd /
	echo "sectun-vm: interactive shell; 'exit' powers the guest off"
	# -c: make the console our controlling tty so that ^C and job control
	# work.
	setsid -c bash -l <>/dev/ttyS0 >&0 2>&0
	halt_guest
fi

if [ -z "$run" ] || [ ! -r "$run/cmd" ]; then
	echo "guest-init: no command (sectun.run=$run)" >/dev/ttyS0
	halt_guest
fi

bash "$run/cmd" </dev/null >/dev/ttyS1 2>&1
rc=$?

# Leftover background processes could still hold ttyS1 open; once they are
# gone our own open+close is the last one, and a tty's last close waits
# until its output has left the UART.
kill -TERM -1 2>/dev/null
sleep 0.2
kill -KILL -1 2>/dev/null
: >/dev/ttyS1
echo "SECTUN-EXIT $rc" >/dev/ttyS2
halt_guest
