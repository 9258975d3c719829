#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages zswap-rs needs to build its test kernel, the
# module and the guest, and run the tests.  Idempotent: when everything is
# present it prints nothing and exits 0.  Needs root (or sudo) for apt-get
# only when something is missing.  "deps.sh bench" adds what make bench
# needs (matplotlib for the plots).
set -euo pipefail

# package:file-that-proves-it-is-installed
PKGS=(
	linux-source-6.1:/usr/src/linux-source-6.1.tar.xz
	rustc:/usr/bin/rustc
	rust-src:/usr/lib/rustlib/src/rust/library/core/src/lib.rs
	cargo:/usr/bin/cargo
	rustfmt:/usr/bin/rustfmt
	bindgen:/usr/bin/bindgen
	clang:/usr/bin/clang-14
	lld:/usr/bin/ld.lld-14
	llvm:/usr/lib/llvm-14/bin/llvm-objcopy
	libclang-dev:/usr/lib/llvm-14/lib/libclang.so
	flex:/usr/bin/flex
	bison:/usr/bin/bison
	bc:/usr/bin/bc
	libelf-dev:/usr/include/libelf.h
	libssl-dev:/usr/include/openssl/ssl.h
	cpio:/usr/bin/cpio
	kmod:/usr/bin/kmod
	busybox-static:/bin/busybox
	qemu-system-x86:/usr/bin/qemu-system-x86_64
	xz-utils:/usr/bin/xz
	make:/usr/bin/make
	gcc:/usr/bin/gcc
	libc6-dev:/usr/lib/x86_64-linux-gnu/libc.a
	python3:/usr/bin/python3
	rsync:/usr/bin/rsync
	patch:/usr/bin/patch
	gzip:/bin/gzip
	coreutils:/usr/bin/timeout
	python3-sphinx:/usr/bin/sphinx-build
	stress-ng:/usr/bin/stress-ng
	file:/usr/bin/file
	git:/usr/bin/git
)
# make bench only (deps.sh bench): the plots.
[ "${1:-}" = bench ] && PKGS+=(python3-matplotlib:/usr/lib/python3/dist-packages/matplotlib/__init__.py)

missing=()
for p in "${PKGS[@]}"; do
	[ -e "${p#*:}" ] || missing+=("${p%%:*}")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing missing Debian packages: ${missing[*]}"
SUDO=
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null; then
		SUDO=sudo
	else
		echo "deps: error: need root to install: ${missing[*]}" >&2
		echo "deps: run as root: apt-get install ${missing[*]}" >&2
		exit 1
	fi
fi
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp /tmp/zswap-rs-apt.XXXXXX)
if ! { $SUDO apt-get update -qq && \
       $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
	tail -n 30 "$log" >&2
	echo "deps: error: apt-get failed installing: ${missing[*]} (full log: $log)" >&2
	exit 1
fi
still=()
for p in "${PKGS[@]}"; do
	[ -e "${p#*:}" ] || still+=("${p%%:*} (${p#*:})")
done
if [ ${#still[@]} -ne 0 ]; then
	echo "deps: error: installed, but these files are still missing: ${still[*]}" >&2
	exit 1
fi
rm -f "$log"
echo "deps: ok"
