/*
 * Issue 10 through the C API: sign what the server computes.
 *   a. A raw '+' in a query is a space (signed %20); %2B stays a plus.
 *      Presigned URLs carry each parameter as it was signed.
 *   b. The host is signed lower-case, and header signing outputs the
 *      lower-cased Host so that the wire agrees; an explicit Host header is
 *      signed as given.
 *   c. With single encoding and normalization, %2e is a dot when dot
 *      segments are removed.
 * Expected values are written by hand from the SigV4 rules and RFC 3986
 * (5.2.4, 6.2.2), or are the AWS S3 documentation's signatures, or were
 * computed by aws-sdk-go-v2 (REF_*); none is sigv4rs's own output.
 *
 * Prints one FAIL line per difference, then
 *   server rules: P/N checks passed
 * Exits 0 only when every check passed.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sigv4rs.h"

#define OUT_CAP 4096
#define T 1440938160     /* 20150830T123600Z */
#define DOC_T 1369353600 /* 20130524T000000Z, the S3 documentation's examples */
#define EMPTY_SHA "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* The S3 documentation's examples ("Authenticating Requests: Using the
 * Authorization Header" and "... Using Query Parameters"): GET object with
 * Range: bytes=0-9, and its presigned URL valid for 86400 s. */
#define DOC_HOST "examplebucket.s3.amazonaws.com"
#define DOC_GET_SIGNATURE "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
#define DOC_PRESIGN_QUERY                                                                                    \
    "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2F" \
    "aws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
#define DOC_PRESIGNED_URL                                                                                    \
    "https://" DOC_HOST "/test.txt?" DOC_PRESIGN_QUERY                                                       \
    "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"

/* Computed by aws-sdk-go-v2 1.17.1 (Debian's golang-github-aws-aws-sdk-go-v2-dev),
 * aws/signer/v4 with DisableURIPathEscaping, the documentation's keys, us-east-1,
 * s3, 2013-05-24T00:00:00Z. That SDK reads '+' as a space (url.Values), and
 * the same program reproduces both documented signatures above.
 *   SignHTTP, GET https://examplebucket.s3.amazonaws.com/?list-type=2&prefix=my+key
 *   with X-Amz-Content-Sha256: EMPTY_SHA, payload hash EMPTY_SHA: */
#define REF_LIST_MY_KEY "f29c9061669254db03ef51a29333bdda6e11d29db9c5b08fb8dccc60fc58cbb0"
/*   the same with ?list-type=2&prefix=1%2B1: */
#define REF_LIST_1_PLUS_1 "bf8d62f917461ccf670d89dcc4a422c3a2d99f5148d983a024f7bd6d218645af"
/*   PresignHTTP, GET https://examplebucket.s3.amazonaws.com/test.txt?prefix=my+key
 *   with X-Amz-Expires=86400, payload UNSIGNED-PAYLOAD: */
#define REF_PRESIGN_MY_KEY "88df39c0687c670cc2ff5f09f116cdd9509d51f9e9d688ce0a43785f4248291a"

static int g_checks, g_failures;

/* ------------------------------------------------------------------ */
/* Checks                                                               */

static void check(const char *what, int ok)
{
    g_checks++;
    if (!ok) {
        g_failures++;
        printf("FAIL %s\n", what);
    }
}

/* got == NULL: the call failed (already reported). */
static void check_str(const char *what, const char *want, const char *got)
{
    g_checks++;
    if (got != NULL && strcmp(want, got) == 0)
        return;
    g_failures++;
    printf("FAIL %s:\n  want %s\n  got  %s\n", what, want, got != NULL ? got : "(no output)");
}

static int starts_with(const char *s, const char *prefix)
{
    return s != NULL && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* ------------------------------------------------------------------ */
/* Calls                                                                */

static sigv4rs_signer *new_signer(const char *akid, const char *secret, const char *service, uint32_t flags)
{
    sigv4rs_config cfg = {0};
    cfg.access_key_id = sigv4rs_cstr(akid);
    cfg.secret_access_key = sigv4rs_cstr(secret);
    cfg.region = sigv4rs_cstr("us-east-1");
    cfg.service = sigv4rs_cstr(service);
    cfg.flags = flags;
    sigv4rs_signer *s = NULL;
    sigv4rs_status st = sigv4rs_signer_new(&cfg, &s);
    if (st != SIGV4RS_STATUS_OK) {
        printf("FAIL signer_new(%s): %s\n", service, sigv4rs_status_str(st));
        return NULL;
    }
    return s;
}

/* The example keys of the SigV4 test suite, or of the S3 documentation. */
static sigv4rs_signer *suite_signer(const char *service, uint32_t flags)
{
    return new_signer("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", service, flags);
}

static sigv4rs_signer *doc_signer(void)
{
    return new_signer("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "s3", SIGV4RS_FLAG_S3);
}

static sigv4rs_request get(const char *url, const sigv4rs_header *h, size_t nh)
{
    sigv4rs_request r = {0};
    r.method = sigv4rs_cstr("GET");
    r.url = sigv4rs_cstr(url);
    r.headers = h;
    r.headers_len = nh;
    return r;
}

/* The shape of canonical_request and string_to_sign (auth mode, expiry). */
typedef sigv4rs_status (*text_fn)(const sigv4rs_signer *, const sigv4rs_request *, int64_t, uint32_t, uint32_t,
                                  uint8_t *, size_t, size_t *);

/* sigv4rs_signer_presign in that shape. */
static sigv4rs_status presign_fn(const sigv4rs_signer *s, const sigv4rs_request *r, int64_t t, uint32_t auth,
                                 uint32_t expires, uint8_t *out, size_t cap, size_t *len)
{
    (void)auth;
    return sigv4rs_signer_presign(s, r, t, expires, out, cap, len);
}

/* Writes the call's NUL-terminated text into out; NULL on failure. */
static const char *text(const char *what, text_fn fn, const sigv4rs_signer *s, const sigv4rs_request *r, int64_t t,
                        uint32_t expires, char out[OUT_CAP])
{
    size_t len = 0;
    sigv4rs_status st = s == NULL ? SIGV4RS_STATUS_NULL_ARGUMENT : fn(s, r, t, expires == 0 ? SIGV4RS_AUTH_HEADERS : SIGV4RS_AUTH_PRESIGN, expires,
                                                                (uint8_t *)out, OUT_CAP, &len);
    if (st != SIGV4RS_STATUS_OK) {
        printf("FAIL %s: %s\n", what, sigv4rs_status_str(st));
        return NULL;
    }
    return out;
}

static const char *creq(const char *what, const sigv4rs_signer *s, const sigv4rs_request *r, int64_t t,
                        uint32_t expires, char out[OUT_CAP])
{
    return text(what, sigv4rs_signer_canonical_request, s, r, t, expires, out);
}

static const char *presign(const char *what, const sigv4rs_signer *s, const sigv4rs_request *r, int64_t t,
                           uint32_t expires, char out[OUT_CAP])
{
    return text(what, presign_fn, s, r, t, expires, out);
}

/* Line n (from 0) of text, in a static buffer; NULL if there is none. */
static const char *line(const char *text, int n)
{
    static char buf[OUT_CAP];
    if (text == NULL)
        return NULL;
    for (; n > 0; n--) {
        text = strchr(text, '\n');
        if (text == NULL)
            return NULL;
        text++;
    }
    size_t len = strcspn(text, "\n");
    memcpy(buf, text, len);
    buf[len] = '\0';
    return buf;
}

/* Header signing output: "Name: value\0Name: value\0...". */
struct headers {
    char buf[OUT_CAP];
    size_t len;
    int ok;
};

static void sign(const char *what, const sigv4rs_signer *s, const sigv4rs_request *r, int64_t t, struct headers *h)
{
    sigv4rs_status st = s == NULL ? SIGV4RS_STATUS_NULL_ARGUMENT
                                  : sigv4rs_signer_sign_headers(s, r, t, (uint8_t *)h->buf, sizeof h->buf, &h->len);
    h->ok = st == SIGV4RS_STATUS_OK;
    if (!h->ok) {
        h->len = 0;
        printf("FAIL %s: %s\n", what, sigv4rs_status_str(st));
    }
}

static const char *first_header(const struct headers *h)
{
    return h->ok ? h->buf : NULL;
}

/* The value of the header named `name` (same case as output), or NULL. */
static const char *header(const struct headers *h, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < h->len; i += strlen(h->buf + i) + 1)
        if (strncmp(h->buf + i, name, n) == 0 && h->buf[i + n] == ':' && h->buf[i + n + 1] == ' ')
            return h->buf + i + n + 2;
    return NULL;
}

static const char *signature(const struct headers *h)
{
    const char *a = header(h, "Authorization");
    const char *sig = a != NULL ? strstr(a, "Signature=") : NULL;
    return sig != NULL ? sig + strlen("Signature=") : NULL;
}

/* 1 when both signed with the same signature, 0 when not, -1 on failure. */
static int same_signature(const struct headers *a, const struct headers *b)
{
    const char *x = signature(a), *y = signature(b);
    return x == NULL || y == NULL ? -1 : strcmp(x, y) == 0;
}

/* ------------------------------------------------------------------ */
/* a. '+' in a query is a space                                         */

#define ES_HOST "search-d.us-east-1.es.amazonaws.com"
#define ES_PRESIGN_QUERY                                                                                     \
    "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fes%2F"          \
    "aws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host"

static void test_plus_is_a_space(void)
{
    /* query as sent; canonical query in header mode and in presign mode
     * (sorted by encoded key, so "%20" < "%2B" < "A" < "X-Amz-" < "a");
     * the presigned URL's query before the X-Amz-* parameters (the caller's
     * order, each piece in its canonical form, no '=' added, empty dropped). */
    static const struct {
        const char *query, *canonical, *presign_canonical, *presign_query;
    } cases[] = {
        {"q=star+wars", "q=star%20wars", ES_PRESIGN_QUERY "&q=star%20wars", "q=star%20wars"},
        {"q=star%20wars", "q=star%20wars", ES_PRESIGN_QUERY "&q=star%20wars", "q=star%20wars"},
        {"q=1%2B1", "q=1%2B1", ES_PRESIGN_QUERY "&q=1%2B1", "q=1%2B1"},
        {"q=1%2b1+", "q=1%2B1%20", ES_PRESIGN_QUERY "&q=1%2B1%20", "q=1%2B1%20"},
        {"a+b=c++d", "a%20b=c%20%20d", ES_PRESIGN_QUERY "&a%20b=c%20%20d", "a%20b=c%20%20d"},
        {"x%2By=2&x+y=1&xA=3", "x%20y=1&x%2By=2&xA=3", ES_PRESIGN_QUERY "&x%20y=1&x%2By=2&xA=3",
         "x%2By=2&x%20y=1&xA=3"},
        {"+", "%20=", "%20=&" ES_PRESIGN_QUERY, "%20"},
        {"b=x+y&a=%7e&flag&&c=%2b", "a=~&b=x%20y&c=%2B&flag=", ES_PRESIGN_QUERY "&a=~&b=x%20y&c=%2B&flag=",
         "b=x%20y&a=~&flag&c=%2B"},
    };
    sigv4rs_signer *es = suite_signer("es", 0);
    char url[512], want[OUT_CAP], what[640], out[OUT_CAP];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(url, sizeof url, "https://" ES_HOST "/_search?%s", cases[i].query);
        sigv4rs_request r = get(url, NULL, 0);
        snprintf(what, sizeof what, "plus: canonical query (header mode) of %s", cases[i].query);
        check_str(what, cases[i].canonical, line(creq(what, es, &r, T, 0, out), 2));
        snprintf(what, sizeof what, "plus: canonical query (presign mode) of %s", cases[i].query);
        check_str(what, cases[i].presign_canonical, line(creq(what, es, &r, T, 60, out), 2));
        snprintf(what, sizeof what, "plus: presigned URL of %s", cases[i].query);
        const char *p = presign(what, es, &r, T, 60, out);
        snprintf(want, sizeof want, "https://" ES_HOST "/_search?%s&%s&X-Amz-Signature=", cases[i].presign_query,
                 ES_PRESIGN_QUERY);
        check(what, starts_with(p, want) && strlen(p) == strlen(want) + 64);
        if (p != NULL && !starts_with(p, want))
            printf("  want %s<64 hex>\n  got  %s\n", want, p);
        snprintf(what, sizeof what, "plus: no raw '+' in the presigned URL of %s", cases[i].query);
        check(what, p != NULL && strchr(p, '+') == NULL);
    }
    /* Both spellings of a space are one request; a plus is another. */
    struct headers plus, pct, plus_lit;
    sigv4rs_request r1 = get("https://" ES_HOST "/_search?q=star+wars", NULL, 0);
    sigv4rs_request r2 = get("https://" ES_HOST "/_search?q=star%20wars", NULL, 0);
    sigv4rs_request r3 = get("https://" ES_HOST "/_search?q=star%2Bwars", NULL, 0);
    sign("plus: sign q=star+wars", es, &r1, T, &plus);
    sign("plus: sign q=star%20wars", es, &r2, T, &pct);
    sign("plus: sign q=star%2Bwars", es, &r3, T, &plus_lit);
    check("plus: q=star+wars and q=star%20wars sign the same", same_signature(&plus, &pct) == 1);
    check("plus: q=star+wars and q=star%2Bwars sign differently", same_signature(&plus, &plus_lit) == 0);
    sigv4rs_signer_free(es);

    /* S3, the documentation's keys: the whole canonical request and string
     * to sign by hand, the signature from aws-sdk-go-v2. */
    sigv4rs_signer *doc = doc_signer();
    sigv4rs_request list = get("https://" DOC_HOST "/?list-type=2&prefix=my+key", NULL, 0);
    check_str("plus: S3 list canonical request",
              "GET\n/\nlist-type=2&prefix=my%20key\nhost:" DOC_HOST "\nx-amz-content-sha256:" EMPTY_SHA
              "\nx-amz-date:20130524T000000Z\n\nhost;x-amz-content-sha256;x-amz-date\n" EMPTY_SHA,
              creq("plus: S3 list canonical request", doc, &list, DOC_T, 0, out));
    /* The hash is sha256sum of the canonical request above. */
    check_str("plus: S3 list string to sign",
              "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
              "a9fb19831cfea99e7663fdb9cb9cb8a4de757afd24131bea2183a438fb545696",
              text("plus: S3 list string to sign", sigv4rs_signer_string_to_sign, doc, &list, DOC_T, 0, out));
    sign("plus: S3 list", doc, &list, DOC_T, &plus);
    check_str("plus: S3 list signature (aws-sdk-go-v2)", REF_LIST_MY_KEY, signature(&plus));
    list = get("https://" DOC_HOST "/?list-type=2&prefix=1%2B1", NULL, 0);
    sign("plus: S3 list 1%2B1", doc, &list, DOC_T, &plus_lit);
    check_str("plus: S3 list prefix=1%2B1 signature (aws-sdk-go-v2)", REF_LIST_1_PLUS_1, signature(&plus_lit));

    /* Presigned: the documentation's presign canonical request plus the
     * prefix; the URL keeps the prefix first, as signed. */
    sigv4rs_request obj = get("https://" DOC_HOST "/test.txt?prefix=my+key", NULL, 0);
    check_str("plus: S3 presign canonical request",
              "GET\n/test.txt\n" DOC_PRESIGN_QUERY "&prefix=my%20key\nhost:" DOC_HOST "\n\nhost\nUNSIGNED-PAYLOAD",
              creq("plus: S3 presign canonical request", doc, &obj, DOC_T, 86400, out));
    check_str("plus: S3 presigned URL (signature from aws-sdk-go-v2)",
              "https://" DOC_HOST "/test.txt?prefix=my%20key&" DOC_PRESIGN_QUERY
              "&X-Amz-Signature=" REF_PRESIGN_MY_KEY,
              presign("plus: S3 presigned URL", doc, &obj, DOC_T, 86400, out));
    sigv4rs_signer_free(doc);
}

/* ------------------------------------------------------------------ */
/* b. The host is case-insensitive: signed and sent lower-case          */

static void test_host_is_lower_case(void)
{
    sigv4rs_signer *doc = doc_signer();
    sigv4rs_header h[2];
    h[0].name = sigv4rs_cstr("Range");
    h[0].value = sigv4rs_cstr("bytes=0-9");
    struct headers out;
    char buf[OUT_CAP];

    /* DNS names are case-insensitive, so the documented signature must
     * come out; the Host line makes curl send what was signed. */
    sigv4rs_request r = get("https://ExampleBucket.S3.amazonaws.com/test.txt", h, 1);
    sign("host: S3 GET, mixed case", doc, &r, DOC_T, &out);
    check_str("host: S3 GET from a mixed-case URL, documented signature", DOC_GET_SIGNATURE, signature(&out));
    check_str("host: S3 GET from a mixed-case URL, first output", "Host: " DOC_HOST, first_header(&out));
    check_str("host: S3 GET from a mixed-case URL, canonical host", "host:" DOC_HOST,
              line(creq("host: S3 GET canonical request", doc, &r, DOC_T, 0, buf), 3));

    /* Already lower-case: nothing to fix, so no Host line. */
    r = get("https://" DOC_HOST "/test.txt", h, 1);
    sign("host: S3 GET, lower case", doc, &r, DOC_T, &out);
    check_str("host: S3 GET, documented signature", DOC_GET_SIGNATURE, signature(&out));
    check("host: S3 GET from a lower-case URL outputs no Host", out.ok && header(&out, "Host") == NULL);

    /* From parts, the same. */
    sigv4rs_request parts = {0};
    parts.method = sigv4rs_cstr("GET");
    parts.host = sigv4rs_cstr("ExampleBucket.S3.amazonaws.com");
    parts.path = sigv4rs_cstr("/test.txt");
    parts.headers = h;
    parts.headers_len = 1;
    sign("host: S3 GET from parts", doc, &parts, DOC_T, &out);
    check_str("host: S3 GET from parts with a mixed-case host, documented signature", DOC_GET_SIGNATURE,
              signature(&out));
    check_str("host: S3 GET from parts with a mixed-case host, first output", "Host: " DOC_HOST,
              first_header(&out));

    /* Presigned from a mixed-case URL: the documented URL, byte for byte. */
    r = get("https://ExampleBucket.S3.Amazonaws.COM/test.txt", NULL, 0);
    check_str("host: documented presigned URL from a mixed-case URL", DOC_PRESIGNED_URL,
              presign("host: presign", doc, &r, DOC_T, 86400, buf));

    /* An explicit Host header is what the client sends: signed as given
     * (trimmed), and no Host line is added. */
    h[1].name = sigv4rs_cstr("Host");
    h[1].value = sigv4rs_cstr("  ExampleBucket.S3.amazonaws.com ");
    r = get("https://ExampleBucket.S3.amazonaws.com/test.txt", h, 2);
    check_str("host: explicit Host header, canonical request",
              "GET\n/test.txt\n\nhost:ExampleBucket.S3.amazonaws.com\nrange:bytes=0-9\nx-amz-content-sha256:" EMPTY_SHA
              "\nx-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n" EMPTY_SHA,
              creq("host: explicit Host canonical request", doc, &r, DOC_T, 0, buf));
    sign("host: explicit Host", doc, &r, DOC_T, &out);
    check("host: explicit Host header, no Host output", out.ok && header(&out, "Host") == NULL);
    sigv4rs_signer_free(doc);

    /* Ports and IP literals: the default port is dropped, brackets kept. */
    static const struct {
        const char *url, *lower_url, *host;
    } cases[] = {
        {"http://LocalHost:8080/p", "http://localhost:8080/p", "localhost:8080"},
        {"http://LocalHost:80/p", "http://localhost:80/p", "localhost"},
        {"https://API.Example.COM:8443/p", "https://api.example.com:8443/p", "api.example.com:8443"},
        {"http://[FE80::AB]:8080/p", "http://[fe80::ab]:8080/p", "[fe80::ab]:8080"},
    };
    sigv4rs_signer *api = suite_signer("execute-api", 0);
    char want[256], what[256];
    struct headers lower;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        r = get(cases[i].url, NULL, 0);
        snprintf(what, sizeof what, "host: canonical host of %s", cases[i].url);
        snprintf(want, sizeof want, "host:%s", cases[i].host);
        check_str(what, want, line(creq(what, api, &r, T, 0, buf), 3));
        snprintf(what, sizeof what, "host: first output for %s", cases[i].url);
        snprintf(want, sizeof want, "Host: %s", cases[i].host);
        sign(what, api, &r, T, &out);
        check_str(what, want, first_header(&out));
        sigv4rs_request lr = get(cases[i].lower_url, NULL, 0);
        sign(what, api, &lr, T, &lower);
        snprintf(what, sizeof what, "host: %s signs as %s", cases[i].url, cases[i].lower_url);
        check(what, same_signature(&out, &lower) == 1);
    }
    sigv4rs_signer_free(api);
}

/* ------------------------------------------------------------------ */
/* c. Escaped dot segments                                              */

static void test_escaped_dot_segments(void)
{
    /* RFC 3986: %2e is an unreserved byte, equivalent to '.' (6.2.2.2), so
     * remove_dot_segments (5.2.4) applies to it. */
    static const struct {
        const char *path, *canonical;
    } cases[] = {
        {"/a/%2e%2e/b", "/b"},  {"/a/b/%2E/c", "/a/b/c"}, {"/a/b/%2e./c", "/a/c"},
        {"/a/b/.%2E", "/a/"},   {"/%2e", "/"},            {"/a/%2e%2e%2e", "/a/..."},
        {"/%7Ea/%2E%2E/b", "/b"},
    };
    sigv4rs_signer *single = suite_signer("execute-api", SIGV4RS_FLAG_SINGLE_ENCODE_PATH);
    char url[256], plain[256], what[320], buf[OUT_CAP];
    struct headers a, b;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(url, sizeof url, "https://h.example%s", cases[i].path);
        snprintf(plain, sizeof plain, "https://h.example%s", cases[i].canonical);
        sigv4rs_request r = get(url, NULL, 0), p = get(plain, NULL, 0);
        snprintf(what, sizeof what, "dots: canonical URI of %s (single encoding)", cases[i].path);
        check_str(what, cases[i].canonical, line(creq(what, single, &r, T, 0, buf), 1));
        snprintf(what, sizeof what, "dots: %s signs as %s", cases[i].path, cases[i].canonical);
        sign(what, single, &r, T, &a);
        sign(what, single, &p, T, &b);
        check(what, same_signature(&a, &b) == 1);
    }
    sigv4rs_signer_free(single);

    /* Double encoding (the default) is unchanged: %2e is data, encoded
     * again, as botocore and aws-sdk-go-v2 compute. */
    sigv4rs_signer *dbl = suite_signer("execute-api", 0);
    sigv4rs_request r = get("https://h.example/a/%2e%2e/b", NULL, 0);
    check_str("dots: canonical URI of /a/%2e%2e/b (double encoding)", "/a/%252e%252e/b",
              line(creq("dots: double encoding", dbl, &r, T, 0, buf), 1));
    sigv4rs_signer_free(dbl);
}

int main(void)
{
    test_plus_is_a_space();
    test_host_is_lower_case();
    test_escaped_dot_segments();
    printf("server rules: %d/%d checks passed\n", g_checks - g_failures, g_checks);
    return g_failures == 0 ? 0 : 1;
}
