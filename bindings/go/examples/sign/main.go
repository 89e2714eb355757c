// Command sign signs one request offline and prints the canonical request,
// the string to sign and the headers to send (or the presigned URL).
//
//	go run ./examples/sign
//	go run ./examples/sign -s3 -service s3 -url https://examplebucket.s3.amazonaws.com/test.txt -presign 1h
//	go run ./examples/sign -method POST -service es -H 'Content-Type: application/json' -body '{"a":1}' \
//	    -url https://search-my-domain.us-west-2.es.amazonaws.com/movies/_doc/5 -region us-west-2
//
// Credentials come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
// AWS_SESSION_TOKEN, or are the public AWS example keys when unset.
package main

import (
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strings"
	"time"

	sigv4rs "github.com/sigv4rs/sigv4rs-go"
)

type headerFlags []string

func (h *headerFlags) String() string     { return strings.Join(*h, ", ") }
func (h *headerFlags) Set(v string) error { *h = append(*h, v); return nil }

func main() {
	method := flag.String("method", "GET", "HTTP method")
	rawURL := flag.String("url", "https://sts.us-east-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15", "request URL")
	region := flag.String("region", "us-east-1", "region")
	service := flag.String("service", "sts", "service signing name")
	s3 := flag.Bool("s3", false, "S3 rules")
	body := flag.String("body", "", "request body")
	presign := flag.Duration("presign", 0, "print a presigned URL valid this long instead of headers")
	at := flag.String("time", "2015-08-30T12:36:00Z", `signing time (RFC 3339) or "now"`)
	var headers headerFlags
	flag.Var(&headers, "H", `header "Name: value" (repeatable)`)
	flag.Parse()
	if err := run(*method, *rawURL, *region, *service, *s3, *body, *presign, *at, headers); err != nil {
		fmt.Fprintln(os.Stderr, "sign:", err)
		os.Exit(1)
	}
}

func run(method, rawURL, region, service string, s3 bool, body string, presign time.Duration, at string, headers []string) error {
	now := time.Now
	if at != "now" {
		t, err := time.Parse(time.RFC3339, at)
		if err != nil {
			return err
		}
		now = func() time.Time { return t }
	}
	akid, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if akid == "" || secret == "" {
		akid, secret = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	}
	signer, err := sigv4rs.NewSigner(sigv4rs.Config{
		AccessKeyID:     akid,
		SecretAccessKey: secret,
		SessionToken:    os.Getenv("AWS_SESSION_TOKEN"),
		Region:          region,
		Service:         service,
		S3:              s3,
		Now:             now,
	})
	if err != nil {
		return err
	}
	defer signer.Close()

	req, err := http.NewRequest(method, rawURL, strings.NewReader(body))
	if err != nil {
		return err
	}
	for _, h := range headers {
		name, value, ok := strings.Cut(h, ":")
		if !ok {
			return errors.New("header without ':': " + h)
		}
		req.Header.Add(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	creq, err := signer.CanonicalRequest(req, []byte(body), presign)
	if err != nil {
		return err
	}
	sts, err := signer.StringToSign(req, []byte(body), presign)
	if err != nil {
		return err
	}
	fmt.Printf("--- canonical request\n%s\n--- string to sign\n%s\n", creq, sts)
	if presign != 0 {
		u, err := signer.Presign(req, presign)
		if err != nil {
			return err
		}
		fmt.Printf("--- presigned URL\n%s\n", u)
		return nil
	}
	if err := signer.Sign(req, []byte(body)); err != nil {
		return err
	}
	fmt.Printf("--- request\n%s %s HTTP/1.1\nHost: %s\n", req.Method, req.URL.RequestURI(), req.Host)
	if req.ContentLength > 0 {
		fmt.Printf("Content-Length: %d\n", req.ContentLength)
	}
	names := make([]string, 0, len(req.Header))
	for k := range req.Header {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, v := range req.Header[k] {
			fmt.Printf("%s: %s\n", k, v)
		}
	}
	return nil
}
