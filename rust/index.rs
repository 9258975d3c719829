// SPDX-License-Identifier: GPL-2.0

//! The swap index: one XArray per swap type, keyed by swap offset.
//!
//! Every entry is an XArray *value entry* (an integer, no allocation), and
//! it carries everything a load needs to find the page's data:
//!
//! ```text
//!  value (63 bits)  = payload << 1 | kind
//!  kind 0, object:   payload = frame_id << 1 | buddy      (zbud handle)
//!  kind 1, filled:   payload = fill word, sign-extended from 62 bits
//! ```
//!
//! A same-filled page whose fill word fits 62 bits sign-extended (0, all
//! ones, any word whose top three bits are equal) costs no pool memory and
//! no allocation but the XArray slot.  Other fill words are compressed like
//! any page (they compress to a few dozen bytes).

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::pin::Pin;

use crate::sys::xarray::XArray;
use crate::sys::{Result, ENOMEM};
use crate::zbud::{Buddy, Handle};

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
            Entry::Object(h) => ((h.frame as u64) << 2) | ((h.buddy as u64) << 1),
            Entry::Filled(w) => ((w << 2) >> 1) | 1,
        }
    }

    /// Back from an XArray value.
    pub(crate) fn decode(v: u64) -> Entry {
        if v & 1 == 1 {
            Entry::Filled((((v >> 1) << 2) as i64 >> 2) as u64)
        } else {
            let buddy = if v & 2 == 0 {
                Buddy::First
            } else {
                Buddy::Last
            };
            Entry::Object(Handle {
                frame: (v >> 2) as u32,
                buddy,
            })
        }
    }
}

/// Key of a page inside the pool: its swap entry (type and offset).
pub(crate) fn owner(ty: u32, offset: u64) -> u64 {
    ((ty as u64) << 56) | (offset & ((1 << 56) - 1))
}

/// One XArray per swap type.
pub(crate) struct Index {
    areas: Vec<Pin<Box<XArray>>>,
}

impl Index {
    /// Creates the index for `types` swap types (all of them up front: a
    /// swap area that was swapon'ed before the module loaded just works).
    pub(crate) fn new(types: usize) -> Result<Index> {
        let mut areas = Vec::new();
        areas.try_reserve_exact(types).map_err(|_| ENOMEM)?;
        for _ in 0..types {
            areas.try_push(XArray::new_boxed()?).map_err(|_| ENOMEM)?;
        }
        Ok(Index { areas })
    }

    /// The XArray of swap type `ty`.
    pub(crate) fn area(&self, ty: u32) -> Option<&XArray> {
        self.areas.get(ty as usize).map(|a| &**a)
    }
}
