//go:build sigv4rs_pkgconfig

package sigv4rs

// With -tags sigv4rs_pkgconfig: an installed library (`make install`),
// found through pkg-config.

// #cgo pkg-config: sigv4rs
import "C"
