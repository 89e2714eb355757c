package main

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	sigv4rs "github.com/sigv4rs/sigv4rs-go"
)

const s3NS = "http://s3.amazonaws.com/doc/2006-03-01/"

type object struct {
	data        []byte
	etag        string // quoted MD5, as S3 gives single-shot uploads
	contentType string
	modified    time.Time
}

type bucket struct {
	created time.Time
	objects map[string]*object
}

// store is the in-memory S3: the handler behind the verifier middleware.
type store struct {
	region  string
	mu      sync.RWMutex
	buckets map[string]*bucket
}

func newStore(region string) *store {
	return &store{region: region, buckets: map[string]*bucket{}}
}

func s3Error(w http.ResponseWriter, status int, code, msg string) {
	var b bytes.Buffer
	b.WriteString(xml.Header + "<Error><Code>" + code + "</Code><Message>")
	xml.EscapeText(&b, []byte(msg))
	b.WriteString("</Message></Error>\n")
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

func writeXML(w http.ResponseWriter, v any) {
	out, err := xml.Marshal(v)
	if err != nil {
		s3Error(w, 500, "InternalError", err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("Content-Length", strconv.Itoa(len(xml.Header)+len(out)))
	io.WriteString(w, xml.Header)
	w.Write(out)
}

func (s *store) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, ok := sigv4rs.VerifiedFrom(r.Context()); !ok {
		s3Error(w, 500, "InternalError", "request reached the store unverified")
		return
	}
	// Path-style: /bucket/key; the key as Go decoded it from the wire path.
	path := strings.TrimPrefix(r.URL.Path, "/")
	name, key, hasKey := strings.Cut(path, "/")
	if hasKey && key == "" {
		hasKey = false
	}
	switch {
	case name == "":
		if r.Method != http.MethodGet {
			s3Error(w, 405, "MethodNotAllowed", "only GET on the service")
			return
		}
		s.listBuckets(w)
	case !hasKey:
		s.bucketOp(w, r, name)
	default:
		s.objectOp(w, r, name, key)
	}
}

func (s *store) listBuckets(w http.ResponseWriter) {
	type entry struct {
		Name         string
		CreationDate string
	}
	var out struct {
		XMLName xml.Name `xml:"ListAllMyBucketsResult"`
		NS      string   `xml:"xmlns,attr"`
		Owner   struct{ ID, DisplayName string }
		Buckets []entry `xml:"Buckets>Bucket"`
	}
	out.NS, out.Owner.ID, out.Owner.DisplayName = s3NS, "sigv4rs", "sigv4rs"
	s.mu.RLock()
	for n, b := range s.buckets {
		out.Buckets = append(out.Buckets, entry{n, b.created.Format(time.RFC3339)})
	}
	s.mu.RUnlock()
	sort.Slice(out.Buckets, func(i, j int) bool { return out.Buckets[i].Name < out.Buckets[j].Name })
	writeXML(w, out)
}

func (s *store) bucketOp(w http.ResponseWriter, r *http.Request, name string) {
	q := r.URL.Query()
	switch r.Method {
	case http.MethodPut:
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			sigv4rs.WriteError(w, err)
			return
		}
		s.mu.Lock()
		if s.buckets[name] == nil {
			s.buckets[name] = &bucket{created: time.Now().UTC(), objects: map[string]*object{}}
		}
		s.mu.Unlock()
		w.Header().Set("Location", "/"+name)
		w.WriteHeader(200)
		return
	case http.MethodDelete:
		s.mu.Lock()
		defer s.mu.Unlock()
		b := s.buckets[name]
		switch {
		case b == nil:
			s3Error(w, 404, "NoSuchBucket", "The specified bucket does not exist")
		case len(b.objects) > 0:
			s3Error(w, 409, "BucketNotEmpty", "The bucket you tried to delete is not empty")
		default:
			delete(s.buckets, name)
			w.WriteHeader(204)
		}
		return
	case http.MethodGet, http.MethodHead:
	default:
		s3Error(w, 405, "MethodNotAllowed", "method not allowed on a bucket")
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	b := s.buckets[name]
	if b == nil {
		s3Error(w, 404, "NoSuchBucket", "The specified bucket does not exist")
		return
	}
	switch {
	case r.Method == http.MethodHead:
		w.Header().Set("X-Amz-Bucket-Region", s.region)
		w.WriteHeader(200)
	case q.Has("location"):
		loc := s.region
		if loc == "us-east-1" {
			loc = "" // as S3 answers for us-east-1
		}
		writeXML(w, struct {
			XMLName xml.Name `xml:"LocationConstraint"`
			NS      string   `xml:"xmlns,attr"`
			Value   string   `xml:",chardata"`
		}{NS: s3NS, Value: loc})
	default:
		s.list(w, q, name, b)
	}
}

type listEntry struct {
	Key          string
	LastModified string
	ETag         string
	Size         int
	StorageClass string
}

type prefixEntry struct {
	Prefix string
}

// list answers ListObjectsV2 (list-type=2) or V1.
func (s *store) list(w http.ResponseWriter, q url.Values, name string, b *bucket) {
	v2 := q.Get("list-type") == "2"
	prefix, delim := q.Get("prefix"), q.Get("delimiter")
	maxKeys := 1000
	if m := q.Get("max-keys"); m != "" {
		n, err := strconv.Atoi(m)
		if err != nil || n < 0 {
			s3Error(w, 400, "InvalidArgument", "max-keys must be a non-negative integer")
			return
		}
		if n < maxKeys {
			maxKeys = n
		}
	}
	after := q.Get("marker")
	if v2 {
		after = q.Get("start-after")
		if tok := q.Get("continuation-token"); tok != "" {
			raw, err := hex.DecodeString(tok)
			if err != nil {
				s3Error(w, 400, "InvalidArgument", "bad continuation-token")
				return
			}
			after = string(raw)
		}
	}
	urlEnc := q.Get("encoding-type") == "url"
	enc := func(s string) string {
		if urlEnc {
			return url.QueryEscape(s)
		}
		return s
	}
	keys := make([]string, 0, len(b.objects))
	for k := range b.objects {
		if strings.HasPrefix(k, prefix) && k > after {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var contents []listEntry
	var prefixes []prefixEntry
	seen := map[string]bool{}
	truncated, last := false, ""
	for _, k := range keys {
		if len(contents)+len(prefixes) >= maxKeys {
			truncated = true
			break
		}
		if delim != "" {
			if i := strings.Index(k[len(prefix):], delim); i >= 0 {
				cp := k[:len(prefix)+i+len(delim)]
				if !seen[cp] {
					seen[cp] = true
					prefixes = append(prefixes, prefixEntry{enc(cp)})
				}
				last = k
				continue
			}
		}
		o := b.objects[k]
		contents = append(contents, listEntry{enc(k), o.modified.Format("2006-01-02T15:04:05.000Z"), o.etag,
			len(o.data), "STANDARD"})
		last = k
	}
	type result struct {
		XMLName               xml.Name `xml:"ListBucketResult"`
		NS                    string   `xml:"xmlns,attr"`
		Name                  string
		Prefix                string
		Marker                *string `xml:",omitempty"`
		NextMarker            string  `xml:",omitempty"`
		StartAfter            string  `xml:",omitempty"`
		ContinuationToken     string  `xml:",omitempty"`
		NextContinuationToken string  `xml:",omitempty"`
		KeyCount              *int    `xml:",omitempty"`
		MaxKeys               int
		Delimiter             string `xml:",omitempty"`
		EncodingType          string `xml:",omitempty"`
		IsTruncated           bool
		Contents              []listEntry
		CommonPrefixes        []prefixEntry
	}
	out := result{NS: s3NS, Name: name, Prefix: enc(prefix), MaxKeys: maxKeys, Delimiter: enc(delim),
		IsTruncated: truncated, Contents: contents, CommonPrefixes: prefixes}
	if urlEnc {
		out.EncodingType = "url"
	}
	if v2 {
		n := len(contents) + len(prefixes)
		out.KeyCount = &n
		out.StartAfter = enc(q.Get("start-after"))
		out.ContinuationToken = q.Get("continuation-token")
		if truncated {
			out.NextContinuationToken = hex.EncodeToString([]byte(last))
		}
	} else {
		m := enc(q.Get("marker"))
		out.Marker = &m
		if truncated && delim != "" {
			out.NextMarker = enc(last)
		}
	}
	writeXML(w, out)
}

func (s *store) objectOp(w http.ResponseWriter, r *http.Request, name, key string) {
	switch r.Method {
	case http.MethodPut:
		s.put(w, r, name, key)
	case http.MethodGet, http.MethodHead:
		s.mu.RLock()
		b := s.buckets[name]
		var o *object
		if b != nil {
			o = b.objects[key]
		}
		s.mu.RUnlock()
		switch {
		case b == nil:
			s3Error(w, 404, "NoSuchBucket", "The specified bucket does not exist")
		case o == nil:
			s3Error(w, 404, "NoSuchKey", "The specified key does not exist.")
		default:
			h := w.Header()
			h.Set("ETag", o.etag)
			h.Set("Accept-Ranges", "bytes")
			h.Set("Content-Type", o.contentType)
			if ct := r.URL.Query().Get("response-content-type"); ct != "" {
				h.Set("Content-Type", ct)
			}
			if cc := r.URL.Query().Get("response-cache-control"); cc != "" {
				h.Set("Cache-Control", cc)
			}
			// Range, HEAD, conditional requests; the data is immutable.
			http.ServeContent(w, r, "", o.modified, bytes.NewReader(o.data))
		}
	case http.MethodDelete:
		s.mu.Lock()
		b := s.buckets[name]
		if b != nil {
			delete(b.objects, key)
		}
		s.mu.Unlock()
		if b == nil {
			s3Error(w, 404, "NoSuchBucket", "The specified bucket does not exist")
			return
		}
		w.WriteHeader(204)
	default:
		s3Error(w, 405, "MethodNotAllowed", "method not allowed on an object")
	}
}

// put stores the body once it has been read to its end, that is once the
// middleware's body verifier has accepted all of it: a failure at the end
// (chunk signature, trailer checksum, body hash) stores nothing.
func (s *store) put(w http.ResponseWriter, r *http.Request, name, key string) {
	s.mu.RLock()
	exists := s.buckets[name] != nil
	s.mu.RUnlock()
	if !exists {
		s3Error(w, 404, "NoSuchBucket", "The specified bucket does not exist")
		return
	}
	var buf bytes.Buffer
	if r.ContentLength > 0 && r.ContentLength < 1<<30 {
		buf.Grow(int(r.ContentLength))
	}
	if _, err := io.Copy(&buf, r.Body); err != nil {
		sigv4rs.WriteError(w, err)
		return
	}
	if r.ContentLength >= 0 && int64(buf.Len()) != r.ContentLength {
		s3Error(w, 400, "IncompleteBody", "body length differs from Content-Length")
		return
	}
	sum := md5.Sum(buf.Bytes())
	o := &object{data: buf.Bytes(), etag: `"` + hex.EncodeToString(sum[:]) + `"`,
		contentType: r.Header.Get("Content-Type"), modified: time.Now().UTC().Truncate(time.Second)}
	if o.contentType == "" {
		o.contentType = "binary/octet-stream"
	}
	s.mu.Lock()
	if b := s.buckets[name]; b != nil {
		b.objects[key] = o
	}
	s.mu.Unlock()
	w.Header().Set("ETag", o.etag)
	w.WriteHeader(200)
}
