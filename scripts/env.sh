# SPDX-License-Identifier: GPL-2.0
# Sourced by the other scripts: paths and the toolchain of the test kernel.
# The rustup toolchain that may come first on PATH must not be used: the
# 6.1 kernel and its Rust crates are built with Debian's rustc 1.63.

ZRS_TOP=${ZRS_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
ZRS_BUILD=${ZRS_BUILD:-$ZRS_TOP/build}
ZRS_SRC=$ZRS_BUILD/linux
ZRS_TARBALL=${ZRS_TARBALL:-/usr/src/linux-source-6.1.tar.xz}

case "${DEBUG:-0}" in
0|"") ZRS_VARIANT=default ;;
1) ZRS_VARIANT=debug ;;
*) echo "error: DEBUG must be 0 or 1 (got '$DEBUG')" >&2; exit 2 ;;
esac
ZRS_KOUT=$ZRS_BUILD/kernel-$ZRS_VARIANT
ZRS_GUEST=$ZRS_BUILD/guest-$ZRS_VARIANT

export PATH=/usr/lib/llvm-14/bin:/usr/bin:/bin:/usr/sbin:/sbin:$PATH
# Host-side Rust (tools/zswapstat, rustfmt): Debian's cargo and rustfmt,
# which match its rustc 1.63, with a PATH that has no other toolchain.
ZRS_CARGO=(env PATH=/usr/bin:/bin RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc
	RUSTUP_TOOLCHAIN= /usr/bin/cargo)
ZRS_RUSTFMT=/usr/bin/rustfmt
ZRS_KMAKE=(make -C "$ZRS_SRC" O="$ZRS_KOUT" LLVM=1 RUSTC=/usr/bin/rustc
	HOSTRUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTFMT=/bin/false
	BINDGEN=/usr/bin/bindgen)
ZRS_JOBS=$(( $(nproc) + 1 ))
