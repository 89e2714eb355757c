//! The panic boundary: no unwind ever crosses into C. `std` builds catch the
//! panic and return `SIGV4RS_STATUS_PANIC`; firmware builds use
//! `panic = "abort"`.

/// Runs a status-returning body, turning a panic into `Panic`.
macro_rules! ffi_boundary {
    ($($body:tt)*) => {{
        #[cfg(feature = "std")]
        {
            match std::panic::catch_unwind(core::panic::AssertUnwindSafe(
                || -> $crate::ffi::status::sigv4rs_status { $($body)* },
            )) {
                Ok(s) => s,
                Err(_) => $crate::ffi::status::sigv4rs_status::Panic,
            }
        }
        #[cfg(not(feature = "std"))]
        {
            // A closure, so that `return` in the body leaves the body only.
            #[allow(clippy::redundant_closure_call)]
            let s = (|| -> $crate::ffi::status::sigv4rs_status { $($body)* })();
            s
        }
    }};
}

/// Like `ffi_boundary!` for bodies that return nothing.
macro_rules! ffi_boundary_void {
    ($($body:tt)*) => {{
        #[cfg(feature = "std")]
        {
            let _ = std::panic::catch_unwind(core::panic::AssertUnwindSafe(|| { $($body)* }));
        }
        #[cfg(not(feature = "std"))]
        {
            $($body)*
        }
    }};
}

/// Early return of a status from inside a boundary body.
macro_rules! try_status {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(s) => return $crate::ffi::status::sigv4rs_status::from(s),
        }
    };
}

pub(crate) use {ffi_boundary, ffi_boundary_void, try_status};
