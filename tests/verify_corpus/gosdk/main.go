// Command gosdk signs the verifier corpus's inputs with aws-sdk-go-v2's
// aws/signer/v4 (v4.Signer SignHTTP and PresignHTTP), and re-signs other
// signers' header-form lines for the cross-check.
//
//	gosdk gen COUNT_PER_FORM < cases.jsonl > gosdk.jsonl
//	gosdk resign < other.jsonl   (one JSON summary line on stdout)
//	gosdk chunked < chunked-cases.jsonl > chunked-gosdk.jsonl   (chunked.go)
//
// S3-style inputs are signed with DisableURIPathEscaping and an
// X-Amz-Content-Sha256 header (header form; the payload's SHA-256 or
// UNSIGNED-PAYLOAD), UNSIGNED-PAYLOAD when presigned, as the SDK's S3
// client does; other services with the payload's SHA-256. Presigning runs
// with header hoisting on or off (the input's "hoist").
//
// An input is rejected (and the next one used) when the SDK's canonical
// query, which it sorts by decoded name and value, is not in the order
// SigV4 sorts the encoded ones (README: query-order): a server would
// compute another canonical request.
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go/logging"
)

type input struct {
	ID              int         `json:"id"`
	Form            string      `json:"form"`
	S3              bool        `json:"s3"`
	Method          string      `json:"method"`
	Scheme          string      `json:"scheme"`
	Host            string      `json:"host"`
	Path            string      `json:"path"`
	Query           string      `json:"query"`
	Headers         [][2]string `json:"headers"`
	BodyHex         string      `json:"body_hex"`
	AccessKeyID     string      `json:"access_key_id"`
	SecretAccessKey string      `json:"secret_access_key"`
	SessionToken    *string     `json:"session_token"`
	Region          string      `json:"region"`
	Service         string      `json:"service"`
	Time            int64       `json:"time"`
	Expires         *int64      `json:"expires"`
	UnsignedPayload bool        `json:"unsigned_payload"`
	Hoist           bool        `json:"hoist"`
}

// line is the corpus schema (README.md), fields in its order.
type line struct {
	Signer          string      `json:"signer"`
	Form            string      `json:"form"`
	S3              bool        `json:"s3"`
	Method          string      `json:"method"`
	URL             string      `json:"url"`
	Headers         [][2]string `json:"headers"`
	BodyHex         string      `json:"body_hex"`
	AccessKeyID     string      `json:"access_key_id"`
	SecretAccessKey string      `json:"secret_access_key"`
	SessionToken    *string     `json:"session_token"`
	Region          string      `json:"region"`
	Service         string      `json:"service"`
	Time            int64       `json:"time"`
	Expires         *int64      `json:"expires"`
	ID              int         `json:"id"`
	SignedPayload   string      `json:"signed_payload"`
	CanonicalReq    string      `json:"canonical_request"`
}

// captureLogger keeps the canonical request the signer logs (LogSigning).
type captureLogger struct{ creq string }

func (l *captureLogger) Logf(_ logging.Classification, _ string, v ...interface{}) {
	if len(v) > 0 {
		l.creq, _ = v[0].(string)
	}
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Go's transport writes a header value trimmed (textproto.TrimString).
func sent(v string) string { return textproto.TrimString(v) }

// wireHeaders lists headers as net/http writes them: Host, Content-Length,
// then the map in sorted key order, values in order.
func wireHeaders(host string, contentLength int64, h http.Header) [][2]string {
	out := [][2]string{{"Host", host}}
	if contentLength > 0 {
		out = append(out, [2]string{"Content-Length", strconv.FormatInt(contentLength, 10)})
	}
	keys := make([]string, 0, len(h))
	for k := range h {
		if strings.EqualFold(k, "Host") || strings.EqualFold(k, "Content-Length") {
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			out = append(out, [2]string{k, sent(v)})
		}
	}
	return out
}

// sigv4Sorted: the query's pairs (X-Amz-Signature aside) are in SigV4's
// order, by encoded name then encoded value.
func sigv4Sorted(rawQuery string) bool {
	type kv struct{ k, v string }
	var pairs []kv
	if rawQuery == "" {
		return true
	}
	for _, p := range strings.Split(rawQuery, "&") {
		k, v, _ := strings.Cut(p, "=")
		if k == "X-Amz-Signature" {
			continue
		}
		pairs = append(pairs, kv{k, v})
	}
	return sort.SliceIsSorted(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
}

func sign(in *input) (*line, bool, error) {
	body, err := hex.DecodeString(in.BodyHex)
	if err != nil {
		return nil, false, err
	}
	target := in.Path
	if in.Query != "" {
		target += "?" + in.Query
	}
	req, err := http.NewRequest(in.Method, in.Scheme+"://"+in.Host+target, bytes.NewReader(body))
	if err != nil {
		return nil, false, err
	}
	if req.URL.EscapedPath() != in.Path || req.URL.RawQuery != in.Query {
		return nil, false, fmt.Errorf("case %d: net/url changed the URL", in.ID)
	}
	for _, h := range in.Headers {
		req.Header.Add(h[0], h[1])
	}
	payload := sha256Hex(body)
	if in.S3 && (in.Form == "query" || in.UnsignedPayload) {
		payload = "UNSIGNED-PAYLOAD"
	}
	if in.S3 && in.Form == "header" {
		req.Header.Set("X-Amz-Content-Sha256", payload)
	}
	creds := aws.Credentials{AccessKeyID: in.AccessKeyID, SecretAccessKey: in.SecretAccessKey}
	if in.SessionToken != nil {
		creds.SessionToken = *in.SessionToken
	}
	log := &captureLogger{}
	signer := v4.NewSigner(func(o *v4.SignerOptions) {
		o.DisableURIPathEscaping = in.S3
		o.DisableHeaderHoisting = !in.Hoist
		o.LogSigning = true
		o.Logger = log
	})
	at := time.Unix(in.Time, 0).UTC()
	out := &line{Signer: "gosdk", Form: in.Form, S3: in.S3, Method: in.Method, BodyHex: in.BodyHex,
		AccessKeyID: in.AccessKeyID, SecretAccessKey: in.SecretAccessKey, SessionToken: in.SessionToken,
		Region: in.Region, Service: in.Service, Time: in.Time, Expires: in.Expires, ID: in.ID, SignedPayload: payload}
	ctx := context.Background()
	if in.Form == "header" {
		if err := signer.SignHTTP(ctx, creds, req, payload, in.Service, in.Region, at); err != nil {
			return nil, false, err
		}
		host := req.Host
		if host == "" {
			host = req.URL.Host
		}
		out.URL = req.URL.Scheme + "://" + host + req.URL.RequestURI()
		out.Headers = wireHeaders(host, req.ContentLength, req.Header)
		if !sigv4Sorted(req.URL.RawQuery) {
			return nil, false, nil
		}
	} else {
		q := req.URL.Query()
		q.Set("X-Amz-Expires", strconv.FormatInt(*in.Expires, 10))
		// The SDK's presign middleware adds X-Amz-Expires to the query
		// before signing; done here the same way, in the SDK's encoding.
		req.URL.RawQuery = strings.ReplaceAll(q.Encode(), "+", "%20")
		signedURI, signedHeaders, err := signer.PresignHTTP(ctx, creds, req, payload, in.Service, in.Region, at)
		if err != nil {
			return nil, false, err
		}
		u, err := url.Parse(signedURI)
		if err != nil {
			return nil, false, err
		}
		out.URL = signedURI
		host := signedHeaders.Get("Host")
		out.Headers = wireHeaders(host, req.ContentLength, signedHeaders)
		if !sigv4Sorted(u.RawQuery) {
			return nil, false, nil
		}
	}
	out.CanonicalReq = log.creq
	return out, true, nil
}

func gen(want int) error {
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	done := map[string]int{}
	rejected := 0
	for sc.Scan() {
		var in input
		if err := json.Unmarshal(sc.Bytes(), &in); err != nil {
			return err
		}
		if done[in.Form] >= want {
			continue
		}
		out, ok, err := sign(&in)
		if err != nil {
			return err
		}
		if !ok {
			rejected++
			continue
		}
		if err := enc.Encode(out); err != nil {
			return err
		}
		done[in.Form]++
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if done["header"] < want || done["query"] < want {
		return fmt.Errorf("only %v lines, want %d per form", done, want)
	}
	fmt.Fprintf(os.Stderr, "gosdk: %d inputs rejected (query-order)\n", rejected)
	return nil
}

// --- resign: header-form lines of another signer, re-signed by the SDK.

func authParts(a string) (signed []string) {
	for _, part := range strings.Split(a, ",") {
		part = strings.TrimSpace(part)
		if strings.HasPrefix(part, "SignedHeaders=") {
			return strings.Split(strings.TrimPrefix(part, "SignedHeaders="), ";")
		}
	}
	return nil
}

func resign(l *line) (string, string, error) {
	u, err := url.Parse(l.URL)
	if err != nil {
		return "", "", err
	}
	var auth string
	for _, h := range l.Headers {
		if strings.EqualFold(h[0], "Authorization") {
			auth = h[1]
		}
	}
	signed := map[string]bool{}
	for _, s := range authParts(auth) {
		signed[s] = true
	}
	body, _ := hex.DecodeString(l.BodyHex)
	req := &http.Request{Method: l.Method, URL: u, Header: http.Header{}}
	payload := sha256Hex(body)
	for _, h := range l.Headers {
		name := strings.ToLower(h[0])
		switch {
		case name == "x-amz-content-sha256":
			payload = h[1]
		}
		if !signed[name] {
			continue
		}
		switch name {
		case "host":
			req.Host = h[1]
		case "content-length":
			req.ContentLength, _ = strconv.ParseInt(h[1], 10, 64)
		default:
			req.Header.Add(h[0], h[1])
		}
	}
	creds := aws.Credentials{AccessKeyID: l.AccessKeyID, SecretAccessKey: l.SecretAccessKey}
	if l.SessionToken != nil {
		creds.SessionToken = *l.SessionToken
	}
	log := &captureLogger{}
	signer := v4.NewSigner(func(o *v4.SignerOptions) {
		o.DisableURIPathEscaping = l.S3
		o.LogSigning = true
		o.Logger = log
	})
	if err := signer.SignHTTP(context.Background(), creds, req, payload, l.Service, l.Region, time.Unix(l.Time, 0).UTC()); err != nil {
		return "", "", err
	}
	return req.Header.Get("Authorization"), auth, nil
}

func resignAll() error {
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	type count struct {
		Checked, Agree int
		Disagree       []int
	}
	res := map[string]*count{"s3": {}, "non-s3": {}}
	for sc.Scan() {
		var l line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return err
		}
		if l.Form != "header" {
			continue
		}
		key := "non-s3"
		if l.S3 {
			key = "s3"
		}
		got, want, err := resign(&l)
		if err != nil {
			return err
		}
		c := res[key]
		c.Checked++
		if got == want {
			c.Agree++
		} else {
			c.Disagree = append(c.Disagree, l.ID)
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	b, _ := json.Marshal(res)
	fmt.Println(string(b))
	return nil
}

func main() {
	var err error
	switch {
	case len(os.Args) == 3 && os.Args[1] == "gen":
		var n int
		n, err = strconv.Atoi(os.Args[2])
		if err == nil {
			err = gen(n)
		}
	case len(os.Args) == 2 && os.Args[1] == "resign":
		err = resignAll()
	case len(os.Args) == 2 && os.Args[1] == "chunked":
		err = chunkedGen()
	default:
		err = fmt.Errorf("usage: gosdk gen COUNT_PER_FORM < cases | gosdk resign < corpus | gosdk chunked < chunked-cases")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gosdk:", err)
		os.Exit(1)
	}
}
