module github.com/sigv4rs/sigv4rs-go/verifier-server

go 1.19

require github.com/sigv4rs/sigv4rs-go v0.0.0-00010101000000-000000000000

replace github.com/sigv4rs/sigv4rs-go => ../../../bindings/go
