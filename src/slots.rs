//! Two slots and a switch: the one `unsafe` structure behind live credential
//! rotation. Readers (signing calls) never wait and never see a slot being
//! written; one writer at a time fills the inactive slot, makes it active,
//! then clears the one it replaced once its readers are gone.
//!
//! Protocol (all atomics SeqCst):
//! - a reader loads `active = i`, counts itself in `readers[i]`, and keeps
//!   the slot only if `active` still equals `i` (else uncounts and retries);
//! - the writer holds `writer`, writes slot `j != active` only while
//!   `readers[j] == 0`, then stores `active = j`.
//!
//! A reader that counted itself in `j` before that store sees `active != j`
//! on its re-check, so it never reads a slot while it is written; a reader
//! holding `i` keeps it intact, because the writer only clears `i` once
//! `readers[i]` is back to zero.
//!
//! Cores without compare-and-swap (RV32IMC) cannot count readers; there a
//! writer must not run concurrently with readers (the C ABI says so).

use core::cell::UnsafeCell;
use core::ops::Deref;
use core::sync::atomic::{AtomicU32, Ordering::SeqCst};

/// A slot's contents: cleared (secrets zeroed) when replaced.
pub(crate) trait Clear {
    fn clear(&mut self);
    /// Whether the slot holds anything (a cleared slot does not).
    fn is_set(&self) -> bool;
}

/// `active`: 0 = no slot (so all-zero memory is an empty pair), else the
/// slot's index + 1.
const NONE: u32 = 0;
/// Spins a writer may wait for readers (each signing call holds a slot for
/// microseconds): about a millisecond, then it gives up.
const SPINS: u32 = 1 << 20;

/// Why a write did not happen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WriteError<E> {
    /// Another writer holds the switch, or readers of the slot to fill did
    /// not leave in time.
    Busy,
    /// The fill function refused; nothing changed.
    Fill(E),
}

pub(crate) struct Slots<T> {
    slots: [UnsafeCell<T>; 2],
    readers: [AtomicU32; 2],
    active: AtomicU32,
    writer: AtomicU32,
}

// SAFETY: shared access follows the protocol above: a slot is written only
// by the one writer while no reader holds it, and read only while counted.
unsafe impl<T: Send + Sync> Sync for Slots<T> {}

/// A counted read of the active slot.
pub(crate) struct ReadGuard<'a, T> {
    owner: &'a Slots<T>,
    index: usize,
}

impl<T> Deref for ReadGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: counted in `readers[index]` and seen active after
        // counting: no writer touches this slot until the count drops.
        unsafe { &*self.owner.slots[self.index].get() }
    }
}

impl<T> Drop for ReadGuard<'_, T> {
    fn drop(&mut self) {
        #[cfg(target_has_atomic = "32")]
        self.owner.readers[self.index].fetch_sub(1, SeqCst);
    }
}

impl<T: Clear> Slots<T> {
    pub(crate) const fn new(a: T, b: T) -> Self {
        Slots {
            slots: [UnsafeCell::new(a), UnsafeCell::new(b)],
            readers: [AtomicU32::new(0), AtomicU32::new(0)],
            active: AtomicU32::new(NONE),
            writer: AtomicU32::new(0),
        }
    }

    /// The active slot, if any.
    pub(crate) fn read(&self) -> Option<ReadGuard<'_, T>> {
        loop {
            let i = self.active.load(SeqCst);
            if i == NONE {
                return None;
            }
            let index = (i as usize - 1) & 1;
            #[cfg(target_has_atomic = "32")]
            {
                self.readers[index].fetch_add(1, SeqCst);
                if self.active.load(SeqCst) != i {
                    self.readers[index].fetch_sub(1, SeqCst);
                    continue;
                }
            }
            return Some(ReadGuard { owner: self, index });
        }
    }

    /// Exclusive access: fills slot 0 and makes it the active one (or
    /// clears both when `fill` leaves it unset).
    pub(crate) fn set_mut(&mut self, fill: impl FnOnce(&mut T)) {
        for s in self.slots.iter_mut() {
            s.get_mut().clear();
        }
        let s = self.slots[0].get_mut();
        fill(s);
        let set = s.is_set();
        *self.active.get_mut() = if set { 1 } else { NONE };
    }

    /// Clears both slots (exclusive access).
    pub(crate) fn clear_mut(&mut self) {
        self.set_mut(|_| {});
    }

    /// Fills the inactive slot with `fill` and makes it active; the slot it
    /// replaces is then cleared (if its readers leave in time; else at the
    /// next write). Never blocks on another writer: `Busy` instead.
    #[cfg(target_has_atomic = "32")]
    pub(crate) fn write<E>(&self, fill: impl FnOnce(&mut T) -> Result<(), E>) -> Result<(), WriteError<E>> {
        if self.writer.compare_exchange(0, 1, SeqCst, SeqCst).is_err() {
            return Err(WriteError::Busy);
        }
        // Released on every exit, unwinding too (a fill that panics must
        // not leave the switch held: every later write would be Busy).
        struct Release<'a>(&'a AtomicU32);
        impl Drop for Release<'_> {
            fn drop(&mut self) {
                self.0.store(0, SeqCst);
            }
        }
        let _held = Release(&self.writer);
        self.write_held(fill, |i| self.wait_readers(i))
    }

    /// [`Slots::write`] on a core without compare-and-swap.
    ///
    /// # Safety
    /// No reader or other writer may run concurrently.
    #[cfg(not(target_has_atomic = "32"))]
    pub(crate) unsafe fn write<E>(&self, fill: impl FnOnce(&mut T) -> Result<(), E>) -> Result<(), WriteError<E>> {
        self.write_held(fill, |_| true)
    }

    #[cfg(target_has_atomic = "32")]
    fn wait_readers(&self, i: usize) -> bool {
        for _ in 0..SPINS {
            if self.readers[i].load(SeqCst) == 0 {
                return true;
            }
            core::hint::spin_loop();
        }
        false
    }

    fn write_held<E>(
        &self,
        fill: impl FnOnce(&mut T) -> Result<(), E>,
        no_readers: impl Fn(usize) -> bool,
    ) -> Result<(), WriteError<E>> {
        let old = self.active.load(SeqCst);
        // The slot to fill: the other one (slot 0 when none is active).
        let j = if old == 1 { 1 } else { 0 };
        if !no_readers(j) {
            return Err(WriteError::Busy);
        }
        // SAFETY: the writer switch is held and slot `j` is inactive with no
        // reader counted: nobody else can reach it (see the protocol).
        let slot = unsafe { &mut *self.slots[j].get() };
        slot.clear();
        if let Err(e) = fill(slot) {
            slot.clear();
            return Err(WriteError::Fill(e));
        }
        self.active.store(j as u32 + 1, SeqCst);
        let o = (old as usize).wrapping_sub(1) & 1;
        if old != NONE && no_readers(o) {
            // SAFETY: inactive now, no reader counted, switch held.
            unsafe { &mut *self.slots[o].get() }.clear();
        }
        Ok(())
    }
}

impl<T> Slots<T> {
    /// Exclusive access to both slots (for wiping on drop).
    pub(crate) fn each_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.slots.iter_mut().map(UnsafeCell::get_mut)
    }
}
