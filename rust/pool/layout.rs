// SPDX-License-Identifier: GPL-2.0

//! The two layouts of a pool page, and every decision that differs
//! between them: how many objects a frame holds, where a new object goes
//! ([`Layout::claim`], [`Layout::settle`]), which listed frame takes it,
//! whether a frame goes back on the lists before or after the copy, and
//! what compaction can hope for.  The rest of the pool asks the layout
//! and never tests which one it is.
//!
//! * [`Layout::Zbud`] (the default): at most two objects per frame.  Slot
//!   0, the first buddy, starts at byte 0 of the page; slot 1, the last
//!   buddy, ends at byte `PAGE_SIZE`; the free space is the gap between
//!   them.  Two objects share a frame whenever their lengths add up to
//!   `PAGE_SIZE`.
//! * [`Layout::Zpack`]: at most four objects per frame ([`MAX_SLOTS`]),
//!   anywhere in the page.  A new object goes into the first gap that
//!   holds it; if the frame has the room but no gap does, its objects
//!   slide to the start of the page first (under the frame lock, which
//!   every reader holds: a handle names a slot, not an offset).  Emptying
//!   a frame never takes more than four objects.

use super::frame::{Claim, FrameData, Slot, MAX_SLOTS};
use super::lists::{Counts, CHUNK};
use crate::sys::PAGE_SIZE;

/// Largest object: a whole page (stored as-is), in either layout.
pub(crate) const MAX_OBJECT: usize = PAGE_SIZE;
/// Largest *compressed* object worth storing, in either layout: a bigger
/// one leaves less than two chunks for a buddy and saves under 3% of a
/// page.  The same limit as zswap 6.1 on zbud (3968 bytes incl. its
/// 8-byte header).
pub(crate) const MAX_COMPRESSED: usize = PAGE_SIZE - 2 * CHUNK;

/// How objects are laid out in a pool page (fixed for a pool's life).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Layout {
    /// Two objects per frame, one at each end (the default).
    Zbud,
    /// Up to [`MAX_SLOTS`] objects per frame, packed at byte granularity.
    Zpack,
    /// zpack frames that grow into units of up to three pages
    /// (`MAX_UNIT_PAGES`) for objects over half a page (`chain.rs`).
    Zchain,
}

impl Layout {
    /// Every layout.
    pub(crate) const ALL: [Layout; 3] = [Layout::Zbud, Layout::Zpack, Layout::Zchain];

    /// Objects a frame of this layout holds at most (a zchain unit: this
    /// many per page).
    pub(crate) fn slots(self) -> usize {
        match self {
            Layout::Zbud => 2,
            Layout::Zpack | Layout::Zchain => MAX_SLOTS,
        }
    }

    /// Whether frames chain into units of several pages (`chain.rs`
    /// places, frees and reads their objects).
    pub(super) fn chains(self) -> bool {
        self == Layout::Zchain
    }

    /// The name the `zpool` parameter uses.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Layout::Zbud => "zbud",
            Layout::Zpack => "zpack",
            Layout::Zchain => "zchain",
        }
    }

    /// The layout called `name`.
    pub(crate) fn from_name(name: &[u8]) -> Option<Layout> {
        Layout::ALL
            .iter()
            .copied()
            .find(|l| l.name().as_bytes() == name)
    }

    /// Whether a listed frame's free bytes may lie in more than one gap
    /// (zpack: the free lists then try the exact-size list first, see
    /// `Inner::take_fit`); in a zbud frame they are one gap.
    pub(super) fn split_free_space(self) -> bool {
        self != Layout::Zbud
    }

    /// Whether a store puts the frame back on the free lists before its
    /// copy (zbud: the frame then holds its last buddy or will, and a
    /// store that takes it waits on the frame lock) rather than after it
    /// (zpack: so that no store waits for this one's copy on the frame
    /// lock with the pool lock held).
    pub(super) fn lists_before_copy(self) -> bool {
        self == Layout::Zbud
    }

    /// About how many frames compaction could free: zbud, pairs of
    /// one-object frames; zpack, the free space of the listed frames
    /// (`listed_free` bytes) in whole pages.
    pub(super) fn compactable(self, counts: &Counts, listed_free: u64) -> u64 {
        match self {
            Layout::Zbud => counts.one / 2,
            Layout::Zpack | Layout::Zchain => listed_free / PAGE_SIZE as u64,
        }
    }

    /// Whether a compaction pass stops at a frame whose lone object fits
    /// nowhere: in zbud the frames left on the lists hold bigger ones; a
    /// zpack frame with more bytes may still hold smaller objects (the
    /// pass parks the frame and goes on).
    pub(super) fn compaction_stops_at_a_misfit(self) -> bool {
        self == Layout::Zbud
    }

    /// Claims a slot of `frame` for a `len`-byte object and gives it an
    /// offset; the caller has checked that the frame has room (`used() +
    /// len <= PAGE_SIZE`, fewer objects than the layout allows).  In a
    /// zpack frame whose free bytes are split between gaps, the offset is
    /// where the free space starts once the other objects slid to the
    /// start of the page, and the [`Claim`] says the slide is still to be
    /// done: [`Layout::settle`] does it, under the same hold of the frame
    /// lock (until then the new object's range may overlap old positions,
    /// which nobody can see).  The bytes are the caller's to write after
    /// that, still under this lock.
    pub(super) fn claim(
        self,
        frame: &mut FrameData,
        owner: u64,
        tag: u8,
        len: usize,
    ) -> Option<Claim> {
        let free = (0..self.slots()).find(|&i| frame.slots[i].len == 0)?;
        let (off, slide) = match self {
            Layout::Zbud if free == 0 => (0, false),
            Layout::Zbud => (PAGE_SIZE - len, false),
            Layout::Zpack | Layout::Zchain => match Layout::gap(frame, len) {
                Some(off) => (off, false),
                None => (frame.used(), true),
            },
        };
        if off + len > PAGE_SIZE {
            return None;
        }
        // INVARIANT: `off + len` is in the page and, by the caller's room
        // check and the gap search, overlaps no object; or (`slide`) it
        // will not once `settle` has moved the others below `used()`.
        frame.slots[free] = Slot {
            owner,
            off: off as u16,
            len: len as u16,
            tag,
            referenced: false,
        };
        Some(Claim {
            slot: free as u8,
            slide,
        })
    }

    /// Completes a claim: slides the other objects if it needs that.
    pub(super) fn settle(frame: &mut FrameData, c: Claim) {
        if c.slide {
            Layout::slide(frame, Some(c.slot as usize));
        }
    }

    /// The start of the first gap of at least `len` bytes in `frame`, if
    /// any (zpack).
    fn gap(frame: &FrameData, len: usize) -> Option<usize> {
        let (objs, n) = frame.by_offset(None);
        let mut at = 0;
        for &(off, l, _) in &objs[..n] {
            // Objects do not overlap (invariant), so `off >= at`.  Should
            // they ever, this finds no gap there and goes on past both,
            // rather than a BUG under the frame lock: the new object goes
            // elsewhere.  (`PAGE_SIZE - at` below stays plain: `off + len
            // <= PAGE_SIZE` is what keeps every access in the page.)
            if off.saturating_sub(at) >= len {
                return Some(at);
            }
            at = at.max(off + l);
        }
        if PAGE_SIZE - at >= len {
            Some(at)
        } else {
            None
        }
    }

    /// Moves every object of `frame` but slot `except` down to close the
    /// gaps (bytes and offsets; zpack).
    fn slide(frame: &mut FrameData, except: Option<usize>) {
        let (objs, n) = frame.by_offset(except);
        let mut at = 0;
        for &(off, len, i) in &objs[..n] {
            if off != at {
                if let Some(p) = frame.page.as_mut() {
                    // Downwards, in page order: never over an object not
                    // yet moved.
                    p.with_slice_mut(|b| b.copy_within(off..off + len, at));
                }
                // INVARIANT: Moved to `at`, past the objects already placed.
                frame.slots[i].off = at as u16;
            }
            at += len;
        }
    }
}
