#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the zswap-rs test kernel: Debian's linux-source-6.1, our patch series
# (scripts/patches/*.patch, in order), tinyconfig + scripts/config/base.config
# (+ debug.config when DEBUG=1), Debian's Rust toolchain.
#
# Source tree:  build/linux            (re-extracted when the patches change)
# Build tree:   build/kernel-default   or build/kernel-debug
# A stamp of the inputs makes a second run a no-op.
set -euo pipefail
. "$(dirname "$0")/env.sh"

[ -f "$ZRS_TARBALL" ] || { echo "error: $ZRS_TARBALL missing; run scripts/deps.sh" >&2; exit 1; }
mkdir -p "$ZRS_BUILD"

patches=("$ZRS_TOP"/scripts/patches/*.patch)
src_hash=$( { ls -l --time-style=+%s "$ZRS_TARBALL" | awk '{print $5, $6}';
	      cat "${patches[@]}"; } | sha256sum | cut -c1-16)

# 1. Source tree with the patch series applied.
if [ "$(cat "$ZRS_SRC/.zswap-rs-src" 2>/dev/null)" != "$src_hash" ]; then
	echo "  KSRC    extracting $(basename "$ZRS_TARBALL") into $ZRS_SRC"
	rm -rf "$ZRS_SRC" "$ZRS_BUILD/linux-source-6.1"
	tar -C "$ZRS_BUILD" -xf "$ZRS_TARBALL"
	mv "$ZRS_BUILD/linux-source-6.1" "$ZRS_SRC"
	for p in "${patches[@]}"; do
		echo "  PATCH   $(basename "$p")"
		if ! out=$(patch -d "$ZRS_SRC" -p1 -N --no-backup-if-mismatch -r - < "$p" 2>&1); then
			echo "$out" >&2
			echo "error: patch $(basename "$p") does not apply to $(make -s -C "$ZRS_SRC" kernelversion 2>/dev/null || echo this kernel source)." >&2
			echo "error: refresh it against $ZRS_TARBALL (see Documentation/testing.rst)." >&2
			rm -rf "$ZRS_SRC"
			exit 1
		fi
	done
	echo "$src_hash" > "$ZRS_SRC/.zswap-rs-src"
fi

frags=("$ZRS_TOP/scripts/config/base.config")
[ "$ZRS_VARIANT" = debug ] && frags+=("$ZRS_TOP/scripts/config/debug.config")
build_hash=$( { echo "$src_hash"; cat "${frags[@]}" "$0" "$ZRS_TOP/scripts/env.sh"; } | sha256sum | cut -c1-16)
if [ "$(cat "$ZRS_KOUT/.zswap-rs-build" 2>/dev/null)" = "$build_hash" ] &&
   [ -f "$ZRS_KOUT/arch/x86/boot/bzImage" ] && [ -f "$ZRS_KOUT/Module.symvers" ]; then
	exit 0
fi

# 2. Configuration.
mkdir -p "$ZRS_KOUT"
log=$ZRS_KOUT/build.log
: > "$log"
echo "  KCONFIG $ZRS_VARIANT (tinyconfig + ${frags[*]##*/})"
if ! "${ZRS_KMAKE[@]}" rustavailable >>"$log" 2>&1; then
	tail -n 20 "$log" >&2
	echo "error: the kernel does not accept the Rust toolchain (see $log); run scripts/deps.sh" >&2
	exit 1
fi
"${ZRS_KMAKE[@]}" tinyconfig >>"$log" 2>&1
"$ZRS_SRC/scripts/kconfig/merge_config.sh" -m -O "$ZRS_KOUT" "$ZRS_KOUT/.config" "${frags[@]}" >>"$log" 2>&1
"${ZRS_KMAKE[@]}" olddefconfig >>"$log" 2>&1
bad=0
for f in "${frags[@]}"; do
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*) opt=${line%%=*}; want=$line ;;
		"# CONFIG_"*" is not set") opt=${line#\# }; opt=${opt%% *}; want=$line ;;
		*) continue ;;
		esac
		if ! grep -qxF "$want" "$ZRS_KOUT/.config"; then
			have=$(grep -E "^(# )?$opt[= ]" "$ZRS_KOUT/.config" || echo "$opt undefined")
			echo "error: ${f##*/}: wanted '$want', Kconfig gave '$have'" >&2
			bad=1
		fi
	done < "$f"
done
[ $bad -eq 0 ] || { echo "error: kernel configuration incomplete (log: $log)" >&2; exit 1; }

# 3. Build (vmlinux, bzImage, Module.symvers for out-of-tree modules).
echo "  KBUILD  $ZRS_KOUT (log: $log)"
start=$(date +%s)
if ! "${ZRS_KMAKE[@]}" -j"$ZRS_JOBS" all >>"$log" 2>&1; then
	grep -E 'error|Error' "$log" | tail -n 20 >&2
	echo "error: kernel build failed (full log: $log)" >&2
	exit 1
fi
echo "  KBUILD  done in $(( $(date +%s) - start ))s"
echo "$build_hash" > "$ZRS_KOUT/.zswap-rs-build"
