// SPDX-License-Identifier: GPL-2.0

//! The swap index: one XArray per swap type, keyed by swap offset.
//!
//! Every entry is an XArray *value entry* (an integer, no allocation), and
//! it carries everything a load needs to find the page's data:
//!
//! ```text
//!  value (63 bits)  = payload << 1 | kind
//!  kind 0, object:   payload = frame_id << 4 | slot       (pool handle)
//!  kind 1, filled:   payload = fill word, sign-extended from 62 bits
//! ```
//!
//! A same-filled page whose fill word fits 62 bits sign-extended (0, all
//! ones, any word whose top three bits are equal) costs no pool memory and
//! no allocation but the XArray slot.  Other fill words go to the pool as
//! an 8-byte object (`TAG_FILL`), without compression.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::pin::Pin;

use crate::pool::Handle;
use crate::sys::memcg::Charges;
use crate::sys::xarray::XArray;
use crate::sys::{Result, ENOMEM};

/// Bits of an object entry that name the slot: 4, room for the 12 slots
/// of a three-page zchain unit (zbud and zpack use 1 and 2 of them).  A
/// 32-bit frame id above them keeps the payload at 36 of its 62 bits.
const SLOT_BITS: u32 = usize::BITS - (crate::pool::MAX_UNIT_SLOTS - 1).leading_zeros();
const SLOT_MASK: u64 = (1 << SLOT_BITS) - 1;
const _: () = assert!(SLOT_BITS == 4);

/// What the index holds for a swapped page.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Entry {
    /// A compressed (or as-is) object in the pool.
    Object(Handle),
    /// A page filled with one repeated word.
    Filled(u64),
}

impl Entry {
    /// The same-filled entry for `word`, if the encoding can carry it.
    pub(crate) fn filled(word: u64) -> Option<Entry> {
        let sext = (((word << 2) as i64) >> 2) as u64;
        if sext == word {
            Some(Entry::Filled(word))
        } else {
            None
        }
    }

    /// The XArray value.
    pub(crate) fn encode(self) -> u64 {
        match self {
            Entry::Object(h) => {
                ((h.frame as u64) << (SLOT_BITS + 1)) | ((h.slot as u64 & SLOT_MASK) << 1)
            }
            Entry::Filled(w) => ((w << 2) >> 1) | 1,
        }
    }

    /// Back from an XArray value.
    pub(crate) fn decode(v: u64) -> Entry {
        if v & 1 == 1 {
            Entry::Filled((((v >> 1) << 2) as i64 >> 2) as u64)
        } else {
            Entry::Object(Handle {
                frame: (v >> (SLOT_BITS + 1)) as u32,
                slot: ((v >> 1) & SLOT_MASK) as u8,
            })
        }
    }
}

/// A swap entry (type, offset): the key of a page in the index and its
/// owner tag in the pool.  Built and taken apart only here.
///
/// # Invariants
///
/// The type is in the top 8 bits, the offset (below 2^56) below them.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct SwapKey(u64);

impl SwapKey {
    const OFFSET_BITS: u32 = 56;

    /// The key of (`ty`, `offset`); offsets are below 2^56 on every
    /// architecture (`swp_offset` has at most 58 bits, of which 6.1 x86-64
    /// uses 50), higher bits are dropped.
    pub(crate) fn new(ty: u32, offset: u64) -> SwapKey {
        // INVARIANT: Both fields masked into place.
        SwapKey(
            ((ty as u64 & 0xff) << Self::OFFSET_BITS) | (offset & ((1 << Self::OFFSET_BITS) - 1)),
        )
    }

    /// The key the pool stored as an owner tag.
    pub(crate) fn from_owner(owner: u64) -> SwapKey {
        SwapKey(owner)
    }

    /// The owner tag to store with the pool object.
    pub(crate) fn owner(self) -> u64 {
        self.0
    }

    /// The swap type.
    pub(crate) fn ty(self) -> u32 {
        (self.0 >> Self::OFFSET_BITS) as u32
    }

    /// The offset in the swap area.
    pub(crate) fn offset(self) -> u64 {
        self.0 & ((1 << Self::OFFSET_BITS) - 1)
    }
}

/// The owner type of the pages of the module's block device
/// (`/dev/zswap_rs0`, `backend/vdev.rs`): its keys are (`DEV_TYPE`, page
/// index on the device).  No swap type is this large (`MAX_SWAPFILES` is
/// at most 32), so pool objects of the device are never taken for a swap
/// entry's.
pub(crate) const DEV_TYPE: u32 = 0xff;

/// One XArray per swap type, and next to each the cgroup charges of its
/// pages ([`Charges`]); and the XArray of the block device's pages
/// ([`DEV_TYPE`]), which is not a swap type: [`Index::walk`] and
/// [`Index::charges`] do not see it.
pub(crate) struct Index {
    areas: Vec<Pin<Box<XArray>>>,
    charges: Vec<Pin<Box<Charges>>>,
    dev: Pin<Box<XArray>>,
}

impl Index {
    /// Creates the index for `types` swap types (all of them up front: a
    /// swap area that was swapon'ed before the module loaded just works).
    pub(crate) fn new(types: usize) -> Result<Index> {
        let mut areas = Vec::new();
        let mut charges = Vec::new();
        areas.try_reserve_exact(types).map_err(|_| ENOMEM)?;
        charges.try_reserve_exact(types).map_err(|_| ENOMEM)?;
        for _ in 0..types {
            areas.try_push(XArray::new_boxed()?).map_err(|_| ENOMEM)?;
            charges
                .try_push(Charges::new_boxed()?)
                .map_err(|_| ENOMEM)?;
        }
        Ok(Index {
            areas,
            charges,
            dev: XArray::new_boxed()?,
        })
    }

    /// The XArray of swap type `ty`, or of the block device for
    /// [`DEV_TYPE`] (so that compaction finds the entry of any object it
    /// moves by the object's owner).
    pub(crate) fn area(&self, ty: u32) -> Option<&XArray> {
        if ty == DEV_TYPE {
            return Some(&self.dev);
        }
        self.areas.get(ty as usize).map(|a| &**a)
    }

    /// The XArray of the block device's pages, keyed by page index.
    pub(crate) fn dev_area(&self) -> &XArray {
        &self.dev
    }

    /// The cgroup charges of swap type `ty`'s pages.
    pub(crate) fn charges(&self, ty: u32) -> Option<&Charges> {
        self.charges.get(ty as usize).map(|c| &**c)
    }

    /// Calls `f` with the key and value of every entry, swap type by swap
    /// type in offset order (an entry added or removed meanwhile may or
    /// may not be seen).  `f` may sleep if the caller may.
    pub(crate) fn walk(&self, mut f: impl FnMut(SwapKey, u64)) {
        for (ty, area) in self.areas.iter().enumerate() {
            let mut from = 0;
            while let Some((off, v)) = area.find(from) {
                from = off + 1;
                f(SwapKey::new(ty as u32, off), v);
            }
        }
    }
}
