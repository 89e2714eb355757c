package sigv4rs_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	sigv4rs "github.com/sigv4rs/sigv4rs-go"
)

var exampleTime = time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)

func exampleSigner(service string, s3 bool) *sigv4rs.Signer {
	s, err := sigv4rs.NewSigner(sigv4rs.Config{
		AccessKeyID:     "AKIDEXAMPLE",
		SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
		Region:          "us-east-1",
		Service:         service,
		S3:              s3,
		Now:             func() time.Time { return exampleTime }, // omit: time.Now
	})
	if err != nil {
		panic(err)
	}
	return s
}

func ExampleSigner_Sign() {
	s := exampleSigner("sts", false)
	defer s.Close()
	req, _ := http.NewRequest("GET", "https://sts.us-east-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15", nil)
	if err := s.Sign(req, nil); err != nil {
		panic(err)
	}
	fmt.Println(req.Header.Get("X-Amz-Date"))
	fmt.Println(req.Header.Get("Authorization"))
	// Output:
	// 20150830T123600Z
	// AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=b818e10e31717fbcef99fdc263bf5929590f326b83ce32cd4aa5083c64039076
}

func ExampleSigner_Presign() {
	s := exampleSigner("s3", true)
	defer s.Close()
	req, _ := http.NewRequest("GET", "https://examplebucket.s3.amazonaws.com/test.txt", nil)
	u, err := s.Presign(req, time.Hour)
	if err != nil {
		panic(err)
	}
	fmt.Println(u)
	// Output:
	// https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=2608dd24fb2064b015d622de5be251f41058c0fa4401eaed3807146025472f9d
}

// An aws-chunked upload (the S3 documentation's example): the body is
// encoded and signed chunk by chunk while net/http sends it.
func ExampleSigner_SignStreaming() {
	s, err := sigv4rs.NewSigner(sigv4rs.Config{
		AccessKeyID:     "AKIAIOSFODNN7EXAMPLE",
		SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
		Region:          "us-east-1",
		Service:         "s3",
		S3:              true,
		Now:             func() time.Time { return time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		panic(err)
	}
	defer s.Close()
	req, _ := http.NewRequest("PUT", "https://s3.amazonaws.com/examplebucket/chunkObject.txt", nil)
	req.Header.Set("X-Amz-Storage-Class", "REDUCED_REDUNDANCY")
	body := strings.NewReader(strings.Repeat("a", 66560)) // or an *os.File
	err = s.SignStreaming(req, body, 66560, sigv4rs.StreamOptions{Mode: sigv4rs.StreamSigned, ChunkSize: 64 << 10})
	if err != nil {
		panic(err)
	}
	// http.DefaultClient.Do(req) would send it.
	fmt.Println(req.ContentLength)
	fmt.Println(req.Header.Get("Authorization"))
	// Output:
	// 66824
	// AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class, Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9
}

func ExampleTransport() {
	s := exampleSigner("execute-api", false)
	defer s.Close()
	client := &http.Client{Transport: &sigv4rs.Transport{Signer: s}}
	_ = client // client.Get("https://abc123.execute-api.us-east-1.amazonaws.com/prod/items")
	// Output:
}

func ExampleError() {
	s := exampleSigner("service", false)
	defer s.Close()
	req, _ := http.NewRequest("GET", "https://example.amazonaws.com/", nil)
	req.Header.Set("X-Note", "line1\nline2")
	err := s.Sign(req, nil)
	fmt.Println(err)
	fmt.Println(errors.Is(err, sigv4rs.ErrInvalidHeaderValue))
	var e *sigv4rs.Error
	if errors.As(err, &e) {
		fmt.Println(e.Status, e.Field, e.HeaderName, e.Index, e.Offset)
	}
	s.Close()
	err = s.Sign(req, nil)
	fmt.Println(err, errors.Is(err, sigv4rs.ErrClosed))
	// Output:
	// sigv4rs: req.Header["X-Note"][0] value: invalid header value at byte 5 (status 118)
	// true
	// 118 header value X-Note 0 5
	// sigv4rs: signer is closed (status 4) true
}

// A signer whose credentials come from a provider (STS, a vault...),
// refreshed before they expire; and Rotate, for keys you push yourself.
func ExampleCredentialsProvider() {
	now := exampleTime
	fetch := sigv4rs.CredentialsProviderFunc(func(ctx context.Context) (sigv4rs.Credentials, error) {
		// Call STS or your vault here, with ctx (it has a deadline).
		return sigv4rs.Credentials{AccessKeyID: "ASIAFROMPROVIDER", SecretAccessKey: "secret/from/provider",
			SessionToken: "session-token", Expires: now.Add(time.Hour)}, nil
	})
	s, err := sigv4rs.NewSigner(sigv4rs.Config{Region: "us-east-1", Service: "s3", S3: true,
		Provider: fetch, Now: func() time.Time { return now }})
	if err != nil {
		panic(err)
	}
	defer s.Close()
	req, _ := http.NewRequest("GET", "https://bucket.s3.us-east-1.amazonaws.com/key", nil)
	if err := s.Sign(req, nil); err != nil {
		panic(err)
	}
	exp, _ := s.Expiration()
	fmt.Println(strings.Fields(req.Header.Get("Authorization"))[1], exp.UTC())

	err = s.Rotate(sigv4rs.Credentials{AccessKeyID: "AKIDROTATED", SecretAccessKey: "rotated/secret"})
	_ = s.Sign(req, nil)
	exp, _ = s.Expiration()
	fmt.Println(err, strings.Fields(req.Header.Get("Authorization"))[1], exp.IsZero())

	now = now.Add(2 * time.Hour) // expired? No: the rotated keys do not expire.
	fmt.Println(s.Sign(req, nil))
	fmt.Printf("%+v\n", sigv4rs.Credentials{AccessKeyID: "AKID", SecretAccessKey: "never printed"})
	// Output:
	// Credential=ASIAFROMPROVIDER/20150830/us-east-1/s3/aws4_request, 2015-08-30 13:36:00 +0000 UTC
	// <nil> Credential=AKIDROTATED/20150830/us-east-1/s3/aws4_request, true
	// <nil>
	// {AccessKeyID:AKID SecretAccessKey:[redacted] SessionToken: Expires:0001-01-01 00:00:00 +0000 UTC}
}

// The AWS SDKs' default credential chain (environment, shared files and
// profiles, STS through net/http, container and instance endpoints) as a
// signer's provider: nothing is read until the first signature, and the
// credentials go from the library's chain to the signer, never through Go.
func ExampleNewDefaultChain() {
	chain, err := sigv4rs.NewDefaultChain(sigv4rs.ChainOptions{}) // Profile, Region, HTTPClient, ProcessTimeout
	if err != nil {
		panic(err)
	}
	defer chain.Close() // freed after the last signer using it
	s, err := sigv4rs.NewSigner(sigv4rs.Config{Region: "us-east-1", Service: "execute-api", Provider: chain})
	if err != nil {
		panic(err)
	}
	defer s.Close()
	// With no credentials anywhere, signing fails with ErrMissingCredentials
	// whose Err is a *sigv4rs.ChainError (ErrCredentialsNotFound, and why).
	client := &http.Client{Transport: &sigv4rs.Transport{Signer: s}}
	_ = client // client.Get("https://abc123.execute-api.us-east-1.amazonaws.com/prod/items")
	// Output:
}
