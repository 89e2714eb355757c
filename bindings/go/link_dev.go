//go:build sigv4rs_dev

package sigv4rs

// With -tags sigv4rs_dev (what this directory's Makefile sets): the static
// library of this checkout, for working on the binding without installing
// (run `cargo build --release` at the top level first). The extra libraries
// are what Rust's standard library needs (`--print native-static-libs`).

// #cgo CFLAGS: -I${SRCDIR}/../../include
// #cgo LDFLAGS: ${SRCDIR}/../../target/release/libsigv4rs.a -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
import "C"
