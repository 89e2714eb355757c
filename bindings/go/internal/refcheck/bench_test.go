package refcheck

// Workloads of /work/shared/bench/WORKLOADS.md, both signers in one run:
//
//	go test -run '^$' -bench . -benchmem
//
// W1: S3 GET with a Range header and a signed session token, header mode.
// W3: S3 presigned GET, 3600 s. "reuse": one signer, only the per-request
// work is timed; "fresh": a new signer (new signing key) per signature.

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	sigv4rs "github.com/sigv4rs/sigv4rs-go"
)

const (
	benchAKID   = "AKIDEXAMPLE"
	benchSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	benchToken  = "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="
	w1URL       = "https://examplebucket.s3.amazonaws.com/test.txt?list-type=2&prefix=photos%2F2026"
	w3URL       = "https://examplebucket.s3.amazonaws.com/test.txt"
)

var benchTime = time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)

func benchSigner(b *testing.B) *sigv4rs.Signer {
	s, err := sigv4rs.NewSigner(sigv4rs.Config{
		AccessKeyID: benchAKID, SecretAccessKey: benchSecret, SessionToken: benchToken,
		Region: "us-east-1", Service: "s3", S3: true,
		Now: func() time.Time { return benchTime },
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

func w1Request(b *testing.B) *http.Request {
	req, err := http.NewRequest("GET", w1URL, nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Range", "bytes=0-9")
	return req
}

var benchCreds = aws.Credentials{AccessKeyID: benchAKID, SecretAccessKey: benchSecret, SessionToken: benchToken}

func s3Opts(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }

// sdkW1 signs as the SDK's S3 client does: X-Amz-Content-Sha256 first.
func sdkW1(b *testing.B, sdk *v4.Signer, req *http.Request) {
	req.Header.Set("X-Amz-Content-Sha256", emptySHA256)
	if err := sdk.SignHTTP(context.Background(), benchCreds, req, emptySHA256, "s3", "us-east-1", benchTime, s3Opts); err != nil {
		b.Fatal(err)
	}
}

// Both signers must agree on the workload before being timed.
func checkW1(b *testing.B) {
	ours, theirs := w1Request(b), w1Request(b)
	if err := benchSigner(b).Sign(ours, nil); err != nil {
		b.Fatal(err)
	}
	sdkW1(b, v4.NewSigner(), theirs)
	if ours.Header.Get("Authorization") != theirs.Header.Get("Authorization") {
		b.Fatalf("W1 signatures differ:\n%s\n%s", ours.Header.Get("Authorization"), theirs.Header.Get("Authorization"))
	}
}

func BenchmarkW1Reuse(b *testing.B) {
	checkW1(b)
	b.Run("sigv4rs", func(b *testing.B) {
		s, req := benchSigner(b), w1Request(b)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := s.Sign(req, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("aws-sdk-go-v2", func(b *testing.B) {
		sdk, req := v4.NewSigner(), w1Request(b)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			sdkW1(b, sdk, req)
		}
	})
}

func BenchmarkW1Fresh(b *testing.B) {
	checkW1(b)
	cfg := sigv4rs.Config{
		AccessKeyID: benchAKID, SecretAccessKey: benchSecret, SessionToken: benchToken,
		Region: "us-east-1", Service: "s3", S3: true,
		Now: func() time.Time { return benchTime },
	}
	b.Run("sigv4rs", func(b *testing.B) {
		req := w1Request(b)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			s, err := sigv4rs.NewSigner(cfg)
			if err != nil {
				b.Fatal(err)
			}
			if err := s.Sign(req, nil); err != nil {
				b.Fatal(err)
			}
			s.Close()
		}
	})
	b.Run("aws-sdk-go-v2", func(b *testing.B) {
		req := w1Request(b)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			sdkW1(b, v4.NewSigner(), req)
		}
	})
}

func BenchmarkW3PresignReuse(b *testing.B) {
	req, _ := http.NewRequest("GET", w3URL, nil)
	ours, err := benchSigner(b).Presign(req, time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	sdkReq, _ := http.NewRequest("GET", w3URL+"?X-Amz-Expires="+strconv.Itoa(3600), nil)
	theirs, _, err := v4.NewSigner().PresignHTTP(context.Background(), benchCreds, sdkReq, "UNSIGNED-PAYLOAD", "s3", "us-east-1", benchTime, s3Opts)
	if err != nil {
		b.Fatal(err)
	}
	a, _ := presignedParams(ours)
	c, _ := presignedParams(theirs)
	if a.Get("X-Amz-Signature") != c.Get("X-Amz-Signature") {
		b.Fatalf("W3 signatures differ:\n%s\n%s", ours, theirs)
	}
	b.Run("sigv4rs", func(b *testing.B) {
		s := benchSigner(b)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := s.Presign(req, time.Hour); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("aws-sdk-go-v2", func(b *testing.B) {
		sdk := v4.NewSigner()
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			// PresignHTTP clones the request; it does not change sdkReq.
			if _, _, err := sdk.PresignHTTP(context.Background(), benchCreds, sdkReq, "UNSIGNED-PAYLOAD", "s3", "us-east-1", benchTime, s3Opts); err != nil {
				b.Fatal(err)
			}
		}
	})
}
