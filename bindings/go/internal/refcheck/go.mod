// Tests that need the reference signer (aws-sdk-go-v2 aws/signer/v4): kept
// out of the main module so that one stays free of dependencies. Built
// offline from Debian's sources (golang-github-aws-aws-sdk-go-v2-dev and
// golang-github-aws-smithy-go-dev); no module proxy is needed.
module github.com/sigv4rs/sigv4rs-go/internal/refcheck

go 1.19

require (
	github.com/aws/aws-sdk-go-v2 v1.17.1
	github.com/aws/smithy-go v1.13.4
	github.com/sigv4rs/sigv4rs-go v0.0.0
)

replace (
	github.com/aws/aws-sdk-go-v2 => /usr/share/gocode/src/github.com/aws/aws-sdk-go-v2
	github.com/aws/smithy-go => /usr/share/gocode/src/github.com/aws/smithy-go
	github.com/sigv4rs/sigv4rs-go => ../..
)
