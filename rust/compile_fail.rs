// SPDX-License-Identifier: GPL-2.0

//! Misuses of the `sys` layer that must not compile; never part of a
//! module.  `scripts/check-compile-fail.sh` builds the crate once per case
//! with `--cfg zrs_compile_fail="<case>"` and requires the error code the
//! case names (and the `control` case, a correct use, to build).

#![allow(dead_code, unused_imports, unused_variables)]

use crate::sys::movable::{MovableOps, MovablePage};
use crate::sys::page::Page;
use crate::sys::swapcache::{Filled, NewSwapPage, WrittenPage};
use crate::sys::Gfp;

/// A correct use of what the cases below misuse: must build.
#[cfg(zrs_compile_fail = "control")]
fn control(mut p: NewSwapPage, ops: &'static MovableOps) -> (WrittenPage, Option<MovablePage>) {
    let f = p.fill_words(0);
    (p.write(f), ops.alloc(Gfp::KERNEL))
}

/// E0451: an RCU/SRCU guard made outside `sys::rcu` (its field is private).
#[cfg(zrs_compile_fail = "rcu_guard_forge")]
fn rcu_guard_forge() {
    let g = crate::sys::rcu::Guard {
        idx: 0,
        _not_send: core::marker::PhantomData,
    };
}

/// E0603: a read-side section entered outside `sys/`.
#[cfg(zrs_compile_fail = "rcu_read_outside_sys")]
fn rcu_read_outside_sys() {
    crate::sys::rcu::read(|_g| ());
}

/// E0061: a new swap-cache page written without a proof of fill.
#[cfg(zrs_compile_fail = "swap_write_unfilled")]
fn swap_write_unfilled(p: NewSwapPage) -> WrittenPage {
    p.write()
}

/// E0451: a proof of fill forged.
#[cfg(zrs_compile_fail = "swap_filled_forge")]
fn swap_filled_forge(p: NewSwapPage) -> WrittenPage {
    let f = Filled { id: 0 };
    p.write(f)
}

/// E0308: a movable page taken as a plain `Page` (whose drop would free it
/// still registered).
#[cfg(zrs_compile_fail = "movable_as_plain_page")]
fn movable_as_plain_page(ops: &'static MovableOps) -> Option<Page> {
    ops.alloc(Gfp::KERNEL)
}

/// E0616: the `Page` inside a movable page moved out.
#[cfg(zrs_compile_fail = "movable_page_unwrapped")]
fn movable_page_unwrapped(p: MovablePage) -> Page {
    p.page
}
