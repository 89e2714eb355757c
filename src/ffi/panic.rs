//! Panic handler for bare-metal builds (C firmware cannot provide one).
//! Firmware builds use `panic = "abort"`; a panic is a bug, and stopping is
//! the only safe answer without an OS.

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    loop {
        core::hint::spin_loop();
    }
}
