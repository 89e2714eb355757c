// Command verifier_server is a loopback S3-compatible test server whose
// authentication is the Go binding's Verifier middleware: the third target
// of tests/interop/run.py beside s3s-fs and moto. It keeps buckets and
// objects in memory and answers path-style requests: CreateBucket,
// HeadBucket, DeleteBucket, ListBuckets, GetBucketLocation, ListObjectsV2
// and V1 (prefix, delimiter, start-after/marker, max-keys, encoding-type=url),
// PutObject (single-shot or aws-chunked in every mode, or through a
// presigned URL), GetObject (Range), HeadObject, DeleteObject.
//
// Every request must be signed with --access-key/--secret-key for
// --region and service s3 (header or presigned). A refused request is
// answered 4xx with an S3 XML error and logged on stderr as
// "sigv4rs: rejected METHOD TARGET: status N (text) key ID". An upload
// whose body fails verification is never stored: the object is committed
// only once its body read to io.EOF.
//
// Test server only: no TLS, no persistence, one account.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"

	sigv4rs "github.com/sigv4rs/sigv4rs-go"
)

type tokenKey struct{}

func main() {
	host := flag.String("host", "127.0.0.1", "address to listen on")
	port := flag.Int("port", 9000, "port to listen on (0: any free one)")
	ak := flag.String("access-key", "", "the access key id requests are signed with")
	sk := flag.String("secret-key", "", "its secret")
	region := flag.String("region", "us-east-1", "the region requests are scoped to")
	token := flag.String("session-token", "", "a session token requests of the key may also carry (then signed)")
	buffer := flag.Bool("buffer", false, "verify each upload whole before the handler sees it (MiddlewareOptions.Buffer)")
	flag.Parse()
	if *ak == "" || *sk == "" {
		fmt.Fprintln(os.Stderr, "verifier_server: --access-key and --secret-key are required")
		os.Exit(2)
	}
	logger := log.New(os.Stderr, "", log.LstdFlags|log.Lmicroseconds)
	h, err := newHandler(options{accessKey: *ak, secretKey: *sk, region: *region, token: *token,
		buffer: *buffer, logf: logger.Printf})
	if err != nil {
		logger.Fatal(err)
	}

	ln, err := net.Listen("tcp", net.JoinHostPort(*host, strconv.Itoa(*port)))
	if err != nil {
		logger.Fatal(err)
	}
	logger.Printf("verifier_server: listening on http://%s (region %s, key %s)", ln.Addr(), *region, *ak)
	srv := &http.Server{Handler: h, ErrorLog: logger}
	logger.Fatal(srv.Serve(ln))
}

type options struct {
	accessKey, secretKey, region, token string
	buffer                              bool
	logf                                func(format string, args ...any)
}

// newHandler is the store behind the verifier middleware, for one key.
func newHandler(o options) (http.Handler, error) {
	v, err := sigv4rs.NewVerifier(sigv4rs.VerifierConfig{
		Region:  o.region,
		Service: "s3",
		S3:      true,
		Lookup: func(ctx context.Context, id string) (sigv4rs.Credentials, error) {
			if id != o.accessKey {
				return sigv4rs.Credentials{}, sigv4rs.ErrUnknownAccessKey
			}
			c := sigv4rs.Credentials{SecretAccessKey: o.secretKey}
			// One key, with or without the one token: a request that
			// carries a token must carry that one (another is refused).
			if claimed, _ := ctx.Value(tokenKey{}).(string); o.token != "" && claimed == o.token {
				c.SessionToken = o.token
			}
			return c, nil
		},
	})
	if err != nil {
		return nil, err
	}
	mw := v.MiddlewareWith(sigv4rs.MiddlewareOptions{
		Buffer:  o.buffer,
		MaxBody: 64 << 20,
		OnReject: func(r *http.Request, res *sigv4rs.VerifyResult, err error) {
			o.logf("sigv4rs: rejected %s %s: %s key %q", r.Method, r.RequestURI, describe(err), res.AccessKeyID)
		},
	}, newStore(o.region))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claimed := r.Header.Get("X-Amz-Security-Token")
		if claimed == "" {
			claimed = r.URL.Query().Get("X-Amz-Security-Token")
		}
		mw.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), tokenKey{}, claimed)))
	}), nil
}

// describe names a verification error without anything secret: its status
// number and the library's text.
func describe(err error) string {
	var e *sigv4rs.Error
	if errors.As(err, &e) {
		return fmt.Sprintf("status %d (%s)", e.Status, e.Message)
	}
	return strings.ReplaceAll(err.Error(), "\n", " ")
}
