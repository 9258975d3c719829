// SPDX-License-Identifier: GPL-2.0

//! KUnit from Rust on 6.1 (which has no Rust KUnit support).
//!
//! A suite is declared with [`kunit_suite!`](crate::kunit_suite): it builds
//! the C `struct kunit_case` array and `struct kunit_suite` as statics and
//! puts a pointer to the suite into the module's `.kunit_test_suites`
//! section, where the module loader finds it (KUnit then runs the suite
//! when the module loads, before its init function).
//!
//! Test cases are plain `fn()`s.  Checks are named as upstream's (so a
//! later port to `#[kunit_tests]` is mechanical):
//! [`kunit_assert!`](crate::kunit_assert) and
//! [`kunit_assert_eq!`](crate::kunit_assert_eq) report the file, line,
//! expression and values through `__kunit_fail_current_test()` (it finds
//! the running test through `current`) and return from the case;
//! [`kunit_expect!`](crate::kunit_expect) and
//! [`kunit_expect_eq!`](crate::kunit_expect_eq) report and go on (inside
//! closures, or before cleanup); [`kunwrap!`](crate::kunwrap) unwraps an
//! `Option`/`Result` or reports and returns:
//!
//! ```ignore
//! fn first_buddy() {
//!     let pool = kunwrap!(Pool::new(Layout::Zbud, 16, None));
//!     let h = kunwrap!(pool.alloc(1, 0, &[1; 100]));
//!     kunit_assert_eq!(h.slot, 0);
//! }
//! kunit_suite!(ZBUD, "zswap_rs_zbud", [first_buddy]);
//! ```
//!
//! Failures never unwind or abort the kthread (KUnit's assertions would
//! `kthread_exit` through Rust frames); a panic is a kernel BUG, which the
//! harness reports as a crashed suite and a kernel splat.

use core::cell::UnsafeCell;
use core::ffi::c_char;
use core::fmt;

use crate::sys::bindings as ffi;

/// A static that C mutates (KUnit writes `status`, `log`, `debugfs`).
#[repr(transparent)]
pub(crate) struct KunitCell<T>(pub(crate) UnsafeCell<T>);

// SAFETY: Only KUnit touches the contents, from its own (serialised)
// suite-running code; Rust never reads them after construction.
unsafe impl<T> Sync for KunitCell<T> {}

/// The C suite name: a NUL-padded `char[256]`.
pub(crate) const fn suite_name(s: &[u8]) -> [c_char; 256] {
    let mut out = [0 as c_char; 256];
    let mut i = 0;
    while i < s.len() && i < 255 {
        out[i] = s[i] as c_char;
        i += 1;
    }
    out
}

/// A `struct kunit_case` for `run` named `name` (NUL-terminated).
pub(crate) const fn case(
    name: &'static [u8],
    run: unsafe extern "C" fn(*mut ffi::kunit),
) -> ffi::kunit_case {
    ffi::kunit_case {
        run_case: Some(run),
        name: name.as_ptr() as *const c_char,
        generate_params: None,
        status: 0,
        log: core::ptr::null_mut(),
    }
}

/// The terminating empty case.
pub(crate) const CASE_END: ffi::kunit_case = ffi::kunit_case {
    run_case: None,
    name: core::ptr::null(),
    generate_params: None,
    status: 0,
    log: core::ptr::null_mut(),
};

/// A `struct kunit_suite` named `name` running `cases`.
pub(crate) const fn suite(name: &[u8], cases: *mut ffi::kunit_case) -> ffi::kunit_suite {
    ffi::kunit_suite {
        name: suite_name(name),
        suite_init: None,
        suite_exit: None,
        init: None,
        exit: None,
        test_cases: cases,
        status_comment: [0; 256],
        debugfs: core::ptr::null_mut(),
        log: core::ptr::null_mut(),
        suite_init_err: 0,
    }
}

/// True if `zswap_rs_kunit.ko` was loaded with `selftest_fail=1` (the
/// harness self-test asks for one deliberately broken expectation).
#[cfg(zrs_kunit)]
pub(crate) fn selftest_fail_requested() -> bool {
    // SAFETY: Reads a module parameter; no preconditions.
    unsafe { ffi::zswap_rs_kunit_selftest_fail() }
}

/// True if `zswap_rs_kunit.ko` was loaded with `selftest_uaf=1` (the
/// harness self-test of the memory checkers).
#[cfg(zrs_kunit)]
pub(crate) fn selftest_uaf_requested() -> bool {
    // SAFETY: Reads a module parameter; no preconditions.
    unsafe { ffi::zswap_rs_kunit_selftest_uaf() }
}

/// The memory checkers' self-test: a page allocated as the pool allocates
/// its frames (`__GFP_MOVABLE`, no retries), written through its kernel
/// mapping, freed, and then read through that stale mapping from Rust --
/// the use-after-free that 6.1's KASAN does not see in Rust code.  With
/// `debug_pagealloc=on` (the debug guest) the freed page is unmapped and
/// the read faults; without it the read returns the page-poisoning
/// pattern and nothing is reported.  Returns the byte read (if it
/// returns at all).  Only for the harness self-test (`selftest_uaf=1`).
///
/// The one safe function whose call is undefined behaviour, on purpose
/// (with [`deliberate_slab_write_after_free`]): KUnit module only, and
/// only its harness case calls it, when the harness's boot asks.
#[cfg(zrs_kunit)]
pub(crate) fn deliberate_use_after_free() -> Option<u8> {
    let mut page = super::page::Page::alloc(super::Gfp::STORE.movable())?;
    page.with_slice_mut(|s| s.fill(0x5a));
    // SAFETY: A valid page we hold a reference on; the mapping is undone
    // at once (on x86-64 it is the direct map, which stays the address
    // of the page's memory).
    let addr = unsafe {
        let a = ffi::zswap_rs_kmap_local_page(page.as_ptr());
        ffi::zswap_rs_kunmap_local(a);
        a as *const u8
    };
    drop(page);
    // SAFETY: NOT sound, on purpose: `addr` points into the page freed
    // just above.  Reached only when the harness asks for it
    // (`selftest_uaf=1`), whose boot must be stopped by the checker that
    // catches this read.
    Some(unsafe { core::ptr::read_volatile(addr.add(64)) })
}

/// True if `zswap_rs_kunit.ko` was loaded with `selftest_slab=1` (the
/// harness self-test of slab poisoning).
#[cfg(zrs_kunit)]
pub(crate) fn selftest_slab_requested() -> bool {
    // SAFETY: Reads a module parameter; no preconditions.
    unsafe { ffi::zswap_rs_kunit_selftest_slab() }
}

/// The slab checkers' self-test: a 64-byte object from a cache of its own
/// (`kunit_glue.c`), freed, then written from Rust through the stale
/// pointer; the cache's next allocation hands the same object back, and
/// with `slub_debug=FZP` (the debug guest) SLUB finds its poison
/// overwritten and reports `BUG zswap_rs_selftest (...): Poison
/// overwritten`.  Returns whether both allocations succeeded.  Only for the
/// harness self-test (`selftest_slab=1`).
#[cfg(zrs_kunit)]
pub(crate) fn deliberate_slab_write_after_free() -> bool {
    // SAFETY: No preconditions; returns NULL or an object of 64 bytes.
    let obj = unsafe { ffi::zswap_rs_kunit_selftest_obj_alloc() }.cast::<u8>();
    if obj.is_null() {
        return false;
    }
    // SAFETY: `obj` is a live 64-byte object we own; then it is freed to
    // its cache, once.
    unsafe {
        core::ptr::write_bytes(obj, 0x5a, 64);
        ffi::zswap_rs_kunit_selftest_obj_free(obj.cast());
    }
    // SAFETY: NOT sound, on purpose: `obj` was freed just above.  Reached
    // only when the harness asks for it (`selftest_slab=1`), whose boot must
    // be failed by the checker that reports this write.
    unsafe { core::ptr::write_volatile(obj.add(16), 0xa5) };
    // SAFETY: No preconditions.
    let again = unsafe { ffi::zswap_rs_kunit_selftest_obj_alloc() };
    if again.is_null() {
        return false;
    }
    // SAFETY: `again` is a live object of the cache, freed once.
    unsafe { ffi::zswap_rs_kunit_selftest_obj_free(again) };
    true
}

/// Marks the running test failed with a message (used by the macros).
pub(crate) fn fail(file: &'static str, line: u32, args: fmt::Arguments<'_>) {
    // KUnit keeps 512 bytes of log per case in 6.1: report the file name
    // only, not the build path.
    let file = match file.rfind('/') {
        Some(i) => &file[i + 1..],
        None => file,
    };
    // The macros pass `concat!(file!(), "\0")`; anything else is named "?".
    let file = if file.ends_with('\0') { file } else { "?\0" };
    // SAFETY: `file` is NUL-terminated (checked just above); the
    // format has one `%pA`, which consumes a pointer to `fmt::Arguments`
    // that outlives the call.  Outside a test it only logs.
    unsafe {
        ffi::__kunit_fail_current_test(
            file.as_ptr().cast(),
            line as core::ffi::c_int,
            b"%pA\0".as_ptr().cast(),
            &args as *const fmt::Arguments<'_> as *const core::ffi::c_void,
        )
    };
}

/// Checks `cond`; on failure reports it and evaluates to `false` (the
/// case goes on: for closures and cleanup paths; KUnit's `EXPECT`).
#[macro_export]
macro_rules! kunit_expect {
    ($cond:expr) => {{
        let ok: bool = $cond;
        if !ok {
            $crate::sys::kunit::fail(
                concat!(file!(), "\0"),
                line!(),
                format_args!("EXPECTATION FAILED: {}", stringify!($cond)),
            );
        }
        ok
    }};
}

/// Checks `left == right`; on failure reports both values and evaluates
/// to `false` (the case goes on).
#[macro_export]
macro_rules! kunit_expect_eq {
    ($left:expr, $right:expr) => {{
        match (&$left, &$right) {
            (l, r) => {
                let ok = *l == *r;
                if !ok {
                    $crate::sys::kunit::fail(
                        concat!(file!(), "\0"),
                        line!(),
                        format_args!(
                            "EXPECTATION FAILED: {} == {}: {:?} != {:?}",
                            stringify!($left),
                            stringify!($right),
                            l,
                            r
                        ),
                    );
                }
                ok
            }
        }
    }};
}

/// Asserts `cond`; on failure reports it and returns from the case (as
/// upstream's `kunit_assert!`, what `#[kunit_tests]` turns `assert!` into).
#[macro_export]
macro_rules! kunit_assert {
    ($cond:expr) => {
        if !$crate::kunit_expect!($cond) {
            return;
        }
    };
}

/// Asserts `left == right`; on failure reports both values and returns
/// from the case (upstream's `kunit_assert_eq!`).
#[macro_export]
macro_rules! kunit_assert_eq {
    ($left:expr, $right:expr) => {
        if !$crate::kunit_expect_eq!($left, $right) {
            return;
        }
    };
}

/// What [`kunwrap!`](crate::kunwrap) accepts: `Option` and `Result`.
pub(crate) trait KunitUnwrap<T> {
    /// The value, if there is one.
    fn into_option(self) -> Option<T>;
}

impl<T> KunitUnwrap<T> for Option<T> {
    fn into_option(self) -> Option<T> {
        self
    }
}

impl<T, E> KunitUnwrap<T> for core::result::Result<T, E> {
    fn into_option(self) -> Option<T> {
        self.ok()
    }
}

/// Unwraps an `Option` or `Result`; on `None`/`Err` reports the failure and
/// returns from the (unit-returning) test case instead of panicking.
///
/// It returns from its caller, as upstream's `kunit_assert!` and KUnit's
/// C `KUNIT_ASSERT_*` do: a case is a plain `fn()`, so `?` has nothing to
/// return into, and 1.63 has no let-else.
#[macro_export]
macro_rules! kunwrap {
    ($e:expr) => {
        match $crate::sys::kunit::KunitUnwrap::into_option($e) {
            Some(v) => v,
            None => {
                $crate::sys::kunit::fail(
                    concat!(file!(), "\0"),
                    line!(),
                    format_args!("ASSERTION FAILED: {} has no value", stringify!($e)),
                );
                return;
            }
        }
    };
}

/// Declares a KUnit suite: `kunit_suite!(IDENT, "c_name", [case_fn, ...]);`
/// in the module that defines the `fn()` cases.
#[macro_export]
macro_rules! kunit_suite {
    ($id:ident, $name:expr, [$($case:ident),* $(,)?]) => {
        $crate::kunit_suite!($id, $name, [$($case),*], ());
    };
    // `$args`: the parenthesised arguments of every case call.
    ($id:ident, $name:expr, [$($case:ident),* $(,)?], $args:tt) => {
        #[allow(non_snake_case)]
        mod $id {
            use $crate::sys::kunit::{case, suite, KunitCell, CASE_END};
            use core::cell::UnsafeCell;

            mod run {
                $(
                    /// # Safety
                    ///
                    /// Called by KUnit only, as the `run_case` of this suite.
                    pub(super) unsafe extern "C" fn $case(_t: *mut $crate::sys::bindings::kunit) {
                        super::super::$case $args
                    }
                )*
            }

            const N: usize = [$(stringify!($case)),*].len();

            static CASES: KunitCell<[$crate::sys::bindings::kunit_case; N + 1]> = KunitCell(UnsafeCell::new([
                $(case(concat!(stringify!($case), "\0").as_bytes(), run::$case),)*
                CASE_END,
            ]));

            static SUITE: KunitCell<$crate::sys::bindings::kunit_suite> =
                KunitCell(UnsafeCell::new(suite($name.as_bytes(), CASES.0.get() as *mut $crate::sys::bindings::kunit_case)));

            #[used]
            #[link_section = ".kunit_test_suites"]
            static SUITE_PTR: KunitCell<*mut $crate::sys::bindings::kunit_suite> = KunitCell(UnsafeCell::new(SUITE.0.get()));
        }
    };
}

/// Declares one suite per pool layout from cases that take the layout:
/// `kunit_suite_layouts!([ZBUD_IDENT, ZPACK_IDENT, ZCHAIN_IDENT],
/// "c_name", [case_fn, ...]);` makes suites `c_name_zbud`, `c_name_zpack`
/// and `c_name_zchain`, whose cases call `case_fn(Layout::Zbud)`,
/// `case_fn(Layout::Zpack)` and `case_fn(Layout::Zchain)`.
#[macro_export]
macro_rules! kunit_suite_layouts {
    ([$zbud:ident, $zpack:ident, $zchain:ident], $name:literal, [$($case:ident),* $(,)?]) => {
        $crate::kunit_suite!(
            $zbud,
            concat!($name, "_zbud"),
            [$($case),*],
            ($crate::pool::Layout::Zbud)
        );
        $crate::kunit_suite!(
            $zpack,
            concat!($name, "_zpack"),
            [$($case),*],
            ($crate::pool::Layout::Zpack)
        );
        $crate::kunit_suite!(
            $zchain,
            concat!($name, "_zchain"),
            [$($case),*],
            ($crate::pool::Layout::Zchain)
        );
    };
}
