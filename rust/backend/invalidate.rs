// SPDX-License-Identifier: GPL-2.0

//! Invalidate: an entry (its slot was freed) or a whole swap area
//! (swapoff) dropped with its accounting.

use super::Backend;
use crate::index::SwapKey;
use crate::sys::debug::{inject, Fault};

impl Backend {
    /// Drops (`ty`, `offset`).  Never sleeps.
    pub(crate) fn invalidate_page(&self, ty: u32, offset: u64) {
        // Test-only: an orphan made by hand (frontswap forgets the slot,
        // the index keeps the entry).
        if inject(Fault::Invalidate) {
            return;
        }
        self.erase_release(SwapKey::new(ty, offset));
    }

    /// Drops every page of swap type `ty` (swapoff).  May sleep.
    pub(crate) fn invalidate_area(&self, ty: u32) {
        if !self.index.has_type(ty) {
            return;
        }
        let mut n = 0u32;
        while let Some((key, _)) = self.index.find(ty, 0) {
            self.erase_release(key);
            n += 1;
            if n % 64 == 0 {
                crate::sys::cond_resched();
            }
        }
        // The pool may be empty now: give back pages whose release had to
        // wait, and transforms of algorithms nothing uses any more.
        self.pool.release_zombies();
        self.comps.release_unused();
    }
}
