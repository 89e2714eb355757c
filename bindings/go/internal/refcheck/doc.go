// Package refcheck holds only tests: the sigv4rs binding checked against
// aws-sdk-go-v2's aws/signer/v4 (differential, an HTTP server verifying
// with the SDK) and a benchmark of both.
package refcheck
