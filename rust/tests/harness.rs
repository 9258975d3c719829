// SPDX-License-Identifier: GPL-2.0

//! Suite `zswap_rs_harness`: the harness self-test.  Loaded normally it
//! checks that expectations report (by checking a true one); loaded with
//! `selftest_fail=1` it makes one deliberately broken expectation, which
//! `make check`'s self-test requires to be reported as a failure.

use crate::sys::kunit::selftest_fail_requested;
use crate::{kunit_assert, kunit_assert_eq, kunit_suite};

fn deliberate_failure_when_asked() {
    let four = 2 + 2;
    kunit_assert!(four == 4);
    if selftest_fail_requested() {
        kunit_assert_eq!(four, 5);
    }
}

kunit_suite!(
    HARNESS_SUITE,
    "zswap_rs_harness",
    [deliberate_failure_when_asked]
);
