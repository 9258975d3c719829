// SPDX-License-Identifier: GPL-2.0

//! A frame's contents, under its frame lock: its page and its object
//! slots.  Where a new object goes is the layout's decision
//! ([`Layout::claim`](super::layout::Layout::claim)); this file only
//! describes what a frame holds.

use crate::sys::movable::MovablePage;

/// Most objects a frame holds (in any layout).
pub(crate) const MAX_SLOTS: usize = 4;
/// Most pages in a unit of frames (`Documentation/design.rst`, "Objects
/// over half a page: options"): one in zbud and zpack.
pub(crate) const MAX_UNIT_PAGES: usize = 3;
/// Most objects a unit holds: [`MAX_SLOTS`] per page.  A handle's slot is
/// below this; the index entry keeps it in four bits (`index.rs`).
pub(crate) const MAX_UNIT_SLOTS: usize = MAX_SLOTS * MAX_UNIT_PAGES;

/// One object slot of a frame.
#[derive(Clone, Copy, Default)]
pub(super) struct Slot {
    /// Who stored the object (opaque to the pool; the swap entry).
    pub(super) owner: u64,
    /// Where the object starts in the page.
    pub(super) off: u16,
    /// Length in bytes; 0 when the slot is empty.
    pub(super) len: u16,
    /// Caller's tag (the compressor id).
    pub(super) tag: u8,
    /// Loaded (and kept) since reclaim last looked at the frame: the
    /// frame gets a second chance ([`Pool::reclaim_begin`]).
    ///
    /// [`Pool::reclaim_begin`]: super::Pool::reclaim_begin
    pub(super) referenced: bool,
}

/// No frame (the end of a list, a frame that heads its own unit).
pub(super) const NIL: u32 = u32::MAX;

/// What the frame lock protects.
///
/// A frame is also a *unit* of one page, its own head (`head` is
/// [`NIL`], `next` too): the only kind in zbud and zpack.  A zchain unit
/// chains up to [`MAX_UNIT_PAGES`] frames (`pool/unit.rs`): the first, the
/// head, names it, and its lock is the unit's lock; each later member
/// records its `head`, each member the `next` one.  A member's own lock
/// is taken only with its head's held (`Unit::lock`).
///
/// # Invariants
///
/// Of a frame that heads its unit: `page` is `Some` iff a slot of the
/// unit is non-empty; every object lies in the unit's bytes (`off + len
/// <= pages * PAGE_SIZE`, its pages in member order) and no two overlap;
/// in a zbud frame only slots 0 and 1 are used, slot 0 at offset 0 and
/// slot 1 ending at `PAGE_SIZE`.  Of a later member: `page` is `Some`
/// while it is in the unit.  `head` and `next` change only under the pool
/// lock and the head's lock.
pub(crate) struct FrameData {
    pub(super) page: Option<MovablePage>,
    pub(super) slots: [Slot; MAX_SLOTS],
    /// The frame that heads this frame's unit, or [`NIL`] if this one
    /// does.
    pub(super) head: u32,
    /// The next member of this frame's unit, or [`NIL`].
    pub(super) next: u32,
}

// The metadata per frame that `Documentation/performance.rst` counts.
const _: () = assert!(core::mem::size_of::<FrameData>() == 80);

impl FrameData {
    pub(super) const EMPTY: FrameData = FrameData {
        page: None,
        slots: [Slot {
            owner: 0,
            off: 0,
            len: 0,
            tag: 0,
            referenced: false,
        }; MAX_SLOTS],
        head: NIL,
        next: NIL,
    };

    pub(super) fn nr_objects(&self) -> usize {
        self.slots.iter().filter(|s| s.len != 0).count()
    }

    /// The object in `slot`, if the slot holds one.
    pub(super) fn object(&self, slot: u8) -> Option<Slot> {
        self.slots
            .get(slot as usize)
            .copied()
            .filter(|s| s.len != 0)
    }

    pub(super) fn used(&self) -> usize {
        self.slots.iter().map(|s| s.len as usize).sum()
    }

    /// The objects in page order, as (offset, length, slot); slot `except`
    /// left out.
    pub(super) fn by_offset(
        &self,
        except: Option<usize>,
    ) -> ([(usize, usize, usize); MAX_SLOTS], usize) {
        let mut v = [(0, 0, 0); MAX_SLOTS];
        let mut n = 0;
        for (i, s) in self.slots.iter().enumerate() {
            if s.len != 0 && Some(i) != except {
                v[n] = (s.off as usize, s.len as usize, i);
                n += 1;
            }
        }
        v[..n].sort_unstable();
        (v, n)
    }
}

/// A slot claimed in a frame ([`Layout::claim`](super::layout::Layout::claim)).
#[derive(Clone, Copy)]
#[must_use]
pub(super) struct Claim {
    pub(super) slot: u8,
    /// The other objects must slide first
    /// ([`Layout::settle`](super::layout::Layout::settle)).
    pub(super) slide: bool,
}
