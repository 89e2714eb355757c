//go:build !sigv4rs_dev && !sigv4rs_static

package sigv4rs

// Default: the library installed by `make install` (header, libsigv4rs.so,
// sigv4rs.pc), found through pkg-config; the program needs libsigv4rs.so.0.3
// at run time. Another prefix: PKG_CONFIG_PATH, plus an rpath
// (CGO_LDFLAGS=-Wl,-rpath,PREFIX/lib) when the loader does not search it.

// #cgo pkg-config: sigv4rs
import "C"
