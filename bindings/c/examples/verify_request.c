/* A server verifying a SigV4 request (the official suite's get-vanilla). */
#include <stdio.h>
#include <string.h>
#include "sigv4rs.h"

/* The secret store: one key here; a server looks the key id up. */
static sigv4rs_status lookup(void *user, const uint8_t *akid, size_t akid_len,
                             uint8_t *secret, size_t secret_cap, size_t *secret_len,
                             uint8_t *token, size_t token_cap, size_t *token_len) {
  const char *want = "AKIDEXAMPLE", *key = user;
  (void)token; (void)token_cap; (void)token_len; /* long-term key: no token */
  if (akid_len != strlen(want) || memcmp(akid, want, akid_len) != 0)
    return SIGV4RS_STATUS_UNKNOWN_ACCESS_KEY;
  if (strlen(key) > secret_cap) return SIGV4RS_STATUS_LOOKUP_FAILED;
  memcpy(secret, key, strlen(key));
  *secret_len = strlen(key);
  return SIGV4RS_STATUS_OK;
}

int main(void) {
  sigv4rs_verifier_config cfg = {0};
  cfg.region = sigv4rs_cstr("us-east-1");
  cfg.service = sigv4rs_cstr("service");
  cfg.lookup = lookup;
  cfg.lookup_user = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

  /* The request as received: every header, the body (empty here). */
  char auth[] = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/"
                "aws4_request, SignedHeaders=host;x-amz-date, Signature="
                "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";
  sigv4rs_header h[] = {
      {sigv4rs_cstr("Host"), sigv4rs_cstr("example.amazonaws.com")},
      {sigv4rs_cstr("X-Amz-Date"), sigv4rs_cstr("20150830T123600Z")},
      {sigv4rs_cstr("Authorization"), sigv4rs_cstr(auth)},
  };
  sigv4rs_request req = {0};
  req.method = sigv4rs_cstr("GET");
  req.path = sigv4rs_cstr("/");
  req.headers = h;
  req.headers_len = 3;
  req.payload_mode = SIGV4RS_PAYLOAD_MODE_BYTES;

  sigv4rs_verify_result r;
  int64_t now = 1440938160; /* the server's clock: sigv4rs_unix_time_now() */
  sigv4rs_status st = sigv4rs_verify(&cfg, &req, now, &r, NULL, 0);
  printf("verify: %s (key %.*s, signed %.*s)\n", sigv4rs_status_str(st),
         (int)r.access_key_id_len, (const char *)r.access_key_id,
         (int)r.signed_headers_len, (const char *)r.signed_headers);
  if (st != SIGV4RS_STATUS_OK) return 1;

  auth[strlen(auth) - 1] ^= 1; /* one byte of the signature changed */
  st = sigv4rs_verify(&cfg, &req, now, &r, NULL, 0);
  printf("tampered: %s\n", sigv4rs_status_str(st));
  return st == SIGV4RS_STATUS_SIGNATURE_MISMATCH ? 0 : 1;
}
