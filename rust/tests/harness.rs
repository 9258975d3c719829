// SPDX-License-Identifier: GPL-2.0

//! Suite `zswap_rs_harness`: the harness self-test.  Loaded normally it
//! checks a fact of the module (an index value entry round-trips); loaded
//! with `selftest_fail=1` it also makes a deliberately broken expectation
//! about the same value, which `make check`'s self-test requires to be
//! reported as a failure; loaded with `selftest_uaf=1` it reads a freed
//! page from Rust, which the debug guest's checkers must catch (the run
//! must die with a page fault in `use_after_free_when_asked`); loaded with
//! `selftest_slab=1` it writes to a freed slab object from Rust, which
//! slub_debug's poisoning must report (`Poison overwritten`).

use crate::index::Entry;
use crate::sys::kunit::{
    deliberate_slab_write_after_free, deliberate_use_after_free, selftest_fail_requested,
    selftest_slab_requested, selftest_uaf_requested,
};
use crate::{kunit_assert, kunit_assert_eq, kunit_suite};

fn deliberate_failure_when_asked() {
    let v = Entry::Filled(0x5a5a).encode();
    kunit_assert!(v & 1 == 1);
    kunit_assert_eq!(Entry::decode(v).encode(), v);
    if selftest_fail_requested() {
        kunit_assert_eq!(Entry::decode(v).encode(), v + 2);
    }
}

fn use_after_free_when_asked() {
    if selftest_uaf_requested() {
        let v = deliberate_use_after_free();
        // Only reached if no checker caught the read: a failure either way.
        kunit_assert_eq!(v, None);
    }
}

fn slab_write_after_free_when_asked() {
    if selftest_slab_requested() {
        // The boot fails by slub_debug's report, not by this case.
        kunit_assert!(deliberate_slab_write_after_free());
    }
}

kunit_suite!(
    HARNESS_SUITE,
    "zswap_rs_harness",
    [
        deliberate_failure_when_asked,
        use_after_free_when_asked,
        slab_write_after_free_when_asked
    ]
);
