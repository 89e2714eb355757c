package sigv4rs_test

// x-amz-checksum-* values (ChecksumHeader, ChecksumHash) against those
// botocore and awscrt compute (../../tests/data/checksum-vectors.json,
// written by tests/tools/checksum_vectors.py), the empty payload included.

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	sigv4rs "github.com/sigv4rs/sigv4rs-go"
)

var checksumAlgs = []struct {
	name string
	alg  sigv4rs.Checksum
}{
	{"crc32", sigv4rs.ChecksumCRC32},
	{"crc32c", sigv4rs.ChecksumCRC32C},
	{"crc64nvme", sigv4rs.ChecksumCRC64NVME},
	{"sha1", sigv4rs.ChecksumSHA1},
	{"sha256", sigv4rs.ChecksumSHA256},
}

type checksumCase struct {
	name string
	data []byte
	want map[string]string // algorithm -> base64 value
}

func loadChecksumVectors(t *testing.T) []checksumCase {
	t.Helper()
	text, err := os.ReadFile(filepath.Join("..", "..", "tests", "data", "checksum-vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Cases []map[string]any `json:"cases"`
	}
	if err := json.Unmarshal(text, &doc); err != nil {
		t.Fatal(err)
	}
	var out []checksumCase
	for _, c := range doc.Cases {
		str := func(k string) string { s, _ := c[k].(string); return s }
		var data []byte
		if h, ok := c["payload_hex"].(string); ok {
			data, err = hex.DecodeString(h)
		} else {
			var unit []byte
			unit, err = hex.DecodeString(str("repeat_hex"))
			n, _ := c["count"].(float64)
			data = bytes.Repeat(unit, int(n))
		}
		if err != nil {
			t.Fatal(err)
		}
		cc := checksumCase{name: str("name"), data: data, want: map[string]string{}}
		for _, a := range checksumAlgs {
			if cc.want[a.name] = str(a.name); cc.want[a.name] == "" {
				t.Fatalf("%s: no %s", cc.name, a.name)
			}
		}
		out = append(out, cc)
	}
	if len(out) < 30 || len(out[0].data) != 0 {
		t.Fatalf("the vectors file lost cases (%d)", len(out))
	}
	return out
}

func TestChecksumsMatchBotocore(t *testing.T) {
	n, good := 0, 0
	for _, c := range loadChecksumVectors(t) {
		for _, a := range checksumAlgs {
			ok := true
			fail := func(format string, args ...any) {
				t.Errorf(format, args...)
				ok = false
			}
			want := c.want[a.name]
			what := a.name + " of " + c.name
			wantHeader := sigv4rs.Header{Name: "x-amz-checksum-" + a.name, Value: want}

			// Single-shot.
			if got, err := sigv4rs.ChecksumHeader(a.alg, c.data); err != nil || got != wantHeader {
				fail("%s: ChecksumHeader %v, %v; want %v", what, got, err, wantHeader)
			}

			// Incremental, uneven pieces; half-way a fork (a copy) that
			// must finish alike, and a Value that must not end the sum.
			h, err := sigv4rs.NewChecksumHash(a.alg)
			if err != nil {
				t.Fatal(err)
			}
			first, rest := c.data[:len(c.data)/3], c.data[len(c.data)/3:]
			h.Write(first)
			_ = h.Value()
			fork := *h
			for len(rest) > 0 {
				k := len(rest)
				if k > 997 {
					k = 997
				}
				h.Write(rest[:k])
				rest = rest[k:]
			}
			if got := h.Header(); got != wantHeader {
				fail("%s: incremental %v", what, got)
			}
			fork.Write(c.data[len(c.data)/3:])
			if got := fork.Value(); got != want {
				fail("%s: forked %s", what, got)
			}
			raw, _ := base64.StdEncoding.DecodeString(want)
			if got := h.Sum([]byte("x")); !bytes.Equal(got, append([]byte("x"), raw...)) || h.Size() != len(raw) {
				fail("%s: Sum %x (Size %d), want %x", what, got, h.Size(), raw)
			}
			h.Reset()
			h.Write(c.data)
			if got := h.Value(); got != want {
				fail("%s: after Reset %s", what, got)
			}
			n++
			if ok {
				good++
			}
		}
	}
	fmt.Printf("go checksums vs botocore/awscrt: %d/%d\n", good, n)
}

func TestChecksumNamesAndErrors(t *testing.T) {
	for _, a := range checksumAlgs {
		if got := a.alg.HeaderName(); got != "x-amz-checksum-"+a.name {
			t.Errorf("%s: HeaderName %q", a.name, got)
		}
	}
	for _, c := range []sigv4rs.Checksum{sigv4rs.ChecksumNone, 6, 1 << 31} {
		if got := c.HeaderName(); got != "" {
			t.Errorf("checksum %d: HeaderName %q", c, got)
		}
		if _, err := sigv4rs.NewChecksumHash(c); !errors.Is(err, sigv4rs.ErrInvalidArgument) {
			t.Errorf("checksum %d: NewChecksumHash: %v", c, err)
		}
		if _, err := sigv4rs.ChecksumHeader(c, []byte("x")); !errors.Is(err, sigv4rs.ErrInvalidArgument) {
			t.Errorf("checksum %d: ChecksumHeader: %v", c, err)
		}
	}
	var zero sigv4rs.ChecksumHash
	var e *sigv4rs.Error
	if _, err := zero.Write([]byte("x")); !errors.Is(err, sigv4rs.ErrNotInitialized) || !errors.As(err, &e) {
		t.Errorf("zero ChecksumHash: Write: %v", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("zero ChecksumHash: Value did not panic")
		}
	}()
	_ = zero.Value()
}
