// SPDX-License-Identifier: GPL-2.0

//! Policy knobs (module parameters): parsing, validation, current values.
//!
//! `glue.c` declares the parameters; every `set` and `get` comes here.
//! An invalid value is refused with `-EINVAL` and a log line, and changes
//! nothing.

use core::fmt::Write;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use crate::pool::Layout;
use crate::sys::crypto::AlgName;
use crate::sys::global::{ParamLockToken, ParamLocked};
use crate::sys::{trim_line, Errno, PageBuf, Result, EBUSY, EINVAL, ERANGE};

/// Declares [`Param`] from the ids of `enum zswap_rs_param` (`glue.h`,
/// where the list of parameters lives, with their names): the ids come
/// from C, and a parameter Rust does not know fails the build.
macro_rules! params {
    ($($variant:ident = $c:ident,)*) => {
        /// A module parameter.
        #[derive(Clone, Copy, PartialEq, Eq, Debug)]
        pub(crate) enum Param {
            $(
                #[doc = concat!("`", stringify!($c), "`.")]
                $variant = crate::sys::bindings::$c as isize,
            )*
        }

        impl Param {
            /// All parameters.
            const ALL: &'static [Param] = &[$(Param::$variant,)*];
        }

        const _: () = assert!(crate::sys::bindings::zswap_rs_param_ZRS_PARAM_NR as usize == Param::ALL.len());
    };
}

params! {
    Enabled = zswap_rs_param_ZRS_PARAM_ENABLED,
    Compressor = zswap_rs_param_ZRS_PARAM_COMPRESSOR,
    MaxPoolPercent = zswap_rs_param_ZRS_PARAM_MAX_POOL_PERCENT,
    AcceptThresholdPercent = zswap_rs_param_ZRS_PARAM_ACCEPT_THRESHOLD_PERCENT,
    SameFilledPagesEnabled = zswap_rs_param_ZRS_PARAM_SAME_FILLED_PAGES_ENABLED,
    NonSameFilledPagesEnabled = zswap_rs_param_ZRS_PARAM_NON_SAME_FILLED_PAGES_ENABLED,
    StoreIncompressible = zswap_rs_param_ZRS_PARAM_STORE_INCOMPRESSIBLE,
    Compact = zswap_rs_param_ZRS_PARAM_COMPACT,
    Writeback = zswap_rs_param_ZRS_PARAM_WRITEBACK,
    ShrinkerWriteback = zswap_rs_param_ZRS_PARAM_SHRINKER_WRITEBACK,
    StoreThp = zswap_rs_param_ZRS_PARAM_STORE_THP,
    ExclusiveLoads = zswap_rs_param_ZRS_PARAM_EXCLUSIVE_LOADS,
    WritebackRun = zswap_rs_param_ZRS_PARAM_WRITEBACK_RUN,
    Zpool = zswap_rs_param_ZRS_PARAM_ZPOOL,
}

impl Param {
    /// From the C id.
    pub(crate) fn from_id(id: u32) -> Option<Param> {
        Param::ALL.iter().copied().find(|p| *p as u32 == id)
    }

    /// The parameter's name (from `glue.h`).
    pub(crate) fn name(self) -> &'static str {
        crate::sys::param_name(self as u32)
    }
}

/// Current knob values (read lock-free on the hot paths).
pub(crate) struct Knobs {
    /// Accept new pages.
    pub(crate) enabled: AtomicBool,
    /// Pool limit, percent of RAM.
    pub(crate) max_pool_percent: AtomicU32,
    /// Re-accept threshold, percent of the limit.
    pub(crate) accept_threshold_percent: AtomicU32,
    /// Store same-filled pages as index values.
    pub(crate) same_filled_pages_enabled: AtomicBool,
    /// Store other pages.
    pub(crate) non_same_filled_pages_enabled: AtomicBool,
    /// Store incompressible pages as-is.
    pub(crate) store_incompressible: AtomicBool,
    /// Write the coldest frames back at the pool limit.
    pub(crate) writeback: AtomicBool,
    /// The shrinker writes cold frames back under memory pressure too.
    pub(crate) shrinker_writeback: AtomicBool,
    /// Store a THP swapped out whole as its subpages.
    pub(crate) store_thp: AtomicBool,
    /// A load into the swap cache drops the pool's copy.
    pub(crate) exclusive_loads: AtomicBool,
    /// Writeback's window: a victim's stored neighbours in its aligned
    /// window of this many swap slots go with it (a power of two).
    pub(crate) writeback_run: AtomicU32,
}

/// The module's knobs.
pub(crate) static KNOBS: Knobs = Knobs {
    enabled: AtomicBool::new(true),
    max_pool_percent: AtomicU32::new(20),
    accept_threshold_percent: AtomicU32::new(90),
    same_filled_pages_enabled: AtomicBool::new(true),
    non_same_filled_pages_enabled: AtomicBool::new(true),
    store_incompressible: AtomicBool::new(false),
    writeback: AtomicBool::new(true),
    shrinker_writeback: AtomicBool::new(false),
    store_thp: AtomicBool::new(true),
    exclusive_loads: AtomicBool::new(true),
    writeback_run: AtomicU32::new(WRITEBACK_RUN_DEFAULT),
};

/// `writeback_run`'s default: 6.1's swap readahead window on a machine
/// with more than 16 MiB (`page_cluster` 3, not exported to modules).
pub(crate) const WRITEBACK_RUN_DEFAULT: u32 = 8;

/// `writeback_run`'s largest value: 256 slots (1 MiB), within one swap
/// cluster of 6.1's allocator.
pub(crate) const WRITEBACK_RUN_MAX: u32 = 256;

/// Default compressor.
pub(crate) const DEFAULT_COMPRESSOR: &[u8] = b"lzo";

/// The compressor asked for (valid before the backend exists).
pub(crate) static COMPRESSOR: ParamLocked<Option<AlgName>> = ParamLocked::new(None);

/// The pool layout (`zpool`): read when the module is loaded, and fixed
/// from then on.
pub(crate) static ZPOOL: ParamLocked<Layout> = ParamLocked::new(Layout::Zbud);

/// Reads a relaxed atomic knob.
pub(crate) fn get_bool(b: &AtomicBool) -> bool {
    b.load(Ordering::Relaxed)
}

/// Reads a relaxed atomic knob.
pub(crate) fn get_u32(v: &AtomicU32) -> u32 {
    v.load(Ordering::Relaxed)
}

/// Parses a boolean like `kstrtobool()`: y/Y/1/on or n/N/0/off.
pub(crate) fn parse_bool(v: &[u8]) -> Result<bool> {
    match trim_line(v) {
        b"y" | b"Y" | b"1" | b"on" | b"ON" | b"On" | b"yes" | b"Yes" => Ok(true),
        b"n" | b"N" | b"0" | b"off" | b"OFF" | b"Off" | b"no" | b"No" => Ok(false),
        _ => Err(EINVAL),
    }
}

/// Parses a decimal integer from 0 to `max` (`EINVAL`: not a number;
/// `ERANGE`: too large).
fn parse_decimal(v: &[u8], max: u32) -> Result<u32> {
    let v = trim_line(v);
    if v.is_empty() || v.len() > 10 || !v.iter().all(|c| c.is_ascii_digit()) {
        return Err(EINVAL);
    }
    let n = v.iter().fold(0u64, |n, c| n * 10 + (c - b'0') as u64);
    if n > max as u64 {
        return Err(ERANGE);
    }
    Ok(n as u32)
}

/// Parses a percentage: a decimal integer from 0 to 100.
pub(crate) fn parse_percent(v: &[u8]) -> Result<u32> {
    parse_decimal(v, 100)
}

/// Parses a count of frames: a decimal integer up to 1000000.
pub(crate) fn parse_count(v: &[u8]) -> Result<u32> {
    parse_decimal(v, 1_000_000)
}

/// Parses `writeback_run`: a power of two from 1 to
/// [`WRITEBACK_RUN_MAX`] (`EINVAL`: not a number or not a power of two;
/// `ERANGE`: too large).
pub(crate) fn parse_run(v: &[u8]) -> Result<u32> {
    match parse_decimal(v, WRITEBACK_RUN_MAX)? {
        n if n.is_power_of_two() => Ok(n),
        _ => Err(EINVAL),
    }
}

/// A validated new value.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Value {
    /// A boolean knob.
    Bool(bool),
    /// A percentage.
    Percent(u32),
    /// A compressor the kernel has.
    Compressor(AlgName),
    /// The compaction trigger.
    Trigger,
    /// Write back this many frames now.
    WriteBackNow(u32),
    /// A pool layout.
    Zpool(Layout),
    /// A number of swap slots.
    Slots(u32),
}

/// Parses and validates `val` for `p` (no side effects).
pub(crate) fn parse(p: Param, val: &[u8]) -> Result<Value> {
    match p {
        Param::Enabled
        | Param::SameFilledPagesEnabled
        | Param::NonSameFilledPagesEnabled
        | Param::StoreIncompressible
        | Param::ShrinkerWriteback
        | Param::StoreThp
        | Param::ExclusiveLoads => parse_bool(val).map(Value::Bool),
        // A number first: "1" writes one frame back (as documented), it
        // does not mean `Y`.
        Param::Writeback => match parse_count(val) {
            Ok(0) => Ok(Value::Bool(false)),
            Ok(n) => Ok(Value::WriteBackNow(n)),
            Err(e) if e == ERANGE => Err(e),
            Err(_) => parse_bool(val).map(Value::Bool),
        },
        Param::MaxPoolPercent | Param::AcceptThresholdPercent => {
            parse_percent(val).map(Value::Percent)
        }
        Param::WritebackRun => parse_run(val).map(Value::Slots),
        Param::Compressor => {
            let name = AlgName::new(val)?;
            if !name.exists() {
                return Err(crate::sys::ENOENT);
            }
            Ok(Value::Compressor(name))
        }
        Param::Compact => match parse_bool(val) {
            Ok(true) => Ok(Value::Trigger),
            _ => Err(EINVAL),
        },
        Param::Zpool => Layout::from_name(trim_line(val))
            .map(Value::Zpool)
            .ok_or(EINVAL),
    }
}

/// Explains a refused value in the log.
pub(crate) fn log_refused(p: Param, val: &[u8], e: Errno) {
    let shown = core::str::from_utf8(trim_line(val)).unwrap_or("<not text>");
    let why = match (p, e) {
        (Param::Compressor, crate::sys::ENOENT) => {
            "no such compressor in this kernel (see /proc/crypto)"
        }
        (Param::Compressor, _) => "not a compressor name",
        (Param::MaxPoolPercent | Param::AcceptThresholdPercent, ERANGE) => "out of range 0-100",
        (Param::MaxPoolPercent | Param::AcceptThresholdPercent, _) => "not a number 0-100",
        (Param::Compact, _) => "write 1 to compact",
        (Param::Zpool, EBUSY) => "fixed while the module is loaded; reload it with zpool=",
        (Param::Zpool, _) => "expected zbud, zpack or zchain",
        (Param::Writeback, ERANGE) => "at most 1000000 frames at a time",
        (Param::Writeback, _) => "expected Y, N or a number of frames",
        (Param::WritebackRun, _) => "expected a power of two from 1 to 256 (swap slots)",
        (_, crate::sys::ENOSPC) => "too many distinct compressors used; reload the module",
        _ => "expected Y or N",
    };
    crate::pr_err!("{}: '{}' refused: {}", p.name(), shown, why);
}

/// Where the value of a knob lives (the one list of knob to storage, for
/// [`apply`] and [`show`]).
enum Storage {
    /// A Y/N knob.
    Bool(&'static AtomicBool),
    /// A percentage.
    Percent(&'static AtomicU32),
    /// A count of swap slots.
    Slots(&'static AtomicU32),
    /// Kept elsewhere (the compressor) or nowhere (the compaction trigger).
    Other,
}

impl Param {
    fn storage(self) -> Storage {
        let k = &KNOBS;
        match self {
            Param::Enabled => Storage::Bool(&k.enabled),
            Param::SameFilledPagesEnabled => Storage::Bool(&k.same_filled_pages_enabled),
            Param::NonSameFilledPagesEnabled => Storage::Bool(&k.non_same_filled_pages_enabled),
            Param::StoreIncompressible => Storage::Bool(&k.store_incompressible),
            Param::Writeback => Storage::Bool(&k.writeback),
            Param::ShrinkerWriteback => Storage::Bool(&k.shrinker_writeback),
            Param::StoreThp => Storage::Bool(&k.store_thp),
            Param::ExclusiveLoads => Storage::Bool(&k.exclusive_loads),
            Param::MaxPoolPercent => Storage::Percent(&k.max_pool_percent),
            Param::AcceptThresholdPercent => Storage::Percent(&k.accept_threshold_percent),
            Param::WritebackRun => Storage::Slots(&k.writeback_run),
            Param::Compressor | Param::Compact | Param::Zpool => Storage::Other,
        }
    }
}

/// Applies a validated value to the knobs (not the compressor or trigger).
pub(crate) fn apply(p: Param, v: Value) {
    match (p.storage(), v) {
        (Storage::Bool(a), Value::Bool(b)) => a.store(b, Ordering::Relaxed),
        (Storage::Percent(a), Value::Percent(n)) | (Storage::Slots(a), Value::Slots(n)) => {
            a.store(n, Ordering::Relaxed)
        }
        _ => {}
    }
}

/// Formats the current value of `p` (`kernel_param_ops::get`).
pub(crate) fn show(p: Param, t: &mut ParamLockToken, out: &mut PageBuf<'_>) {
    let _ = match (p.storage(), p) {
        (Storage::Bool(a), _) => writeln!(out, "{}", if get_bool(a) { 'Y' } else { 'N' }),
        (Storage::Percent(a), _) | (Storage::Slots(a), _) => writeln!(out, "{}", get_u32(a)),
        (Storage::Other, Param::Compressor) => {
            let name = COMPRESSOR.get(t).map(|n| n);
            match name {
                Some(n) => writeln!(out, "{}", n.as_str()),
                None => writeln!(
                    out,
                    "{}",
                    core::str::from_utf8(DEFAULT_COMPRESSOR).unwrap_or("")
                ),
            }
        }
        (Storage::Other, Param::Zpool) => writeln!(out, "{}", ZPOOL.get(t).name()),
        (Storage::Other, _) => writeln!(out, "0"),
    };
}
