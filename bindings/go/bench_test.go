package sigv4rs

// The binding alone (the comparison with aws-sdk-go-v2 is in
// internal/refcheck): W1 of /work/shared/bench/WORKLOADS.md through
// *http.Request and through the low-level Request, and W3 (presign).

import (
	"net/http"
	"testing"
	"time"
)

const benchToken = "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="

func benchS3Signer(b *testing.B) *Signer {
	return newTestSigner(b, func(c *Config) {
		c.SessionToken, c.Service, c.S3 = benchToken, "s3", true
	})
}

func BenchmarkW1Sign(b *testing.B) {
	s := benchS3Signer(b)
	req, _ := http.NewRequest("GET", "https://examplebucket.s3.amazonaws.com/test.txt?list-type=2&prefix=photos%2F2026", nil)
	req.Header.Set("Range", "bytes=0-9")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		// W1 each time: without this, the previous round's X-Amz-* and
		// Authorization headers would be signed too.
		for _, k := range [...]string{"X-Amz-Date", "X-Amz-Content-Sha256", "X-Amz-Security-Token", "Authorization"} {
			delete(req.Header, k)
		}
		if err := s.Sign(req, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkW1SignRaw(b *testing.B) {
	s := benchS3Signer(b)
	r := &Request{
		Method:  "GET",
		URL:     "https://examplebucket.s3.amazonaws.com/test.txt?list-type=2&prefix=photos%2F2026",
		Headers: []Header{{"host", "examplebucket.s3.amazonaws.com"}, {"range", "bytes=0-9"}},
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := s.SignRaw(r, fixed); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkW3Presign(b *testing.B) {
	s := benchS3Signer(b)
	req, _ := http.NewRequest("GET", "https://examplebucket.s3.amazonaws.com/test.txt", nil)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := s.Presign(req, time.Hour); err != nil {
			b.Fatal(err)
		}
	}
}
