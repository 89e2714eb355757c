package sigv4rs_test

import (
	"errors"
	"fmt"
	"net/http"
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
		fmt.Println(e.Status)
	}
	s.Close()
	err = s.Sign(req, nil)
	fmt.Println(err, errors.Is(err, sigv4rs.ErrClosed))
	// Output:
	// sigv4rs: invalid header value (status 118)
	// true
	// 118
	// sigv4rs: signer is closed (status 4) true
}
