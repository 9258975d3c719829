// SPDX-License-Identifier: GPL-2.0

//! Suite `zswap_rs_params`: knob parsing and validation.

use crate::params::{parse, parse_bool, parse_percent, Param, Value};
use crate::pool::Layout;
use crate::sys::{EINVAL, ENOENT, ERANGE};
use crate::{kunit_assert, kunit_assert_eq, kunit_suite, kunwrap};

fn booleans() {
    for v in [&b"Y"[..], b"y", b"1", b"on", b"Y\n"] {
        kunit_assert_eq!(parse_bool(v), Ok(true));
    }
    for v in [&b"N"[..], b"n", b"0", b"off", b"N\n"] {
        kunit_assert_eq!(parse_bool(v), Ok(false));
    }
    for v in [&b""[..], b"2", b"yes please", b"maybe", b"\n"] {
        kunit_assert_eq!(parse_bool(v), Err(EINVAL));
    }
}

fn percentages() {
    kunit_assert_eq!(parse_percent(b"0"), Ok(0));
    kunit_assert_eq!(parse_percent(b"100\n"), Ok(100));
    kunit_assert_eq!(parse_percent(b"20"), Ok(20));
    kunit_assert_eq!(parse_percent(b"101"), Err(ERANGE));
    kunit_assert_eq!(parse_percent(b"99999999999"), Err(EINVAL));
    for v in [&b""[..], b"-1", b"1.5", b"abc", b"10%", b" "] {
        kunit_assert_eq!(parse_percent(v), Err(EINVAL));
    }
}

fn compressor_values() {
    kunit_assert!(matches!(
        parse(Param::Compressor, b"lz4\n"),
        Ok(Value::Compressor(_))
    ));
    kunit_assert_eq!(parse(Param::Compressor, b"nonexistent"), Err(ENOENT));
    kunit_assert_eq!(parse(Param::Compressor, b""), Err(EINVAL));
}

/// Each parameter's Rust variant carries the id that `glue.h`'s
/// `ZSWAP_RS_PARAMS` list gives it (read from the generated bindings, not
/// written down here), and the name C keeps for that id is the variant's:
/// a Rust variant bound to another parameter's id, or a list that C and
/// Rust no longer agree on, fails.
fn ids_follow_glue_order() {
    use crate::sys::bindings as ffi;
    let table: [(u32, Param, &str); 14] = [
        (
            ffi::zswap_rs_param_ZRS_PARAM_ENABLED,
            Param::Enabled,
            "enabled",
        ),
        (
            ffi::zswap_rs_param_ZRS_PARAM_COMPRESSOR,
            Param::Compressor,
            "compressor",
        ),
        (
            ffi::zswap_rs_param_ZRS_PARAM_MAX_POOL_PERCENT,
            Param::MaxPoolPercent,
            "max_pool_percent",
        ),
        (
            ffi::zswap_rs_param_ZRS_PARAM_ACCEPT_THRESHOLD_PERCENT,
            Param::AcceptThresholdPercent,
            "accept_threshold_percent",
        ),
        (
            ffi::zswap_rs_param_ZRS_PARAM_SAME_FILLED_PAGES_ENABLED,
            Param::SameFilledPagesEnabled,
            "same_filled_pages_enabled",
        ),
        (
            ffi::zswap_rs_param_ZRS_PARAM_NON_SAME_FILLED_PAGES_ENABLED,
            Param::NonSameFilledPagesEnabled,
            "non_same_filled_pages_enabled",
        ),
        (
            ffi::zswap_rs_param_ZRS_PARAM_STORE_INCOMPRESSIBLE,
            Param::StoreIncompressible,
            "store_incompressible",
        ),
        (
            ffi::zswap_rs_param_ZRS_PARAM_COMPACT,
            Param::Compact,
            "compact",
        ),
        (
            ffi::zswap_rs_param_ZRS_PARAM_WRITEBACK,
            Param::Writeback,
            "writeback",
        ),
        (
            ffi::zswap_rs_param_ZRS_PARAM_SHRINKER_WRITEBACK,
            Param::ShrinkerWriteback,
            "shrinker_writeback",
        ),
        (
            ffi::zswap_rs_param_ZRS_PARAM_STORE_THP,
            Param::StoreThp,
            "store_thp",
        ),
        (
            ffi::zswap_rs_param_ZRS_PARAM_EXCLUSIVE_LOADS,
            Param::ExclusiveLoads,
            "exclusive_loads",
        ),
        (
            ffi::zswap_rs_param_ZRS_PARAM_WRITEBACK_RUN,
            Param::WritebackRun,
            "writeback_run",
        ),
        (ffi::zswap_rs_param_ZRS_PARAM_ZPOOL, Param::Zpool, "zpool"),
    ];
    // The table covers C's whole list.
    kunit_assert_eq!(table.len(), ffi::zswap_rs_param_ZRS_PARAM_NR as usize);
    for (id, param, name) in table {
        kunit_assert_eq!(param as u32, id);
        kunit_assert_eq!(Param::from_id(id), Some(param));
        kunit_assert_eq!(param.name(), name);
    }
    // Every C id names a parameter, distinct ids distinct ones; none past
    // the end.
    for id in 0..ffi::zswap_rs_param_ZRS_PARAM_NR {
        let p = kunwrap!(Param::from_id(id));
        kunit_assert_eq!(p as u32, id);
    }
    kunit_assert_eq!(Param::from_id(ffi::zswap_rs_param_ZRS_PARAM_NR), None);
}

fn zpool_values() {
    kunit_assert_eq!(
        parse(Param::Zpool, b"zbud\n"),
        Ok(Value::Zpool(Layout::Zbud))
    );
    kunit_assert_eq!(
        parse(Param::Zpool, b"zpack"),
        Ok(Value::Zpool(Layout::Zpack))
    );
    kunit_assert_eq!(
        parse(Param::Zpool, b"zchain\n"),
        Ok(Value::Zpool(Layout::Zchain))
    );
    for bad in [
        &b"zsmalloc"[..],
        b"",
        b"ZPACK",
        b"zpack2",
        b"z3fold",
        b"zchains",
    ] {
        kunit_assert_eq!(parse(Param::Zpool, bad), Err(EINVAL));
    }
}

fn writeback_values() {
    kunit_assert_eq!(parse(Param::Writeback, b"Y\n"), Ok(Value::Bool(true)));
    kunit_assert_eq!(parse(Param::Writeback, b"off"), Ok(Value::Bool(false)));
    kunit_assert_eq!(parse(Param::Writeback, b"0"), Ok(Value::Bool(false)));
    // "1" is a count (one frame), not `Y`.
    kunit_assert_eq!(parse(Param::Writeback, b"1\n"), Ok(Value::WriteBackNow(1)));
    kunit_assert_eq!(
        parse(Param::Writeback, b"200"),
        Ok(Value::WriteBackNow(200))
    );
    kunit_assert_eq!(
        parse(Param::Writeback, b"1000000"),
        Ok(Value::WriteBackNow(1_000_000))
    );
    kunit_assert_eq!(parse(Param::Writeback, b"1000001"), Err(ERANGE));
    kunit_assert_eq!(parse(Param::Writeback, b"-3"), Err(EINVAL));
    kunit_assert_eq!(parse(Param::ShrinkerWriteback, b"7"), Err(EINVAL));
}

fn writeback_run_values() {
    for (v, n) in [(&b"1"[..], 1), (b"8\n", 8), (b"64", 64), (b"256", 256)] {
        kunit_assert_eq!(parse(Param::WritebackRun, v), Ok(Value::Slots(n)));
    }
    // Not a power of two, zero, not a number.
    for bad in [&b"0"[..], b"3", b"12", b"255", b"", b"Y", b"-8", b"8k"] {
        kunit_assert_eq!(parse(Param::WritebackRun, bad), Err(EINVAL));
    }
    kunit_assert_eq!(parse(Param::WritebackRun, b"512"), Err(ERANGE));
}

fn parse_has_no_side_effects() {
    let before = crate::params::get_u32(&crate::params::KNOBS.max_pool_percent);
    kunit_assert_eq!(parse(Param::MaxPoolPercent, b"7"), Ok(Value::Percent(7)));
    kunit_assert_eq!(
        crate::params::get_u32(&crate::params::KNOBS.max_pool_percent),
        before
    );
}

kunit_suite!(
    PARAMS_SUITE,
    "zswap_rs_params",
    [
        booleans,
        percentages,
        writeback_run_values,
        compressor_values,
        ids_follow_glue_order,
        writeback_values,
        zpool_values,
        parse_has_no_side_effects
    ]
);
