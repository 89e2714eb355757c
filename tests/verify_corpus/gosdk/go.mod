// The aws-sdk-go-v2 generator and re-signer of the verifier corpus. Built
// offline from Debian's sources (golang-github-aws-aws-sdk-go-v2-dev,
// golang-github-aws-smithy-go-dev), as bindings/go/internal/refcheck is.
module github.com/sigv4rs/sigv4rs/tests/verify_corpus/gosdk

go 1.19

require (
	github.com/aws/aws-sdk-go-v2 v1.17.1
	github.com/aws/smithy-go v1.13.4
)

replace (
	github.com/aws/aws-sdk-go-v2 => /usr/share/gocode/src/github.com/aws/aws-sdk-go-v2
	github.com/aws/smithy-go => /usr/share/gocode/src/github.com/aws/smithy-go
)
