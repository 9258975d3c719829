// SPDX-License-Identifier: GPL-2.0

//! Load: an entry's object decompressed (or its fill word written) into
//! the page that frontswap lends.  The entry stays (frontswap invalidates
//! it when the slot is freed), unless frontswap offers the page the data
//! (a swap-cache page, patch 0010) and `exclusive_loads` is on: then the
//! entry is dropped as the load completes.

use super::read::{Corrupt, Read};
use super::Backend;
use crate::index::{Entry, SwapKey};
use crate::params::{get_bool, KNOBS};
use crate::pool::Handle;
use crate::stats::inc;
use crate::sys::debug::{inject, Fault};
use crate::sys::frontswap::ExclusiveLoad;
use crate::sys::page::PageRef;
use crate::sys::{Errno, RaceWindow, Result, EIO};

impl Backend {
    /// Loads (`ty`, `offset`) into `page`.  `EIO`: the page cannot be
    /// reproduced (never garbage).  Frontswap only asks for entries whose
    /// bit is set, and writeback clears the bit (under the page lock that
    /// the load also holds) before it lets an entry go, so an entry that
    /// is not here is lost too: `EIO`, counted in `load_missing`.
    pub(crate) fn load(
        &self,
        ty: u32,
        offset: u64,
        page: &mut PageRef<'_>,
        excl: ExclusiveLoad<'_>,
    ) -> Result {
        let key = SwapKey::new(ty, offset);
        // Before each read of an object: the race window, then
        // `fail_load` (a fill word is never refused).
        let before_read = |e| {
            matches!(e, Entry::Object(_)) && {
                crate::sys::race_window(RaceWindow::LoadLookup);
                inject(Fault::Load)
            }
        };
        let why = match self.read_entry(key, page, before_read) {
            Read::Filled((), e) => {
                let h = match e {
                    Entry::Object(h) => Some(h),
                    Entry::Filled(_) => None,
                };
                self.loaded(key, excl, h);
                return Ok(());
            }
            Read::Missing | Read::Vanished => return Err(self.missing(ty, offset)),
            Read::Corrupt(why) => why,
        };
        inc(&self.stats.decompress_fail);
        match why {
            Corrupt::Refused => crate::pr_err!(
                "injected load failure for swap entry {}:{:#x}; failing the read",
                ty,
                offset
            ),
            Corrupt::Failed(res) => {
                if crate::sys::ratelimit() {
                    crate::pr_err!(
                        "decompression failed for swap entry {}:{:#x} ({:?}); failing the read",
                        ty,
                        offset,
                        res
                    );
                }
            }
            Corrupt::Moving => crate::pr_err!(
                "swap entry {}:{:#x}: index and pool disagree; failing the read",
                ty,
                offset
            ),
        }
        Err(EIO)
    }

    /// A load of (`ty`, `offset`) filled its page: count it, and if
    /// frontswap offers the page the data and `exclusive_loads` is on,
    /// drop the entry (the page is locked: no store, load, invalidate or
    /// writeback of the entry runs meanwhile) and accept.  An object
    /// (`h`) that stays is marked referenced: reclaim gives its frame a
    /// second chance.
    fn loaded(&self, key: SwapKey, excl: ExclusiveLoad<'_>, h: Option<Handle>) {
        inc(&self.stats.loads);
        self.count_load(key.ty(), key.offset());
        if excl.offered() && get_bool(&KNOBS.exclusive_loads) && self.erase_release(key).is_some() {
            inc(&self.stats.exclusive_loads);
            excl.accept();
        } else if let Some(h) = h {
            // Moved meanwhile: the mark is lost, which costs only the
            // second chance.
            self.pool.mark_referenced(h, key.owner());
        }
    }

    /// `zswpin`, globally and for the page's cgroup.
    fn count_load(&self, ty: u32, offset: u64) {
        if let Some(c) = self.index.charges(ty) {
            c.count_zswpin(offset);
        }
    }

    /// A load found no entry: count it and fail the read.
    fn missing(&self, ty: u32, offset: u64) -> Errno {
        inc(&self.stats.load_missing);
        if crate::sys::ratelimit() {
            crate::pr_err!(
                "swap entry {}:{:#x} is not stored; failing the read",
                ty,
                offset
            );
        }
        EIO
    }
}
