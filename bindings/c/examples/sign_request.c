/*
 * Offline sigv4rs demo: signs an S3 GET and an OpenSearch POST into headers
 * and presigns an S3 GET URL. Nothing is sent.
 *
 * Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and optional
 * AWS_SESSION_TOKEN) when set, else AWS's published example keys.
 * Time: 2015-08-30T12:36:00Z, or the clock when SIGV4RS_DEMO_NOW=1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sigv4rs.h"

/* 2015-08-30T12:36:00Z, the instant of AWS's own examples. */
#define FIXED_TIME INT64_C(1440938160)

#define EXAMPLE_ACCESS_KEY_ID "AKIDEXAMPLE"
#define EXAMPLE_SECRET_KEY "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

/* The shape of canonical_request and string_to_sign (auth mode, expiry). */
typedef sigv4rs_status (*text_fn)(const sigv4rs_signer *, const sigv4rs_request *, int64_t,
                                  uint32_t, uint32_t, uint8_t *, size_t, size_t *);

/* sigv4rs_signer_presign in that shape. */
static sigv4rs_status presign(const sigv4rs_signer *signer, const sigv4rs_request *req, int64_t now,
                              uint32_t auth, uint32_t expires, uint8_t *out, size_t cap, size_t *len)
{
    (void)auth;
    return sigv4rs_signer_presign(signer, req, now, expires, out, cap, len);
}

static void die(const char *what, sigv4rs_status st)
{
    fprintf(stderr, "error: %s: %s (status %u)\n", what, sigv4rs_status_str(st), (unsigned)st);
    exit(1);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n);
    if (p == NULL) {
        fputs("error: out of memory\n", stderr);
        exit(1);
    }
    return p;
}

/* Asks for the size first (out = NULL, cap = 0), then fills a heap buffer
 * of exactly that size. The caller frees the NUL-terminated result. */
static char *text_output(text_fn fn, const char *what, const sigv4rs_signer *signer,
                         const sigv4rs_request *req, int64_t now, uint32_t auth, uint32_t expires)
{
    size_t need = 0, len = 0;
    sigv4rs_status st = fn(signer, req, now, auth, expires, NULL, 0, &need);
    if (st != SIGV4RS_STATUS_BUFFER_TOO_SMALL)
        die(what, st);
    char *buf = xmalloc(need);
    st = fn(signer, req, now, auth, expires, (uint8_t *)buf, need, &len);
    if (st != SIGV4RS_STATUS_OK)
        die(what, st);
    return buf;
}

/* Prints the canonical request, the string to sign and every header to
 * send: the request's own, then the signer's (which replace same names). */
static void show_signed(const char *title, const sigv4rs_signer *signer,
                        const sigv4rs_request *req, int64_t now)
{
    char *creq = text_output(sigv4rs_signer_canonical_request, "canonical request", signer, req, now,
                             SIGV4RS_AUTH_HEADERS, 0);
    char *sts = text_output(sigv4rs_signer_string_to_sign, "string to sign", signer, req, now,
                            SIGV4RS_AUTH_HEADERS, 0);
    printf("== %s: canonical request ==\n%s\n\n", title, creq);
    printf("== %s: string to sign ==\n%s\n\n", title, sts);
    free(creq);
    free(sts);

    size_t need = 0, len = 0;
    sigv4rs_status st = sigv4rs_signer_sign_headers(signer, req, now, NULL, 0, &need);
    if (st != SIGV4RS_STATUS_BUFFER_TOO_SMALL)
        die("sign headers (size query)", st);
    char *out = xmalloc(need);
    st = sigv4rs_signer_sign_headers(signer, req, now, (uint8_t *)out, need, &len);
    if (st != SIGV4RS_STATUS_OK)
        die("sign headers", st);

    printf("== %s: headers to send (Host comes from the URL) ==\n", title);
    for (size_t i = 0; i < req->headers_len; i++) {
        const sigv4rs_header *h = &req->headers[i];
        printf("%.*s: %.*s\n", (int)h->name.len, (const char *)h->name.ptr,
               (int)h->value.len, (const char *)h->value.ptr);
    }
    /* len counts every NUL, so each string ends inside the buffer. */
    for (size_t i = 0; i < len; i += strlen(out + i) + 1)
        printf("%s\n", out + i);
    printf("\n");
    free(out);
}

/* Environment credentials when both keys are set, else the example keys. */
static const char *set_credentials(sigv4rs_config *cfg)
{
    const char *id = getenv("AWS_ACCESS_KEY_ID");
    const char *secret = getenv("AWS_SECRET_ACCESS_KEY");
    if (id != NULL && *id != '\0' && secret != NULL && *secret != '\0') {
        cfg->access_key_id = sigv4rs_cstr(id);
        cfg->secret_access_key = sigv4rs_cstr(secret);
        cfg->session_token = sigv4rs_cstr(getenv("AWS_SESSION_TOKEN")); /* NULL gives empty */
        return "environment";
    }
    cfg->access_key_id = sigv4rs_cstr(EXAMPLE_ACCESS_KEY_ID);
    cfg->secret_access_key = sigv4rs_cstr(EXAMPLE_SECRET_KEY);
    return "AWS example keys";
}

/* Caller-owned memory for the OpenSearch signer: no heap needed for it. */
static sigv4rs_signer_storage es_storage;

int main(void)
{
    sigv4rs_status st;
    int64_t now = FIXED_TIME;
    const char *live = getenv("SIGV4RS_DEMO_NOW");
    if (live != NULL && strcmp(live, "1") == 0) {
        st = sigv4rs_unix_time_now(&now);
        if (st != SIGV4RS_STATUS_OK)
            die("clock", st);
    }

    sigv4rs_config s3_cfg = {0};
    const char *source = set_credentials(&s3_cfg);
    s3_cfg.region = sigv4rs_cstr("us-east-1");
    s3_cfg.service = sigv4rs_cstr("s3");
    s3_cfg.flags = SIGV4RS_FLAG_S3;

    sigv4rs_config es_cfg = {0};
    set_credentials(&es_cfg);
    es_cfg.region = sigv4rs_cstr("us-west-2");
    es_cfg.service = sigv4rs_cstr("es");

    printf("sigv4rs %s, credentials: %s, time: %lld%s\n\n", sigv4rs_version(), source,
           (long long)now, now == FIXED_TIME ? " (2015-08-30T12:36:00Z)" : "");

    /* Heap signer for S3. */
    sigv4rs_signer *s3 = NULL;
    st = sigv4rs_signer_new(&s3_cfg, &s3);
    if (st != SIGV4RS_STATUS_OK)
        die("S3 signer", st);

    /* Signer in caller storage for OpenSearch. */
    sigv4rs_signer *es = NULL;
    st = sigv4rs_signer_init(&es_storage, &es_cfg, &es);
    if (st != SIGV4RS_STATUS_OK)
        die("OpenSearch signer", st);

    sigv4rs_header range = {sigv4rs_cstr("Range"), sigv4rs_cstr("bytes=0-9")};
    sigv4rs_request get = {0};
    get.method = sigv4rs_cstr("GET");
    get.url = sigv4rs_cstr("https://examplebucket.s3.amazonaws.com/test.txt");
    get.headers = &range;
    get.headers_len = 1;
    show_signed("S3 GET", s3, &get, now);

    static const char body[] = "{\"title\": \"Moneyball\", \"director\": \"Bennett Miller\", \"year\": 2011}";
    sigv4rs_header json = {sigv4rs_cstr("Content-Type"), sigv4rs_cstr("application/json")};
    sigv4rs_request post = {0};
    post.method = sigv4rs_cstr("POST");
    post.url = sigv4rs_cstr("https://search-my-domain.us-west-2.es.amazonaws.com/movies/_doc/5");
    post.headers = &json;
    post.headers_len = 1;
    post.payload_mode = SIGV4RS_PAYLOAD_MODE_BYTES;
    post.payload = sigv4rs_cstr(body);
    show_signed("OpenSearch POST", es, &post, now);
    printf("== OpenSearch POST: body ==\n%s\n\n", body);

    sigv4rs_request presign_req = {0};
    presign_req.method = sigv4rs_cstr("GET");
    presign_req.url = sigv4rs_cstr("https://examplebucket.s3.amazonaws.com/test.txt");
    char *url = text_output(presign, "presign", s3, &presign_req, now, SIGV4RS_AUTH_PRESIGN, 3600);
    printf("== S3 GET: presigned URL (valid 3600 s) ==\n%s\n", url);
    free(url);

    sigv4rs_signer_free(s3);
    sigv4rs_signer_deinit(&es_storage);
    return 0;
}
