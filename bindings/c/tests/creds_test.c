/*
 * Issue 13 through the C API: credentials that change under a signer.
 *   a. A signer made without credentials asks its provider (a C callback
 *      whose user data counts the calls) on the first signing call, and
 *      signs the AWS S3 documentation's GET example with what it put.
 *   b. The provider is asked again from expiration - margin on, not before;
 *      while it fails the old set keeps signing; at the expiration the
 *      status is CREDENTIALS_EXPIRED.
 *   c. sigv4rs_signer_rotate and sigv4rs_signer_rotate_json (the AWS IoT
 *      credentials provider's document) replace the set, on a heap signer
 *      and on one in caller storage; a rotation from inside the signer's
 *      own provider is BUSY.
 * Expected signatures are the S3 documentation's ("Authenticating
 * Requests: Using the Authorization Header" GET object example and the
 * presigned URL of "... Using Query Parameters"), never sigv4rs's output.
 *
 * Prints one FAIL line per difference, then
 *   creds: P/N checks passed
 * Exits 0 only when every check passed.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sigv4rs.h"

#define OUT_CAP 4096
#define DOC_T 1369353600 /* 20130524T000000Z */
#define DOC_AKID "AKIAIOSFODNN7EXAMPLE"
#define DOC_SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define DOC_HOST "examplebucket.s3.amazonaws.com"
#define DOC_GET_SIGNATURE "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
#define DOC_PRESIGN_SIGNATURE "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
#define EXPIRES (DOC_T + 3600)

static int g_checks, g_failures;

static void check(const char *what, int ok)
{
    g_checks++;
    if (!ok) {
        g_failures++;
        printf("FAIL %s\n", what);
    }
}

static void check_status(const char *what, sigv4rs_status want, sigv4rs_status got)
{
    g_checks++;
    if (want != got) {
        g_failures++;
        printf("FAIL %s: got %s (%u), want %s (%u)\n", what, sigv4rs_status_str(got), (unsigned)got,
               sigv4rs_status_str(want), (unsigned)want);
    }
}

static void check_int(const char *what, long long want, long long got)
{
    g_checks++;
    if (want != got) {
        g_failures++;
        printf("FAIL %s: got %lld, want %lld\n", what, got, want);
    }
}

/* The user data of the provider: what it does and what it saw. */
struct provider_state {
    int calls;
    int64_t last_time;
    int fail;                       /* return an error instead of a put */
    int64_t expiration;             /* of the set it puts */
    const sigv4rs_signer *rotate;   /* if set: rotate this signer from inside */
    sigv4rs_status rotate_status;
};

static sigv4rs_status provider(void *user, int64_t unix_time, sigv4rs_credentials_sink *sink)
{
    struct provider_state *p = (struct provider_state *)user;
    sigv4rs_credentials c;
    p->calls++;
    p->last_time = unix_time;
    if (p->fail)
        return SIGV4RS_STATUS_MISSING_CREDENTIALS;
    memset(&c, 0, sizeof c);
    c.access_key_id = sigv4rs_cstr(DOC_AKID);
    c.secret_access_key = sigv4rs_cstr(DOC_SECRET);
    c.expiration = p->expiration;
    if (p->rotate != NULL)
        p->rotate_status = sigv4rs_signer_rotate(p->rotate, &c);
    return sigv4rs_credentials_sink_put(sink, &c);
}

/* The documentation's GET object example, signed at `t`: the status, and
 * the signature in `sig` (65 bytes) on OK. */
static sigv4rs_status sign_get(const sigv4rs_signer *s, int64_t t, char *sig)
{
    sigv4rs_header h;
    sigv4rs_request r;
    uint8_t out[OUT_CAP];
    size_t len = 0;
    sigv4rs_status st;
    const char *at;
    h.name = sigv4rs_cstr("Range");
    h.value = sigv4rs_cstr("bytes=0-9");
    memset(&r, 0, sizeof r);
    r.method = sigv4rs_cstr("GET");
    r.url = sigv4rs_cstr("https://" DOC_HOST "/test.txt");
    r.headers = &h;
    r.headers_len = 1;
    sig[0] = '\0';
    st = sigv4rs_signer_sign_headers(s, &r, t, out, sizeof out, &len);
    if (st != SIGV4RS_STATUS_OK)
        return st;
    /* The last output line is the Authorization header. */
    for (at = (const char *)out; at < (const char *)out + len; at += strlen(at) + 1) {
        const char *p = strstr(at, "Signature=");
        if (strncmp(at, "Authorization: ", 15) == 0 && p != NULL && strlen(p + 10) == 64)
            memcpy(sig, p + 10, 65);
    }
    return st;
}

/* The documentation's presigned URL (86400 s): its signature in `sig`. */
static sigv4rs_status presign_get(const sigv4rs_signer *s, int64_t t, char *sig)
{
    sigv4rs_request r;
    char out[OUT_CAP];
    size_t len = 0;
    sigv4rs_status st;
    const char *p;
    memset(&r, 0, sizeof r);
    r.method = sigv4rs_cstr("GET");
    r.url = sigv4rs_cstr("https://" DOC_HOST "/test.txt");
    sig[0] = '\0';
    st = sigv4rs_signer_presign(s, &r, t, 86400, (uint8_t *)out, sizeof out, &len);
    if (st == SIGV4RS_STATUS_OK && (p = strstr(out, "X-Amz-Signature=")) != NULL && strlen(p + 16) == 64)
        memcpy(sig, p + 16, 65);
    return st;
}

static sigv4rs_config region_only(void)
{
    sigv4rs_config cfg;
    memset(&cfg, 0, sizeof cfg); /* no credentials yet: all three empty */
    cfg.region = sigv4rs_cstr("us-east-1");
    cfg.service = sigv4rs_cstr("s3");
    cfg.flags = SIGV4RS_FLAG_S3;
    return cfg;
}

static void provider_refresh(void)
{
    sigv4rs_config cfg = region_only();
    sigv4rs_signer *s = NULL;
    struct provider_state p;
    char sig[65];
    int64_t exp = -1;
    memset(&p, 0, sizeof p);
    p.expiration = EXPIRES;
    check_status("a: signer without credentials", SIGV4RS_STATUS_OK, sigv4rs_signer_new(&cfg, &s));
    check_status("a: expiration before any", SIGV4RS_STATUS_MISSING_CREDENTIALS, sigv4rs_signer_expiration(s, &exp));
    check_status("a: set_provider", SIGV4RS_STATUS_OK,
                 sigv4rs_signer_set_provider(s, provider, &p, SIGV4RS_DEFAULT_REFRESH_MARGIN));
    check_status("a: first signing call", SIGV4RS_STATUS_OK, sign_get(s, DOC_T, sig));
    check("a: documented GET signature", strcmp(sig, DOC_GET_SIGNATURE) == 0);
    check_int("a: provider calls", 1, p.calls);
    check_int("a: provider got the signing time", DOC_T, p.last_time);
    check_status("a: presign", SIGV4RS_STATUS_OK, presign_get(s, DOC_T, sig));
    check("a: documented presigned URL signature", strcmp(sig, DOC_PRESIGN_SIGNATURE) == 0);
    check_status("a: expiration", SIGV4RS_STATUS_OK, sigv4rs_signer_expiration(s, &exp));
    check_int("a: expiration value", EXPIRES, exp);

    /* b. Not asked before expiration - margin; asked at it. It fails: the
     * old set signs on until it expires. */
    p.fail = 1;
    check_status("b: one second before the margin", SIGV4RS_STATUS_OK,
                 sign_get(s, EXPIRES - SIGV4RS_DEFAULT_REFRESH_MARGIN - 1, sig));
    check_int("b: not asked before the margin", 1, p.calls);
    check_status("b: at the margin, provider failing", SIGV4RS_STATUS_OK,
                 sign_get(s, EXPIRES - SIGV4RS_DEFAULT_REFRESH_MARGIN, sig));
    check_int("b: asked at the margin", 2, p.calls);
    check_status("b: one second before the expiration", SIGV4RS_STATUS_OK, sign_get(s, EXPIRES - 1, sig));
    check_status("b: at the expiration", SIGV4RS_STATUS_CREDENTIALS_EXPIRED, sign_get(s, EXPIRES, sig));
    check("b: nothing written when expired", sig[0] == '\0');
    check("b: status message", strcmp(sigv4rs_status_str(SIGV4RS_STATUS_CREDENTIALS_EXPIRED), "credentials expired") == 0);
    /* It recovers: a later call after the retry delay gets a fresh set. */
    p.fail = 0;
    p.expiration = 0;
    check_status("b: provider works again", SIGV4RS_STATUS_OK,
                 sign_get(s, EXPIRES + 2 * SIGV4RS_PROVIDER_RETRY_SECS, sig));
    check_status("b: expiration of the new set", SIGV4RS_STATUS_OK, sigv4rs_signer_expiration(s, &exp));
    check_int("b: does not expire", 0, exp);

    /* Removed: a new signer without credentials then has none. */
    sigv4rs_signer_free(s);
    s = NULL;
    check_status("b: second signer", SIGV4RS_STATUS_OK, sigv4rs_signer_new(&cfg, &s));
    check_status("b: set_provider", SIGV4RS_STATUS_OK, sigv4rs_signer_set_provider(s, provider, &p, 60));
    check_status("b: remove the provider", SIGV4RS_STATUS_OK, sigv4rs_signer_set_provider(s, NULL, NULL, 0));
    p.calls = 0;
    check_status("b: no provider, no credentials", SIGV4RS_STATUS_MISSING_CREDENTIALS, sign_get(s, DOC_T, sig));
    check_int("b: removed provider not asked", 0, p.calls);

    /* c. A rotation from inside the provider is BUSY; the put wins. */
    memset(&p, 0, sizeof p);
    p.rotate = s;
    check_status("c: set_provider", SIGV4RS_STATUS_OK, sigv4rs_signer_set_provider(s, provider, &p, 300));
    check_status("c: signing through a provider that rotates", SIGV4RS_STATUS_OK, sign_get(s, DOC_T, sig));
    check_status("c: rotate inside the provider", SIGV4RS_STATUS_BUSY, p.rotate_status);
    check("c: documented GET signature", strcmp(sig, DOC_GET_SIGNATURE) == 0);
    sigv4rs_signer_free(s);
}

static void rotations(void)
{
    static sigv4rs_signer_storage storage;
    static const char iot[] = "{\"credentials\":{\"accessKeyId\":\"" DOC_AKID "\",\"secretAccessKey\":\"wJalrXUtnFEMI\\/K7MDENG"
                              "\\/bPxRfiCYEXAMPLEKEY\",\"sessionToken\":null,\"expiration\":\"2013-05-24T01:00:00Z\"}}";
    sigv4rs_config cfg = region_only();
    sigv4rs_credentials other, doc;
    sigv4rs_signer *heap = NULL, *st = NULL;
    char sig[65];
    int64_t exp = -1;
    memset(&other, 0, sizeof other);
    other.access_key_id = sigv4rs_cstr("AKIDOTHER");
    other.secret_access_key = sigv4rs_cstr("other secret");
    memset(&doc, 0, sizeof doc);
    doc.access_key_id = sigv4rs_cstr(DOC_AKID);
    doc.secret_access_key = sigv4rs_cstr(DOC_SECRET);

    cfg.access_key_id = other.access_key_id;
    cfg.secret_access_key = other.secret_access_key;
    check_status("c: heap signer", SIGV4RS_STATUS_OK, sigv4rs_signer_new(&cfg, &heap));
    check_status("c: signs with its set", SIGV4RS_STATUS_OK, sign_get(heap, DOC_T, sig));
    check("c: not the documented signature before the rotation", strcmp(sig, DOC_GET_SIGNATURE) != 0);
    check_status("c: rotate", SIGV4RS_STATUS_OK, sigv4rs_signer_rotate(heap, &doc));
    check_status("c: sign after rotate", SIGV4RS_STATUS_OK, sign_get(heap, DOC_T, sig));
    check("c: documented GET signature after rotate", strcmp(sig, DOC_GET_SIGNATURE) == 0);
    other.access_key_id = sigv4rs_cstr("AKID/SLASH");
    check_status("c: rotate to an invalid key id", SIGV4RS_STATUS_INVALID_ACCESS_KEY_ID,
                 sigv4rs_signer_rotate(heap, &other));
    check_status("c: sign after a refused rotation", SIGV4RS_STATUS_OK, sign_get(heap, DOC_T, sig));
    check("c: a refused rotation changes nothing", strcmp(sig, DOC_GET_SIGNATURE) == 0);
    sigv4rs_signer_free(heap);

    /* Firmware style: caller storage, no credentials, then the IoT answer
     * (with the JSON-escaped slashes some encoders write). */
    cfg = region_only();
    check_status("c: storage signer", SIGV4RS_STATUS_OK, sigv4rs_signer_init(&storage, &cfg, &st));
    check_status("c: storage signer without credentials", SIGV4RS_STATUS_MISSING_CREDENTIALS,
                 sign_get(st, DOC_T, sig));
    check_status("c: rotate_json", SIGV4RS_STATUS_OK, sigv4rs_signer_rotate_json(st, sigv4rs_cstr(iot)));
    check_status("c: sign after rotate_json", SIGV4RS_STATUS_OK, sign_get(st, DOC_T, sig));
    check("c: documented GET signature after rotate_json", strcmp(sig, DOC_GET_SIGNATURE) == 0);
    check_status("c: expiration", SIGV4RS_STATUS_OK, sigv4rs_signer_expiration(st, &exp));
    check_int("c: the document's expiration", DOC_T + 3600, exp);
    check_status("c: expired an hour later", SIGV4RS_STATUS_CREDENTIALS_EXPIRED, sign_get(st, DOC_T + 3600, sig));
    check_status("c: rotate_json, not a document", SIGV4RS_STATUS_INVALID_CREDENTIALS_DOCUMENT,
                 sigv4rs_signer_rotate_json(st, sigv4rs_cstr("{\"credentials\":")));
    check_status("c: still the document's set", SIGV4RS_STATUS_OK, sign_get(st, DOC_T, sig));
    check("c: a refused document changes nothing", strcmp(sig, DOC_GET_SIGNATURE) == 0);
    sigv4rs_signer_deinit(&storage);
    check_status("c: after deinit", SIGV4RS_STATUS_NOT_INITIALIZED, sigv4rs_signer_rotate(st, &doc));
}

int main(void)
{
    provider_refresh();
    rotations();
    printf("creds: %d/%d checks passed\n", g_checks - g_failures, g_checks);
    return g_failures == 0 ? 0 : 1;
}
