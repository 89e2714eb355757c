package sigv4rs

import (
	"net/http"
	"testing"
)

func BenchmarkZZRaw(b *testing.B) {
	s := benchS3Signer(b)
	req, _ := http.NewRequest("GET", "https://examplebucket.s3.amazonaws.com/test.txt?list-type=2&prefix=photos%2F2026", nil)
	req.Header.Set("Range", "bytes=0-9")
	p := getPacker()
	n, _, _ := packHTTP(p, req, false)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.request(opSign, p, n, PayloadBytes, nil, s.clock(), authHeaders, 0); err != nil {
			b.Fatal(err)
		}
	}
}
