// SPDX-License-Identifier: GPL-2.0

//! Reading an entry into a page: the one loop that a load, a read of the
//! block device and writeback share.  The entry is looked up without a
//! lock; an object that compaction moves (or, on the block device, a
//! concurrent write replaces) between the lookup and the read fails the
//! pool's owner check, and the entry is looked up again, at most
//! [`READ_TRIES`] times.  What each caller does with the result (counts,
//! log lines, what an entry that cannot be read means) stays with it.

use super::Backend;
use crate::index::{Entry, SwapKey};
use crate::sys::page::PageRef;
use crate::sys::{Result, PAGE_SIZE};

/// Lookups of one read: an object that moved is looked up again, at most
/// this many times in all, before the read gives up
/// ([`Corrupt::Moving`]).
pub(super) const READ_TRIES: usize = 16;

/// What [`Backend::read_entry`] found.
pub(super) enum Read<F> {
    /// The page holds the data of this entry (for an object, the handle
    /// that was read: the object's place at that moment); `F` is what the
    /// page gives for being filled in full ([`EntryPage::Filled`]).
    Filled(F, Entry),
    /// No entry at the key.
    Missing,
    /// An entry was found, its object moved away under the read, and the
    /// next lookup found no entry: only a reader that does not exclude
    /// the entry's erasure (the block device's, against a discard) can
    /// meet this.
    Vanished,
    /// The entry is there, but its data could not be had.
    Corrupt(Corrupt),
}

/// Why an entry could not be read.
pub(super) enum Corrupt {
    /// The caller's `before_read` refused it (an injected failure).
    Refused,
    /// Its object did not decompress to a whole page: the decompressor's
    /// result (an error, or the bytes it wrote).
    Failed(Result<usize>),
    /// Its object moved on each of the [`READ_TRIES`] lookups: the index
    /// and the pool disagree.
    Moving,
}

/// A page that [`Backend::read_entry`] fills with an entry's data.
pub(super) trait EntryPage {
    /// What the page gives for being filled in full (the proof a
    /// swap-cache page needs before it is written).
    type Filled;

    /// Writes the fill word `w` over the whole page.
    fn fill_words(&mut self, w: u64) -> Self::Filled;

    /// Lends the page to `read`, which writes the entry's data from its
    /// start and returns the bytes written or an error, or `None` if the
    /// object moved (nothing read).  Gives `None` if the object moved,
    /// `Some(Ok)` if `read` wrote the whole page, else `Some(Err)` of
    /// what `read` returned.
    fn fill_from(
        &mut self,
        read: impl FnOnce(&mut [u8]) -> Option<Result<usize>>,
    ) -> Option<core::result::Result<Self::Filled, Result<usize>>>;
}

impl EntryPage for PageRef<'_> {
    type Filled = ();

    fn fill_words(&mut self, w: u64) {
        self.with_slice_mut(|d| {
            for c in d.chunks_exact_mut(8) {
                c.copy_from_slice(&w.to_ne_bytes());
            }
        });
    }

    fn fill_from(
        &mut self,
        read: impl FnOnce(&mut [u8]) -> Option<Result<usize>>,
    ) -> Option<core::result::Result<(), Result<usize>>> {
        Some(match self.with_slice_mut(read)? {
            Ok(n) if n == PAGE_SIZE => Ok(()),
            res => Err(res),
        })
    }
}

impl Backend {
    /// Fills `page` with the data of the entry at `key`: a fill word
    /// written, an object decompressed straight from the pool (under its
    /// frame lock only, with this CPU's compression context).  An object
    /// that moves meanwhile is looked up again (at most [`READ_TRIES`]
    /// lookups).  `before_read` sees each entry found before it is read
    /// (a caller's race window or injected failure); true refuses it
    /// ([`Corrupt::Refused`]).  Counts and logs nothing.  May sleep (the
    /// context's mutex).
    pub(super) fn read_entry<P: EntryPage>(
        &self,
        key: SwapKey,
        page: &mut P,
        mut before_read: impl FnMut(Entry) -> bool,
    ) -> Read<P::Filled> {
        for tries in 0..READ_TRIES {
            let e = match self.index.lookup(key) {
                Some(e) => e,
                None if tries == 0 => return Read::Missing,
                None => return Read::Vanished,
            };
            if before_read(e) {
                return Read::Corrupt(Corrupt::Refused);
            }
            let h = match e {
                Entry::Filled(w) => return Read::Filled(page.fill_words(w), e),
                Entry::Object(h) => h,
            };
            let r = page.fill_from(|dst| {
                self.comps.with_ctx(|ctx, _| {
                    let (mut dec, scratch) = ctx.split();
                    self.pool.read_with(h, key.owner(), scratch, |src, tag| {
                        dec.decompress(tag, src, dst)
                    })
                })
            });
            match r {
                // Moved: look it up again.
                None => continue,
                Some(Ok(f)) => return Read::Filled(f, e),
                Some(Err(res)) => return Read::Corrupt(Corrupt::Failed(res)),
            }
        }
        Read::Corrupt(Corrupt::Moving)
    }
}
