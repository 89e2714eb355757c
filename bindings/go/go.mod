module github.com/sigv4rs/sigv4rs-go

go 1.19
