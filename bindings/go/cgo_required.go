//go:build !cgo

package sigv4rs

// The package calls the sigv4rs C library through cgo, so a build with
// CGO_ENABLED=0 (the default when cross-compiling, or with no C compiler)
// stops here with one error naming the fix. The other files need cgo or
// carry `//go:build cgo`; this stands in for cgo.go's statusText, which
// errors.go and abi_gen.go use.
func statusText(uint32) string {
	return sigv4rs_requires_cgo__set_CGO_ENABLED_1_and_install_gcc
}
