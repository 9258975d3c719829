// SPDX-License-Identifier: GPL-2.0

//! Safe abstractions over the 6.1 C API that zswap_rs needs.
//!
//! This is the only layer with `unsafe` code.  The 6.1 `kernel` crate
//! offers almost nothing (allocator, printing, `Error` with only
//! `ENOMEM`), so the wrappers here sit on module-private bindings
//! ([`bindings`], generated from `bindings.h`) and the C helpers in
//! `helpers.c`.  The files follow the upstream `kernel` crate's where it
//! has one: [`error`], [`alloc`], [`print`], [`types`], [`str`], [`rcu`],
//! [`task`], [`workqueue`]; [`debug`] holds the test hooks (faults, race
//! windows); the rest wrap one kernel facility each.  The items most code
//! needs are re-exported here, so that `crate::sys::{Result, Gfp, ...}`
//! reads as `kernel::prelude` does.

pub(crate) mod alloc;
pub(crate) mod arena;
pub(crate) mod bindings;
pub(crate) mod block;
pub(crate) mod crypto;
pub(crate) mod debug;
// The C entry points of glue.c, which the KUnit module does not link.
#[cfg(not(zrs_kunit))]
pub(crate) mod entry;
// debugfs and sysfs files of the production module only (their C side is
// in glue.c, which the KUnit module does not link).
#[cfg(not(zrs_kunit))]
pub(crate) mod debugfs;
pub(crate) mod error;
pub(crate) mod frontswap;
pub(crate) mod global;
#[cfg(zrs_kunit)]
pub(crate) mod kunit;
pub(crate) mod lock;
pub(crate) mod memcg;
#[cfg(not(zrs_kunit))]
pub(crate) mod meminfo;
pub(crate) mod module;
pub(crate) mod movable;
pub(crate) mod page;
pub(crate) mod print;
pub(crate) mod rcu;
pub(crate) mod shrinker;
pub(crate) mod str;
pub(crate) mod swapcache;
#[cfg(not(zrs_kunit))]
pub(crate) mod sysfs;
pub(crate) mod task;
pub(crate) mod types;
pub(crate) mod workqueue;
pub(crate) mod xarray;

pub(crate) use self::alloc::{try_box, Gfp};
pub(crate) use self::debug::{race_window, RaceWindow};
pub(crate) use self::error::{from_result, to_result, Errno, Result};
pub(crate) use self::error::{EAGAIN, EBUSY, EINVAL, EIO, ENODEV, ENOENT, ENOMEM, ENOSPC, ERANGE};
pub(crate) use self::print::{accounting_slips, ratelimit, sub_or_warn, warn};
pub(crate) use self::str::{param_name, trim_line, PageBuf};
pub(crate) use self::task::{cond_resched, cpu_id, nr_cpu_ids, totalram_pages};
pub(crate) use self::types::Opaque;
pub(crate) use self::workqueue::reclaim_kick;
#[cfg(not(zrs_kunit))]
pub(crate) use self::workqueue::ReclaimWork;

/// Page size in bytes.
pub(crate) const PAGE_SIZE: usize = 4096;

const _: () = assert!(bindings::ZRS_PAGE_SIZE as usize == PAGE_SIZE);
