// SPDX-License-Identifier: GPL-2.0

//! zswap_rs_kunit: the KUnit suites of zswap_rs.
//!
//! Crate root of `zswap_rs_kunit.ko`, compiled from the same sources as
//! `zswap_rs.ko` (plus `--cfg zrs_kunit` test hooks).  A separate module,
//! rather than suites inside zswap_rs.ko, because zswap_rs.ko registers
//! with frontswap at init and stays pinned while pages are stored, while
//! the suites must run on private pools and be loadable and unloadable
//! at any time (KUnit runs module suites at load, before init); and the
//! production module carries no test code.  See `Documentation/testing.rst`.

#![allow(dead_code)]

mod backend;
mod compress;
mod ffi;
mod index;
mod params;
mod stats;
mod sys;
mod tests;
mod zbud;

/// Log prefix for the `kernel` crate's printing macros.
const __LOG_PREFIX: &[u8] = b"zswap_rs_kunit\0";
