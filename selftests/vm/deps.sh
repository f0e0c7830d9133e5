#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Install the Debian packages that building sectun and running its selftests
# under QEMU need.  Cheap when everything is present (one dpkg-query call), so
# `make check` and CI can run it unconditionally: a fresh machine gets what it
# needs, a prepared one loses nothing.
#
# Usage: deps.sh [--check]
#   --check   only report missing packages; exit 1 if any are missing

set -euo pipefail

PACKAGES=(
	# running guests and building their initramfs
	qemu-system-x86 busybox-static kmod cpio xz-utils util-linux
	# what the test scripts drive inside the guest
	iproute2 iperf3 tcpdump tshark nftables conntrack ethtool
	wireguard-tools iputils-ping python3 python3-yaml python3-jsonschema
	# building the module, the tool and the debug kernel
	make gcc pkg-config bc flex bison libelf-dev libssl-dev libmnl-dev
	sparse linux-source-6.12
	# guest kernels plus headers to build against (meta packages follow
	# Debian's ABI bumps, so no version is named here)
	linux-image-amd64 linux-headers-amd64
	linux-image-6.12-amd64 linux-headers-6.12-amd64
)

check_only=0
case "${1:-}" in
--check) check_only=1 ;;
"") ;;
-h | --help)
	sed -n '4,11p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
	;;
*)
	echo "deps.sh: unknown argument '$1'" >&2
	exit 2
	;;
esac

# dpkg-query prints nothing for a package it has never heard of, so compare
# against the full list instead of trusting its output alone.
declare -A installed=()
while IFS=' ' read -r pkg status; do
	[[ $status == "install ok installed" ]] && installed[$pkg]=1
done < <(dpkg-query -W -f='${Package} ${Status}\n' "${PACKAGES[@]}" 2>/dev/null || true)

missing=()
for p in "${PACKAGES[@]}"; do
	[[ -n ${installed[$p]:-} ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
	exit 0
fi

echo "deps.sh: missing packages: ${missing[*]}"
if ((check_only)); then
	exit 1
fi
if ((EUID != 0)); then
	echo "deps.sh: must run as root to install them (try: sudo $0)" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" |
	debconf-set-selections 2>/dev/null || true

apt_opts=(-y -q --no-install-recommends -o Dpkg::Options::=--force-confdef
	-o Dpkg::Options::=--force-confold)
# Package lists may be absent or stale on a fresh machine; refresh them once,
# only now that something actually has to be installed.
timeout 600 apt-get update -q </dev/null
timeout 1800 apt-get install "${apt_opts[@]}" "${missing[@]}" </dev/null
echo "deps.sh: installed ${#missing[@]} package(s)"
