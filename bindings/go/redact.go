//go:build cgo

package sigv4rs

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// Secrets never reach fmt: Config and Credentials print their secret key
// and session token as "[redacted]" (empty ones as ""), whatever the verb
// (%v, %+v, %#v, %s, %q, %x, %d...), and Config's Provider as its type
// only (it may hold credentials of its own). The access key id is shown:
// it is no secret (every Authorization header carries it).

const redactedText = "[redacted]"

func redacted(s string) string {
	if s == "" {
		return ""
	}
	return redactedText
}

// Format implements fmt.Formatter.
func (c Credentials) Format(f fmt.State, verb rune) {
	type credentials Credentials // same fields, no Format
	r := credentials(c)
	r.SecretAccessKey = redacted(c.SecretAccessKey)
	r.SessionToken = redacted(c.SessionToken)
	formatAs(f, verb, r, "sigv4rs.credentials", "sigv4rs.Credentials")
}

// Format implements fmt.Formatter.
func (c Config) Format(f fmt.State, verb rune) {
	type config Config // same fields, no Format
	r := config(c)
	r.SecretAccessKey = redacted(c.SecretAccessKey)
	r.SessionToken = redacted(c.SessionToken)
	if c.Provider != nil {
		r.Provider = providerType{c.Provider}
	}
	formatAs(f, verb, r, "sigv4rs.config", "sigv4rs.Config")
}

// providerType prints a provider as its type name.
type providerType struct{ p CredentialsProvider }

func (t providerType) Retrieve(ctx context.Context) (Credentials, error) { return t.p.Retrieve(ctx) }

// Format implements fmt.Formatter.
func (t providerType) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "%T", t.p)
}

// formatAs prints v as the caller was asked to print itself, with the
// unexported copy type's name replaced by the exported one for %#v.
func formatAs(f fmt.State, verb rune, v any, from, to string) {
	out := fmt.Sprintf(directive(f, verb), v)
	if verb == 'v' && f.Flag('#') {
		out = strings.Replace(out, from, to, 1)
	}
	_, _ = f.Write([]byte(out))
}

// directive rebuilds the fmt directive of f and verb ("%+v", "%-8.3s").
func directive(f fmt.State, verb rune) string {
	var b strings.Builder
	b.WriteByte('%')
	for _, flag := range "+-# 0" {
		if f.Flag(int(flag)) {
			b.WriteRune(flag)
		}
	}
	if w, ok := f.Width(); ok {
		b.WriteString(strconv.Itoa(w))
	}
	if p, ok := f.Precision(); ok {
		b.WriteByte('.')
		b.WriteString(strconv.Itoa(p))
	}
	b.WriteRune(verb)
	return b.String()
}
