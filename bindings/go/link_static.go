//go:build sigv4rs_static && !sigv4rs_dev

package sigv4rs

// With -tags sigv4rs_static: the installed libsigv4rs.a, found through
// pkg-config, so the program needs no libsigv4rs.so at run time.
// `#cgo pkg-config` can only pass -lsigv4rs, which the linker resolves to
// the .so, so the archive is named first with -l: (every -L applies to it);
// --static adds Libs.private (Rust's native libraries), and --as-needed
// (not every toolchain's default) drops the .so that -lsigv4rs still
// names, since the archive already defines every symbol.

// #cgo pkg-config: --static sigv4rs
// #cgo LDFLAGS: -l:libsigv4rs.a -Wl,--as-needed
import "C"
