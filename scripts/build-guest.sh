#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the guest initramfs: static busybox, the modules, the static test
# programs from tools/testing/zswap_rs, and /init.
# Output: build/guest-<variant>/initramfs.cpio.gz
set -euo pipefail
. "$(dirname "$0")/env.sh"

mod=$ZRS_BUILD/module-$ZRS_VARIANT
t=$ZRS_TOP/tools/testing/zswap_rs
out=$ZRS_GUEST
root=$out/root
mkdir -p "$out/bin"

# Static test programs: tools/testing/zswap_rs/Makefile (TEST_GEN_PROGS,
# each linked with the shared zrs_lib.c).
make -s -C "$t" OUTPUT="$out/bin" || {
	echo "error: cannot build the test programs in $t (static glibc: libc6-dev)" >&2; exit 1; }

# make bench's device check (tools/testing/bench/zrs_devcheck.c), static.
dc=$ZRS_TOP/tools/testing/bench/zrs_devcheck.c
if [ ! -x "$out/bin/zrs_devcheck" ] || [ "$dc" -nt "$out/bin/zrs_devcheck" ]; then
	gcc -static -O2 -Wall -Wextra -Werror -o "$out/bin/zrs_devcheck" "$dc" || {
		echo "error: cannot build $dc (static glibc: libc6-dev)" >&2; exit 1; }
fi

# zswapstat (tools/zswapstat), static, with Debian's cargo (scripts/deps.sh).
zs=$ZRS_TOP/tools/zswapstat
zsbin=$zs/target/release/zswapstat
if [ ! -x "$zsbin" ] || [ -n "$(find "$zs/src" "$zs/Cargo.toml" -newer "$zsbin" 2>/dev/null)" ]; then
	[ -x /usr/bin/cargo ] || { echo "error: /usr/bin/cargo missing (Debian's cargo, needed for tools/zswapstat): run scripts/deps.sh" >&2; exit 1; }
	if ! (cd "$zs" && RUSTFLAGS="-C target-feature=+crt-static" "${ZRS_CARGO[@]}" build --release --offline --quiet); then
		echo "error: cannot build tools/zswapstat" >&2; exit 1
	fi
fi
# The guest has no libraries: a dynamic zswapstat (built by hand without
# crt-static, say) would only fail in there.
if ! ldd "$zsbin" 2>&1 | grep -q -e 'statically linked' -e 'not a dynamic executable'; then
	echo "error: $zsbin is dynamically linked; remove tools/zswapstat/target and build again" >&2
	exit 1
fi

rm -rf "$root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,zrs,etc}
cp /bin/busybox "$root/bin/busybox"
for a in $("$root/bin/busybox" --list-full); do
	[ -e "$root/$a" ] || ln -s /bin/busybox "$root/$a"
done
cp "$mod/zswap_rs.ko" "$root/zrs/"
[ -f "$mod/zswap_rs_kunit.ko" ] && cp "$mod/zswap_rs_kunit.ko" "$root/zrs/"
[ -f "$mod/zrs_cbench.ko" ] && cp "$mod/zrs_cbench.ko" "$root/zrs/"
cp "$out"/bin/* "$root/zrs/"
cp "$zsbin" "$root/zrs/zswapstat"
# Debian's stress-ng (a peer's test tool; dynamically linked): the binary,
# the libraries ldd lists and the loader, at their own paths.
if [ -x /usr/bin/stress-ng ]; then
	for f in /usr/bin/stress-ng $(ldd /usr/bin/stress-ng | grep -o '/[^ ]*'); do
		mkdir -p "$root$(dirname "$f")"
		cp -L "$f" "$root$f"
	done
fi
cp "$t/init" "$root/init"
cp "$t"/*.sh "$ZRS_TOP/tools/testing/bench/bench.sh" "$ZRS_TOP/scripts/scan-log.sh" "$root/zrs/"
chmod +x "$root/init"
echo 'root:x:0:0:root:/:/bin/sh' > "$root/etc/passwd"
echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >> "$root/etc/passwd"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$out/initramfs.cpio.gz.tmp"
mv "$out/initramfs.cpio.gz.tmp" "$out/initramfs.cpio.gz"
