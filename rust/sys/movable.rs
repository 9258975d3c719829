// SPDX-License-Identifier: GPL-2.0

//! Movable non-LRU pages: the [`Movable`] trait and its C table
//! (`struct movable_operations`, module-registrable in 6.1).
//!
//! C header: `include/linux/migrate.h`.  A page becomes movable with
//! `__SetPageMovable(page, ops)` (see `page.rs`); from then on the VM may
//! call `isolate_page`, `migrate_page` and `putback_page` on it, each with
//! the page locked and referenced, until `__ClearPageMovable`.

use core::ffi::c_int;
use core::marker::PhantomData;

use super::page::{LockedPage, MigrationTarget};
use super::{RcuReadGuard, Result, EAGAIN, EINVAL};
use crate::ffi;

/// How the VM migrates (`enum migrate_mode`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum MigrateMode {
    /// Never blocks.
    Async,
    /// May block, but not on writeback.
    SyncLight,
    /// May block.
    Sync,
    /// The caller copies the contents itself (HMM); a pool page cannot
    /// move that way.
    SyncNoCopy,
}

impl MigrateMode {
    fn from_c(m: ffi::migrate_mode) -> MigrateMode {
        match m {
            ffi::migrate_mode_MIGRATE_ASYNC => MigrateMode::Async,
            ffi::migrate_mode_MIGRATE_SYNC_LIGHT => MigrateMode::SyncLight,
            ffi::migrate_mode_MIGRATE_SYNC_NO_COPY => MigrateMode::SyncNoCopy,
            _ => MigrateMode::Sync,
        }
    }
}

/// The owner of movable pages.  Each callback runs in an RCU read-side
/// section (the guard it receives), so whoever retires the object the
/// callbacks look up waits them out with `synchronize_rcu`
/// ([`Published`](super::global::Published) does).  Callbacks never sleep.
pub(crate) trait Movable: 'static {
    /// The VM wants to migrate `page`; true if it may.
    fn isolate(g: &RcuReadGuard, page: &LockedPage<'_>) -> bool;
    /// Moves the isolated `src` into `dst`.  `EAGAIN`: try again later.
    fn migrate(
        g: &RcuReadGuard,
        dst: MigrationTarget<'_>,
        src: &LockedPage<'_>,
        mode: MigrateMode,
    ) -> Result;
    /// The VM gives back an isolated page it did not migrate.
    fn putback(g: &RcuReadGuard, page: &LockedPage<'_>);
}

/// A `struct movable_operations` table, as pages are registered with it.
#[repr(transparent)]
pub(crate) struct MovableOps(ffi::movable_operations);

impl MovableOps {
    /// The C table.
    pub(crate) fn as_ptr(&'static self) -> *const ffi::movable_operations {
        &self.0
    }

    /// The table whose callbacks call `T`.
    pub(crate) const fn of<T: Movable>() -> &'static MovableOps {
        VTable::<T>::build()
    }
}

struct VTable<T: Movable>(PhantomData<T>);

impl<T: Movable> VTable<T> {
    /// # Safety
    ///
    /// Called by the VM only, for a page registered with this table, which
    /// it holds locked and referenced for the call.
    unsafe extern "C" fn isolate(page: *mut ffi::page, _mode: ffi::isolate_mode_t) -> bool {
        // SAFETY: Locked and referenced by the VM for the call.
        let page = match unsafe { LockedPage::from_raw(page) } {
            Some(p) => p,
            None => return false,
        };
        let rcu = RcuReadGuard::new();
        T::isolate(&rcu, &page)
    }

    /// # Safety
    ///
    /// Called by the VM only: `src` a page registered with this table that
    /// `isolate` accepted, `dst` the new page it allocated for this
    /// migration; both locked and referenced for the call.
    unsafe extern "C" fn migrate(
        dst: *mut ffi::page,
        src: *mut ffi::page,
        mode: ffi::migrate_mode,
    ) -> c_int {
        // SAFETY: Both locked and referenced by the VM; `dst` is its fresh
        // migration target, which nobody else accesses.
        let pages = unsafe { (MigrationTarget::from_raw(dst), LockedPage::from_raw(src)) };
        let (dst, src) = match pages {
            (Some(d), Some(s)) => (d, s),
            _ => return EINVAL.to_c(),
        };
        let rcu = RcuReadGuard::new();
        match T::migrate(&rcu, dst, &src, MigrateMode::from_c(mode)) {
            Ok(()) => ffi::MIGRATEPAGE_SUCCESS as c_int,
            Err(e) => e.to_c(),
        }
    }

    /// # Safety
    ///
    /// Called by the VM only, for a page `isolate` accepted, locked and
    /// referenced for the call.
    unsafe extern "C" fn putback(page: *mut ffi::page) {
        // SAFETY: Locked and referenced by the VM for the call.
        if let Some(page) = unsafe { LockedPage::from_raw(page) } {
            let rcu = RcuReadGuard::new();
            T::putback(&rcu, &page);
        }
    }

    const OPS: MovableOps = MovableOps(ffi::movable_operations {
        isolate_page: Some(Self::isolate),
        migrate_page: Some(Self::migrate),
        putback_page: Some(Self::putback),
    });

    const fn build() -> &'static MovableOps {
        &Self::OPS
    }
}

/// What `migrate` answers when the owner is gone (module going away).
pub(crate) const GONE: Result = Err(EAGAIN);
