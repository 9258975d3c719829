# SPDX-License-Identifier: GPL-2.0
#
# zswap-rs top-level Makefile.  Targets:
#   make            build the test kernel (if needed) and zswap_rs.ko
#   make run        boot the test kernel in QEMU, load zswap_rs, swap on a
#                   virtio disk, run the demo workload, print the pool stats
#   make run ZRS_DISKLESS=1  same, swapped on the module's /dev/zswap_rs0
#                   only: nothing may be written to a disk (checked)
#   make run WORKLOAD=path   same, but run your own static binary or script
#   make shell      interactive guest with zswap_rs loaded and swap on
#   make check      all KUnit suites and in-guest tests; "N passed, N failed"
#   make check-reverts  every race test with its fix reverted (and with
#                   it): each must fail without its fix; "reverts: K of K
#                   caught" (REVERTS="1-free-slot ..." for a subset)
#   make check-all  make check on the default kernel, check-reverts, then
#                   make check on the debug kernel (KASAN, lockdep, ...);
#                   what CI runs
#   make bench      zswap_rs against the C zswap (zbud, zsmalloc, z3fold)
#                   in alternating boots: ratios, latencies, density,
#                   scaling, plots (build/bench); REPS=N (default 5)
#   make soak       the debug kernel's make check with the soak bound by
#                   work: storms until the module stored 10^6 pages and
#                   migrated 10^4 pool pages (SOAK_LIMIT=seconds, default
#                   4 hours, fails loudly); not part of check-all
#   make calibrate  host-native lzo/lz4/memcpy costs against the guest's
#                   under each QEMU -cpu model (build/calibrate;
#                   Documentation/performance.rst, "Calibration")
#   make htmldocs   render Documentation/ with Sphinx (build/htmldocs)
#   make kunit      the KUnit suites only
#   make fmt        rustfmt the Rust sources
# Variables: DEBUG=1 (debug kernel: KASAN, lockdep, DEBUG_VM, fault
# injection; own build directory), TIMEOUT=seconds (per guest boot),
# TESTS="name ..." (subset of in-guest tests), KVM=auto|0|1, CPUS=N (vCPUs;
# default 4 for check, 2 for run and shell), ZRS_CPU=model (QEMU -cpu
# under TCG; default max,la57=off).

ifneq ($(KERNELRELEASE),)
include $(src)/Kbuild
else

SHELL := /bin/bash
TOP := $(CURDIR)
export DEBUG ?= 0
export TIMEOUT ?=
export WORKLOAD ?=
export TESTS ?=
export KVM ?= auto
export CPUS ?=
export REPS ?=
export SOAK ?=
export REVERTS ?=
export RACE_BOUND ?=
export ZRS_CPU ?=
export ZRS_DISKLESS ?=

ifeq ($(filter $(DEBUG),0 1),)
$(error DEBUG must be 0 or 1, not '$(DEBUG)')
endif
ifeq ($(filter $(KVM),auto 0 1),)
$(error KVM must be auto, 0 or 1, not '$(KVM)')
endif

.PHONY: all deps kernel module guest run shell check check-reverts check-all soak bench calibrate kunit htmldocs fmt clean distclean

all: module

deps:
	@$(TOP)/scripts/deps.sh

kernel: deps
	@$(TOP)/scripts/build-kernel.sh

module: kernel
	@$(TOP)/scripts/build-module.sh

guest: module
	@$(TOP)/scripts/build-guest.sh

run: guest
ifeq ($(WORKLOAD),)
	@$(TOP)/scripts/run-guest.sh run
else
	@$(TOP)/scripts/run-guest.sh workload "$(abspath $(WORKLOAD))"
endif

shell: guest
	@$(TOP)/scripts/run-guest.sh shell

check: guest
	@$(TOP)/scripts/check.sh

check-reverts: guest
	@$(TOP)/scripts/check-reverts.sh

# Both kernels, one after the other; fails if either fails.
# Phase times are printed at the end.
check-all:
	@MAKE="$(MAKE)" $(TOP)/scripts/check-all.sh

# The debug kernel with the soak bound by work: storms until the module
# stored 10^6 pages and migrated 10^4 pool pages (a slow host takes longer;
# a 4-hour limit, SOAK_LIMIT=seconds, fails loudly; the guest's timeout
# grows by it).  Not in check-all, which must fit CI's 90
# minutes on a slow host.
soak: deps
	@$(MAKE) --no-print-directory check DEBUG=1 SOAK_STORES=1000000 SOAK_MIGRATIONS=10000

bench: guest
	@$(TOP)/scripts/deps.sh bench
	@$(TOP)/scripts/bench.sh

calibrate: guest
	@$(TOP)/scripts/calibrate.sh

htmldocs: deps
	@sphinx-build -q -W -b html $(TOP)/Documentation $(TOP)/build/htmldocs && \
		echo "  DOCS    $(TOP)/build/htmldocs/index.html"

kunit: guest
	@TESTS=kunit $(TOP)/scripts/check.sh

fmt:
	@/usr/bin/rustfmt --config-path $(TOP)/.rustfmt.toml $(TOP)/rust/zswap_rs_main.rs $(TOP)/rust/zswap_rs_kunit.rs \
		$(TOP)/tools/zswapstat/src/main.rs

clean:
	@rm -rf $(TOP)/build/module-* $(TOP)/build/guest-*
	@find $(TOP)/rust \( -name '*.o' -o -name '.*.cmd' -o -name '*.d' -o -name '*_generated.rs' \) -delete

distclean:
	rm -rf $(TOP)/build

endif
