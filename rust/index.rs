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
//!
//! The encoding stays in this file: the rest of the module reads and
//! writes [`Entry`] values by [`SwapKey`] through [`Index`] (the backend
//! never sees the XArray or a raw value).

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::pin::Pin;

use crate::pool::Handle;
use crate::sys::memcg::Charges;
use crate::sys::xarray::XArray;
use crate::sys::{Gfp, Result, EINVAL, ENOMEM};

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

    /// The XArray value (the index's encoding; outside this file only the
    /// tests use it, to check the round trip).
    pub(crate) fn encode(self) -> u64 {
        match self {
            Entry::Object(h) => {
                ((h.frame as u64) << (SLOT_BITS + 1)) | ((h.slot as u64 & SLOT_MASK) << 1)
            }
            Entry::Filled(w) => ((w << 2) >> 1) | 1,
        }
    }

    /// Back from an XArray value ([`Entry::encode`]'s inverse).
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
///
/// The rest of the module sees entries by key: [`Index::lookup`],
/// [`Index::insert`], [`Index::erase`], [`Index::erase_if`],
/// [`Index::replace`], [`Index::find`] and [`Index::walk`], each one
/// XArray call (its lock and its ordering are the XArray's, said on each).
/// A key of a type the index does not have has no entry: a lookup, an
/// erase or a compare finds nothing, an insertion fails.
///
/// # Invariants
///
/// Every value in the XArrays is the [`Entry::encode`] of an entry (only
/// the methods below store, and only encoded entries), so
/// [`Entry::decode`] gives that entry back, and two entries (made by
/// [`Entry::filled`] or read from the index) are equal exactly when their
/// values are: comparing entries is comparing what `xa_cmpxchg` compares.
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
        // INVARIANT: Every XArray empty.
        Ok(Index {
            areas,
            charges,
            dev: XArray::new_boxed()?,
        })
    }

    /// The XArray of swap type `ty`, or of the block device for
    /// [`DEV_TYPE`] (so that compaction finds the entry of any object it
    /// moves by the object's owner).
    fn area(&self, ty: u32) -> Option<&XArray> {
        if ty == DEV_TYPE {
            return Some(&self.dev);
        }
        self.areas.get(ty as usize).map(|a| &**a)
    }

    /// Whether the index has an XArray for type `ty` (a swap type, or
    /// [`DEV_TYPE`]).
    pub(crate) fn has_type(&self, ty: u32) -> bool {
        self.area(ty).is_some()
    }

    /// The entry at `key` (`xa_load`: no lock, under RCU, which it takes
    /// itself).  It may change right after: only the caller's exclusion
    /// (the swap-cache page lock) or a check against the pool (the
    /// owner check of a read) makes it still the entry.
    pub(crate) fn lookup(&self, key: SwapKey) -> Option<Entry> {
        // Values are encoded entries (invariant).
        self.area(key.ty())?.load(key.offset()).map(Entry::decode)
    }

    /// Publishes `e` at `key` (`xa_store`, under the XArray lock; may
    /// allocate a node with `gfp`); the entry it replaced, if any, which
    /// the caller now owns.  Fails (`ENOMEM`, nothing stored) if no node
    /// could be had, `EINVAL` for a type the index does not have.
    pub(crate) fn insert(&self, key: SwapKey, e: Entry, gfp: Gfp) -> Result<Option<Entry>> {
        let area = self.area(key.ty()).ok_or(EINVAL)?;
        // INVARIANT: An encoded entry.
        let old = area.store(key.offset(), e.encode(), gfp)?;
        Ok(old.map(Entry::decode))
    }

    /// Removes the entry at `key`, whatever it is now (`xa_erase`, under
    /// the XArray lock; never sleeps or allocates); the entry removed,
    /// which the caller now owns: of several erasers, one gets it.
    pub(crate) fn erase(&self, key: SwapKey) -> Option<Entry> {
        self.area(key.ty())?.erase(key.offset()).map(Entry::decode)
    }

    /// Removes the entry at `key` if it is still `e` (`xa_cmpxchg` to
    /// empty, under the XArray lock; never sleeps or allocates); true if
    /// it was, and the caller now owns it.
    #[cfg_attr(zrs_kunit, allow(dead_code))]
    pub(crate) fn erase_if(&self, key: SwapKey, e: Entry) -> bool {
        match self.area(key.ty()) {
            // Equal entries, equal values (invariant).
            Some(a) => a.erase_if(key.offset(), e.encode()),
            None => false,
        }
    }

    /// Replaces the entry at `key` by `new` if it is still `old`
    /// (`xa_cmpxchg`, under the XArray lock; replacing an existing entry
    /// never allocates, so never sleeps); true if it was.
    pub(crate) fn replace(&self, key: SwapKey, old: Entry, new: Entry) -> bool {
        let area = match self.area(key.ty()) {
            Some(a) => a,
            None => return false,
        };
        let old = old.encode();
        // INVARIANT: An encoded entry replaces an encoded entry.
        area.cmpxchg(key.offset(), Some(old), new.encode(), Gfp::NOWAIT) == Ok(Some(old))
    }

    /// The first entry of type `ty` at an offset `>= from`, with its key
    /// (`xa_find`, under RCU; an entry added or removed meanwhile may or
    /// may not be seen).
    pub(crate) fn find(&self, ty: u32, from: u64) -> Option<(SwapKey, Entry)> {
        let (off, v) = self.area(ty)?.find(from)?;
        Some((SwapKey::new(ty, off), Entry::decode(v)))
    }

    /// The cgroup charges of swap type `ty`'s pages.
    pub(crate) fn charges(&self, ty: u32) -> Option<&Charges> {
        self.charges.get(ty as usize).map(|c| &**c)
    }

    /// Calls `f` with the key and entry of every entry, swap type by swap
    /// type in offset order (an entry added or removed meanwhile may or
    /// may not be seen; not the block device's).  `f` may sleep if the
    /// caller may.
    pub(crate) fn walk(&self, mut f: impl FnMut(SwapKey, Entry)) {
        for ty in 0..self.areas.len() as u32 {
            let mut from = 0;
            // Every index is a `SwapKey` offset (the methods above store
            // only at those), so the key's offset is the index found.
            while let Some((key, e)) = self.find(ty, from) {
                from = key.offset() + 1;
                f(key, e);
            }
        }
    }
}
