package sigv4rs

// The shortcuts packHTTPLen takes agree with what they stand for.

import (
	"net/http"
	"net/url"
	"testing"
)

// wirePath sends what net/url's EscapedPath gives, byte by byte, with and
// without a RawPath.
func TestWirePathIsEscapedPath(t *testing.T) {
	check := func(u *url.URL) {
		t.Helper()
		want := u.EscapedPath()
		if want == "" {
			want = "/"
		}
		if got := wirePath(&http.Request{URL: u}); got != want {
			t.Errorf("Path %q RawPath %q: wirePath %q, EscapedPath %q", u.Path, u.RawPath, got, want)
		}
	}
	for c := 0; c < 256; c++ {
		path := "/a" + string([]byte{byte(c)}) + "b"
		check(&url.URL{Path: path})
		check(&url.URL{Path: path, RawPath: "/a%2Fb"})
	}
	for _, u := range []*url.URL{
		{Path: ""}, {Path: "*"}, {Path: "/*"}, {Path: "/a b"}, {Path: "/a/b", RawPath: "/a%2Fb"},
		{Path: "/a/b", RawPath: "/a%2fb"}, {Path: "/a b", RawPath: "/a%20b"}, {Path: "/a", RawPath: "/b"},
	} {
		check(u)
	}
}

// withoutDefaultPort's early out (a host whose last byte is no digit and
// no ':' has no port) keeps its results.
func TestWithoutDefaultPort(t *testing.T) {
	for _, tc := range []struct{ host, scheme, want string }{
		{"", "https", ""},
		{"example.com", "https", "example.com"},
		{"example.com:", "https", "example.com"},
		{"example.com:443", "https", "example.com"},
		{"example.com:0443", "https", "example.com"},
		{"example.com:443", "http", "example.com:443"},
		{"example.com:80", "HTTP", "example.com"},
		{"example.com:8443", "https", "example.com:8443"},
		{"example.com:000443", "https", "example.com:000443"},
		{"example.com:44a", "https", "example.com:44a"},
		{"[::1]", "https", "[::1]"},
		{"[::1]:443", "https", "[::1]"},
		{"[::1]:", "https", "[::1]"},
		{"::1", "https", "::1"},
		{"fe80::443", "https", "fe80::443"},
		{"1.2.3.4:443", "https", "1.2.3.4"},
		{"1.2.3.4", "https", "1.2.3.4"},
	} {
		if got := withoutDefaultPort(tc.host, tc.scheme); got != tc.want {
			t.Errorf("withoutDefaultPort(%q, %q) = %q, want %q", tc.host, tc.scheme, got, tc.want)
		}
	}
}
