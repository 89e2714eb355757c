/* A server verifying an aws-chunked S3 upload as it arrives: the AWS S3
   documentation's example (66,560 bytes of 'a', chunks of 64 KiB). */
#include <stdio.h>
#include <string.h>
#include "sigv4rs.h"

static sigv4rs_status lookup(void *user, const uint8_t *akid, size_t akid_len,
                             uint8_t *secret, size_t secret_cap, size_t *secret_len,
                             uint8_t *token, size_t token_cap, size_t *token_len) {
  const char *key = user;
  (void)token; (void)token_cap; (void)token_len;
  if (akid_len != 20 || memcmp(akid, "AKIAIOSFODNN7EXAMPLE", 20) != 0)
    return SIGV4RS_STATUS_UNKNOWN_ACCESS_KEY;
  if (strlen(key) > secret_cap) return SIGV4RS_STATUS_LOOKUP_FAILED;
  memcpy(secret, key, strlen(key));
  *secret_len = strlen(key);
  return SIGV4RS_STATUS_OK;
}

/* The body as the client sends it (the documentation's signatures). */
static uint8_t wire[66824];
static size_t wire_len;
static void text(const char *s) { memcpy(wire + wire_len, s, strlen(s)); wire_len += strlen(s); }
static void data(size_t n) { memset(wire + wire_len, 'a', n); wire_len += n; }

/* One upload: the headers first (the body verifier lives on this stack),
   then the body, one socket read at a time, decoded in place. */
static sigv4rs_status receive(const sigv4rs_verifier_config *cfg, const sigv4rs_request *req,
                              size_t *stored) {
  sigv4rs_verify_result r;
  sigv4rs_body_verifier body;
  sigv4rs_status st = sigv4rs_body_verifier_begin(cfg, req, 1369353600, &r, NULL, 0, &body);
  *stored = 0;
  for (size_t off = 0; off < wire_len && st == SIGV4RS_STATUS_OK; off += 4096) {
    uint8_t buf[4096];
    size_t n = wire_len - off < sizeof buf ? wire_len - off : sizeof buf, got = 0;
    memcpy(buf, wire + off, n);                 /* recv(fd, buf, sizeof buf, 0) */
    st = sigv4rs_body_verifier_update(&body, buf, n, &got);
    *stored += got;                             /* write buf[0..got] to a temp file */
  }
  /* Keep the object only if this says OK. */
  return st == SIGV4RS_STATUS_OK ? sigv4rs_body_verifier_finish(&body) : st;
}

int main(void) {
  text("10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n");
  data(65536);
  text("\r\n400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n");
  data(1024);
  text("\r\n0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n");

  sigv4rs_verifier_config cfg = {0};
  cfg.region = sigv4rs_cstr("us-east-1");
  cfg.service = sigv4rs_cstr("s3");
  cfg.flags = SIGV4RS_FLAG_S3;
  cfg.lookup = lookup;
  cfg.lookup_user = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  sigv4rs_header h[] = {
      {sigv4rs_cstr("Host"), sigv4rs_cstr("s3.amazonaws.com")},
      {sigv4rs_cstr("x-amz-date"), sigv4rs_cstr("20130524T000000Z")},
      {sigv4rs_cstr("x-amz-storage-class"), sigv4rs_cstr("REDUCED_REDUNDANCY")},
      {sigv4rs_cstr("Authorization"),
       sigv4rs_cstr("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
                    "aws4_request,SignedHeaders=content-encoding;content-length;host;"
                    "x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;"
                    "x-amz-storage-class,Signature="
                    "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9")},
      {sigv4rs_cstr("x-amz-content-sha256"), sigv4rs_cstr("STREAMING-AWS4-HMAC-SHA256-PAYLOAD")},
      {sigv4rs_cstr("Content-Encoding"), sigv4rs_cstr("aws-chunked")},
      {sigv4rs_cstr("x-amz-decoded-content-length"), sigv4rs_cstr("66560")},
      {sigv4rs_cstr("Content-Length"), sigv4rs_cstr("66824")},
  };
  sigv4rs_request req = {0};
  req.method = sigv4rs_cstr("PUT");
  req.path = sigv4rs_cstr("/examplebucket/chunkObject.txt");
  req.headers = h;
  req.headers_len = sizeof h / sizeof h[0];

  size_t stored;
  sigv4rs_status st = receive(&cfg, &req, &stored);
  printf("upload: %s, %zu bytes\n", sigv4rs_status_str(st), stored);
  if (st != SIGV4RS_STATUS_OK || stored != 66560) return 1;

  wire[5000] ^= 1; /* one byte of the object changed in transit */
  st = receive(&cfg, &req, &stored);
  printf("tampered: %s\n", sigv4rs_status_str(st));
  return st == SIGV4RS_STATUS_CHUNK_SIGNATURE_MISMATCH ? 0 : 1;
}
