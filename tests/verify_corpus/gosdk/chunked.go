package main

// aws-chunked uploads (README.md, "aws-chunked"):
//
//	gosdk chunked < chunked-cases.jsonl > chunked-gosdk.jsonl
//
// Even inputs: STREAMING-AWS4-HMAC-SHA256-PAYLOAD, the seed signed by
// v4.Signer.SignHTTP, every chunk by v4.StreamSigner.GetSignature (its
// string to sign with no event headers is S3's chunk string to sign).
// Odd inputs: STREAMING-UNSIGNED-PAYLOAD-TRAILER from the S3 client's own
// PutObject (ChecksumAlgorithm, unseekable body over https), the request
// captured by its HTTPClient; its signer is v4.Signer at the input's time.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

type chunkedInput struct {
	ID              int     `json:"id"`
	ObjectHex       string  `json:"object_hex"`
	ChunkSize       int     `json:"chunk_size"`
	AccessKeyID     string  `json:"access_key_id"`
	SecretAccessKey string  `json:"secret_access_key"`
	SessionToken    *string `json:"session_token"`
	Region          string  `json:"region"`
	Time            int64   `json:"time"`
	Bucket          string  `json:"bucket"`
	Key             string  `json:"key"`
	Checksum        string  `json:"checksum"`
}

type chunkedLine struct {
	Signer          string      `json:"signer"`
	Mode            string      `json:"mode"`
	Checksum        *string     `json:"checksum"`
	Method          string      `json:"method"`
	URL             string      `json:"url"`
	Headers         [][2]string `json:"headers"`
	BodyHex         string      `json:"body_hex"`
	ObjectLen       int         `json:"object_len"`
	ObjectSHA256    string      `json:"object_sha256"`
	ChunkSize       int         `json:"chunk_size"`
	AccessKeyID     string      `json:"access_key_id"`
	SecretAccessKey string      `json:"secret_access_key"`
	SessionToken    *string     `json:"session_token"`
	Region          string      `json:"region"`
	Service         string      `json:"service"`
	Time            int64       `json:"time"`
	ID              int         `json:"id"`
}

func (in *chunkedInput) creds() aws.Credentials {
	c := aws.Credentials{AccessKeyID: in.AccessKeyID, SecretAccessKey: in.SecretAccessKey}
	if in.SessionToken != nil {
		c.SessionToken = *in.SessionToken
	}
	return c
}

func (in *chunkedInput) line(mode string, ck *string, r *http.Request, body, obj []byte) *chunkedLine {
	return &chunkedLine{
		Signer: "gosdk", Mode: mode, Checksum: ck, Method: r.Method, URL: r.URL.String(),
		Headers: wireHeaders(r.URL.Host, r.ContentLength, r.Header), BodyHex: hex.EncodeToString(body),
		ObjectLen: len(obj), ObjectSHA256: sha256Hex(obj), ChunkSize: in.ChunkSize,
		AccessKeyID: in.AccessKeyID, SecretAccessKey: in.SecretAccessKey, SessionToken: in.SessionToken,
		Region: in.Region, Service: "s3", Time: in.Time, ID: in.ID,
	}
}

// signedChunked: the seed by SignHTTP, the chunks by StreamSigner.
func signedChunked(in *chunkedInput, obj []byte) (*chunkedLine, error) {
	const mode = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	t := time.Unix(in.Time, 0).UTC()
	var chunks [][]byte
	for i := 0; i < len(obj); i += in.ChunkSize {
		end := i + in.ChunkSize
		if end > len(obj) {
			end = len(obj)
		}
		chunks = append(chunks, obj[i:end])
	}
	chunks = append(chunks, nil)
	encLen := 2
	for _, c := range chunks {
		encLen += len(strconv.FormatInt(int64(len(c)), 16)) + len(";chunk-signature=") + 64 + 2
		if len(c) > 0 {
			encLen += len(c) + 2
		}
	}
	u := fmt.Sprintf("https://%s.s3.%s.amazonaws.com/%s", in.Bucket, in.Region, in.Key)
	r, err := http.NewRequest("PUT", u, nil)
	if err != nil {
		return nil, err
	}
	r.ContentLength = int64(encLen)
	r.Header.Set("Content-Encoding", "aws-chunked")
	r.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(len(obj)))
	r.Header.Set("X-Amz-Content-Sha256", mode)
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	if err := signer.SignHTTP(context.Background(), in.creds(), r, mode, "s3", in.Region, t); err != nil {
		return nil, err
	}
	a := r.Header.Get("Authorization")
	seed, err := hex.DecodeString(a[strings.LastIndex(a, "Signature=")+10:])
	if err != nil {
		return nil, err
	}
	ss := v4.NewStreamSigner(in.creds(), "s3", in.Region, seed)
	var body bytes.Buffer
	for _, c := range chunks {
		sig, err := ss.GetSignature(context.Background(), nil, c, t)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&body, "%x;chunk-signature=%x\r\n", len(c), sig)
		if len(c) > 0 {
			body.Write(c)
			body.WriteString("\r\n")
		}
	}
	body.WriteString("\r\n")
	if body.Len() != encLen {
		return nil, fmt.Errorf("id %d: encoded %d bytes, announced %d", in.ID, body.Len(), encLen)
	}
	return in.line(mode, nil, r, body.Bytes(), obj), nil
}

// capture is the S3 client's HTTP client: keeps the request, answers 200.
type capture struct {
	req  *http.Request
	body []byte
}

func (c *capture) Do(r *http.Request) (*http.Response, error) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	c.req, c.body = r, b
	return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(nil)), Request: r}, nil
}

// fixedTime signs with the S3 client's default signer (newDefaultV4Signer:
// no second path escaping) at the input's time (the SDK's clock is internal).
type fixedTime struct {
	s *v4.Signer
	t time.Time
}

func (f fixedTime) SignHTTP(ctx context.Context, c aws.Credentials, r *http.Request, payloadHash, service, region string, _ time.Time, optFns ...func(*v4.SignerOptions)) error {
	return f.s.SignHTTP(ctx, c, r, payloadHash, service, region, f.t, optFns...)
}

// fixedInvocationID replaces the SDK's random (and signed)
// amz-sdk-invocation-id, so that the corpus is the same on every run.
func fixedInvocationID(id int) func(*middleware.Stack) error {
	return func(s *middleware.Stack) error {
		return s.Build.Add(middleware.BuildMiddlewareFunc("fixedInvocationID",
			func(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
				if r, ok := in.Request.(*smithyhttp.Request); ok {
					r.Header.Set("Amz-Sdk-Invocation-Id", fmt.Sprintf("00000000-0000-4000-8000-%012d", id))
				}
				return next.HandleBuild(ctx, in)
			}), middleware.After)
	}
}

// unseekable hides the reader's Seek: the SDK then streams it aws-chunked.
type unseekable struct{ io.Reader }

func unsignedTrailer(in *chunkedInput, obj []byte) (*chunkedLine, error) {
	algs := map[string]types.ChecksumAlgorithm{
		"crc32": types.ChecksumAlgorithmCrc32, "crc32c": types.ChecksumAlgorithmCrc32c,
		"sha1": types.ChecksumAlgorithmSha1, "sha256": types.ChecksumAlgorithmSha256,
	}
	alg, ok := algs[in.Checksum]
	if !ok {
		return nil, nil // crc64nvme: not in this SDK version
	}
	got := &capture{}
	client := s3.New(s3.Options{
		Region:      in.Region,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return in.creds(), nil }),
		HTTPClient:  got,
		Retryer:     aws.NopRetryer{},
		APIOptions:  []func(*middleware.Stack) error{fixedInvocationID(in.ID)},
		HTTPSignerV4: fixedTime{
			v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }),
			time.Unix(in.Time, 0).UTC(),
		},
	})
	_, err := client.PutObject(context.Background(), &s3.PutObjectInput{
		Bucket:            aws.String(in.Bucket),
		Key:               aws.String(in.Key),
		Body:              unseekable{bytes.NewReader(obj)},
		ContentLength:     int64(len(obj)),
		ChecksumAlgorithm: alg,
	})
	if err != nil {
		return nil, err
	}
	r := got.req
	const mode = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
	if h := r.Header.Get("X-Amz-Content-Sha256"); h != mode {
		return nil, fmt.Errorf("id %d: the SDK sent %q", in.ID, h)
	}
	return in.line(mode, &in.Checksum, r, got.body, obj), nil
}

func chunkedGen() error {
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	for sc.Scan() {
		var in chunkedInput
		if err := json.Unmarshal(sc.Bytes(), &in); err != nil {
			return err
		}
		obj, err := hex.DecodeString(in.ObjectHex)
		if err != nil {
			return err
		}
		var l *chunkedLine
		if in.ID%2 == 0 {
			l, err = signedChunked(&in, obj)
		} else if len(obj) > 0 { // the SDK sends an empty body plain
			l, err = unsignedTrailer(&in, obj)
		}
		if err != nil {
			return err
		}
		if l != nil {
			if err := enc.Encode(l); err != nil {
				return err
			}
		}
	}
	return sc.Err()
}
