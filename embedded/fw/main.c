/* Bare-metal test firmware for sigv4rs (no heap, no libc calls).
 *
 * Checks the official SigV4 suite (vectors.h, generated from the suite's
 * files), the two AWS S3 aws-chunked documentation examples and error
 * paths (and, built with -DFW_SIGV4A, SigV4a suite cases whose signatures
 * the host verifies), printing PASS/FAIL per check over semihosting. main
 * returns the failure count, which startup.c turns into the exit status. Every call
 * into the library is wrapped in stack painting, and the high-water mark
 * of each exported function is printed as "STACK <name> <bytes>". */
#define SIGV4RS_NO_STD
#include "sigv4rs.h"
#include "semihost.h"

struct fw_case {
    const char *name, *akid, *secret, *token, *region, *service;
    uint32_t flags;
    int64_t time;
    uint32_t expires;
    const char *method, *path, *query;
    size_t path_len, query_len;
    const sigv4rs_header *headers;
    size_t n_headers;
    uint32_t payload_mode;
    const char *body;
    size_t body_len;
    const char *body_sha256;
    const char *h_creq, *h_sts, *h_sig;
    const char *const *added; /* name, value pairs */
    size_t n_added;
    const char *q_creq, *q_sts, *q_sig, *q_prefix;
    const char *const *params;
    size_t n_params;
};
#include "vectors.h"

/* ------------------------------------------------------------ helpers */

static size_t slen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}
static int mem_eq(const void *a, const void *b, size_t n)
{
    const uint8_t *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return 0;
    return 1;
}
static int str_eq(const char *a, const char *b) { return slen(a) == slen(b) && mem_eq(a, b, slen(a)); }
static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }
static int name_eq(const char *a, size_t n, const char *b)
{
    if (slen(b) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (lower((uint8_t)a[i]) != lower((uint8_t)b[i]))
            return 0;
    return 1;
}
static sigv4rs_bytes bytes(const char *s, size_t n) { return (sigv4rs_bytes){(const uint8_t *)s, n}; }
static sigv4rs_bytes cstr(const char *s) { return bytes(s, slen(s)); }

static void put_u32(uint32_t v)
{
    char buf[11];
    int i = 10;
    buf[i] = 0;
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    sh_puts(&buf[i]);
}
/* Prints n bytes (wire output is not NUL-terminated); CR and LF visible. */
static void put_n(const uint8_t *s, size_t n)
{
    char buf[65];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const char *esc = s[i] == '\r' ? "\\r" : s[i] == '\n' ? "\\n" : s[i] == 0 ? "\\0" : 0;
        if (k + 3 > sizeof buf) {
            buf[k] = 0;
            sh_puts(buf);
            k = 0;
        }
        if (esc) {
            buf[k++] = esc[0];
            buf[k++] = esc[1];
        } else {
            buf[k++] = (char)s[i];
        }
    }
    buf[k] = 0;
    sh_puts(buf);
}

static uint32_t checks, failures;

static int report(int ok, const char *group, const char *name, const char *what)
{
    checks++;
    if (!ok)
        failures++;
    sh_puts(ok ? "PASS " : "FAIL ");
    sh_puts(group);
    sh_puts(" ");
    sh_puts(name);
    if (what) {
        sh_puts(" (");
        sh_puts(what);
        sh_puts(")");
    }
    sh_puts("\n");
    return ok;
}
/* On a mismatch, why: printed under the FAIL line that follows. */
static void why(const char *label, const uint8_t *s, size_t n)
{
    sh_puts("    ");
    sh_puts(label);
    sh_puts(": ");
    put_n(s, n);
    sh_puts("\n");
}
static void why_status(const char *label, uint32_t st)
{
    sh_puts("    ");
    sh_puts(label);
    sh_puts(": status ");
    put_u32(st);
    sh_puts(" ");
    sh_puts(sigv4rs_status_str(st));
    sh_puts("\n");
}

/* ------------------------------------------------ stack painting */

enum ep {
    EP_INIT, EP_DEINIT, EP_SIGN_HEADERS, EP_PRESIGN, EP_CANONICAL_REQUEST, EP_STRING_TO_SIGN,
    EP_CHUNKED_ENCODED_LENGTH, EP_CHUNKED_BEGIN, EP_CHUNKED_SIGN_CHUNK, EP_CHUNKED_FINISH,
    EP_HASHER_INIT, EP_HASHER_UPDATE, EP_HASHER_FINISH, EP_STATUS_STR, EP_VERSION, EP_COUNT
};
static const char *const ep_names[EP_COUNT] = {
    "sigv4rs_signer_init", "sigv4rs_signer_deinit", "sigv4rs_signer_sign_headers",
    "sigv4rs_signer_presign", "sigv4rs_signer_canonical_request", "sigv4rs_signer_string_to_sign",
    "sigv4rs_chunked_encoded_length", "sigv4rs_chunked_begin", "sigv4rs_chunked_sign_chunk",
    "sigv4rs_chunked_finish", "sigv4rs_payload_hasher_init", "sigv4rs_payload_hasher_update",
    "sigv4rs_payload_hasher_finish", "sigv4rs_status_str", "sigv4rs_version",
};
static uint32_t ep_stack[EP_COUNT], ep_calls[EP_COUNT];
static int stack_overflowed;

extern uint32_t _stack_bottom;
#define PAINT 0xDEADC0DEu

/* Inlined so the painting loop runs in the caller's (already allocated)
 * frame: everything below SP is free and gets the pattern. */
static inline __attribute__((always_inline)) uint32_t paint_below_sp(void)
{
    uint32_t sp;
#if defined(__riscv)
    __asm__ volatile("mv %0, sp" : "=r"(sp));
#else
    __asm__ volatile("mov %0, sp" : "=r"(sp));
#endif
    for (volatile uint32_t *p = &_stack_bottom; (uint32_t)p < sp; p++)
        *p = PAINT;
    return sp;
}
static void high_water(enum ep ep, uint32_t sp)
{
    const volatile uint32_t *p = &_stack_bottom;
    if (*p != PAINT)
        stack_overflowed = 1;
    while ((uint32_t)p < sp && *p == PAINT)
        p++;
    uint32_t used = sp - (uint32_t)p;
    if (used > ep_stack[ep])
        ep_stack[ep] = used;
    ep_calls[ep]++;
}
/* Bytes the call used below the caller's SP (its stack arguments live in
 * the caller's frame and are not counted). */
#define MEASURED(ep, call)                                                                         \
    __extension__({                                                                                \
        uint32_t sp_ = paint_below_sp();                                                           \
        __typeof__(call) r_ = (call);                                                              \
        high_water(ep, sp_);                                                                       \
        r_;                                                                                        \
    })

/* ------------------------------------------------ library state */

/* The signer lives here, nowhere else: static storage, no heap. */
static sigv4rs_signer_storage storage;
static sigv4rs_signer *signer;

#define OUT_CAP 4096
#define CANARY 0xA5
#define CANARY_LEN 32
static uint8_t out[OUT_CAP + CANARY_LEN];

static void fill_canary(size_t from, size_t n)
{
    for (size_t i = from; i < from + n && i < sizeof out; i++)
        out[i] = CANARY;
}
static int canary_intact(size_t from, size_t n)
{
    for (size_t i = from; i < from + n && i < sizeof out; i++)
        if (out[i] != CANARY)
            return 0;
    return 1;
}

static uint32_t init_signer(const sigv4rs_config *cfg)
{
    return MEASURED(EP_INIT, sigv4rs_signer_init(&storage, cfg, &signer));
}

enum op { OP_SIGN, OP_PRESIGN, OP_CREQ, OP_STS };

/* Debug outputs: expiry 0 is header mode. */
static uint32_t auth_of(uint32_t exp)
{
    return exp == 0 ? SIGV4RS_AUTH_HEADERS : SIGV4RS_AUTH_PRESIGN;
}

static uint32_t run_op(enum op op, const sigv4rs_request *r, int64_t t, uint32_t exp, uint8_t *o,
                       size_t cap, size_t *len)
{
    switch (op) {
    case OP_SIGN:
        return MEASURED(EP_SIGN_HEADERS, sigv4rs_signer_sign_headers(signer, r, t, o, cap, len));
    case OP_PRESIGN:
        return MEASURED(EP_PRESIGN, sigv4rs_signer_presign(signer, r, t, exp, o, cap, len));
    case OP_CREQ:
        return MEASURED(EP_CANONICAL_REQUEST,
                        sigv4rs_signer_canonical_request(signer, r, t, auth_of(exp), exp, o, cap, len));
    default:
        return MEASURED(EP_STRING_TO_SIGN,
                        sigv4rs_signer_string_to_sign(signer, r, t, auth_of(exp), exp, o, cap, len));
    }
}

/* The README's output contract, on every call: a size query, one byte
 * short (BUFFER_TOO_SMALL, size reported, nothing written), then exactly
 * enough (OK, NUL last, nothing past *out_len). Output lands in `out`. */
static uint32_t call_text(enum op op, const sigv4rs_request *r, int64_t t, uint32_t exp, size_t *len,
                          const char **broken)
{
    size_t need = 0, got = 0;
    uint32_t st = run_op(op, r, t, exp, 0, 0, &need);
    *broken = 0;
    if (st != SIGV4RS_STATUS_BUFFER_TOO_SMALL)
        return st;
    if (need == 0 || need > OUT_CAP) {
        *broken = "size query gave 0 or more than OUT_CAP";
        return st;
    }
    fill_canary(0, need + CANARY_LEN);
    st = run_op(op, r, t, exp, out, need - 1, &got);
    if (st != SIGV4RS_STATUS_BUFFER_TOO_SMALL || got != need || !canary_intact(0, need + CANARY_LEN)) {
        *broken = "one byte short: not BUFFER_TOO_SMALL, wrong size, or bytes written";
        return SIGV4RS_STATUS_OK;
    }
    fill_canary(0, need + CANARY_LEN);
    st = run_op(op, r, t, exp, out, need, len);
    if (st == SIGV4RS_STATUS_OK && (*len != need || out[need - 1] != 0 || !canary_intact(need, CANARY_LEN)))
        *broken = "exact buffer: wrong length, no NUL, or written past *out_len";
    return st;
}

/* Runs op and compares the NUL-terminated text with want. */
static int text_is(enum op op, const sigv4rs_request *r, int64_t t, uint32_t exp, const char *want,
                   const char *what)
{
    size_t len = 0;
    const char *broken;
    uint32_t st = call_text(op, r, t, exp, &len, &broken);
    int ok = st == SIGV4RS_STATUS_OK && !broken && len == slen(want) + 1 && mem_eq(out, want, len);
    if (!ok) {
        sh_puts("    ");
        sh_puts(what);
        sh_puts(" mismatch\n");
        if (st != SIGV4RS_STATUS_OK)
            why_status("got", st);
        else if (broken)
            why("contract", (const uint8_t *)broken, slen(broken));
        else {
            why("want", (const uint8_t *)want, slen(want));
            why("got ", out, len ? len - 1 : 0);
        }
    }
    return ok;
}

/* Value of header `name` in NUL-separated "Name: value" output, or NULL. */
static const char *header_value(const uint8_t *o, size_t len, const char *name)
{
    for (size_t i = 0; i < len;) {
        const char *e = (const char *)o + i;
        size_t n = slen(e);
        size_t colon = 0;
        while (colon < n && e[colon] != ':')
            colon++;
        if (colon + 2 <= n && name_eq(e, colon, name))
            return e + colon + 2;
        i += n + 1;
    }
    return 0;
}
static const char *after_last(const char *s, const char *marker)
{
    const char *hit = 0;
    size_t m = slen(marker);
    for (const char *p = s; *p; p++)
        if (mem_eq(p, marker, m) && slen(p) >= m)
            hit = p + m;
    return hit;
}

/* ------------------------------------------------ official suite */

static void config_for(const struct fw_case *c, sigv4rs_config *cfg)
{
    *cfg = (sigv4rs_config){0};
    cfg->access_key_id = cstr(c->akid);
    cfg->secret_access_key = cstr(c->secret);
    cfg->session_token = cstr(c->token);
    cfg->region = cstr(c->region);
    cfg->service = cstr(c->service);
    cfg->flags = c->flags;
}
static void request_for(const struct fw_case *c, sigv4rs_request *r)
{
    *r = (sigv4rs_request){0};
    r->method = cstr(c->method);
    r->path = bytes(c->path, c->path_len);
    r->query = bytes(c->query, c->query_len);
    r->headers = c->headers;
    r->headers_len = c->n_headers;
    r->payload_mode = c->payload_mode;
    r->payload = bytes(c->body, c->body_len);
}

/* Header mode: the output headers must be exactly the ones the suite's
 * signed request adds (names case-insensitive), in any order. */
static int headers_match(const struct fw_case *c, size_t len)
{
    int used[8] = {0};
    size_t n = 0;
    if (c->n_added > 8)
        return 0;
    for (size_t i = 0; i < len; n++) {
        const char *e = (const char *)out + i;
        size_t el = slen(e), colon = 0, k;
        while (colon < el && e[colon] != ':')
            colon++;
        if (colon + 2 > el || e[colon + 1] != ' ')
            return 0;
        for (k = 0; k < c->n_added; k++)
            if (!used[k] && name_eq(e, colon, c->added[2 * k]) && str_eq(e + colon + 2, c->added[2 * k + 1]))
                break;
        if (k == c->n_added) {
            why("unexpected header", (const uint8_t *)e, el);
            return 0;
        }
        used[k] = 1;
        i += el + 1;
    }
    return n == c->n_added;
}

/* Query mode: https://host/path? prefix, then the parameters as a multiset. */
static int url_matches(const struct fw_case *c, size_t len)
{
    int used[16] = {0};
    size_t pl = slen(c->q_prefix), n = 0;
    if (c->n_params > 16 || len < pl + 1 || !mem_eq(out, c->q_prefix, pl))
        return 0;
    const char *q = (const char *)out + pl;
    while (*q) {
        size_t k, pn = 0;
        while (q[pn] && q[pn] != '&')
            pn++;
        for (k = 0; k < c->n_params; k++)
            if (!used[k] && slen(c->params[k]) == pn && mem_eq(q, c->params[k], pn))
                break;
        if (k == c->n_params) {
            why("unexpected parameter", (const uint8_t *)q, pn);
            return 0;
        }
        used[k] = 1;
        n++;
        q += pn + (q[pn] == '&');
    }
    return n == c->n_params;
}

static int hash_is(const char *data, size_t n, const char *want_hex)
{
    static sigv4rs_payload_hasher h;
    uint8_t hex[SIGV4RS_SHA256_HEX_LEN + 1];
    size_t len = 0, half = n / 2;
    int ok = MEASURED(EP_HASHER_INIT, sigv4rs_payload_hasher_init(&h)) == SIGV4RS_STATUS_OK;
    /* Two pieces: the hash must not depend on how the body arrives. */
    ok = ok && MEASURED(EP_HASHER_UPDATE, sigv4rs_payload_hasher_update(&h, bytes(data, half))) == 0;
    ok = ok && MEASURED(EP_HASHER_UPDATE, sigv4rs_payload_hasher_update(&h, bytes(data + half, n - half))) == 0;
    ok = ok && MEASURED(EP_HASHER_FINISH, sigv4rs_payload_hasher_finish(&h, hex, sizeof hex, &len)) == 0;
    ok = ok && len == sizeof hex && mem_eq(hex, want_hex, SIGV4RS_SHA256_HEX_LEN) && hex[64] == 0;
    if (!ok)
        why("sha256 want", (const uint8_t *)want_hex, slen(want_hex));
    return ok;
}

static void suite_case(const struct fw_case *c)
{
    sigv4rs_config cfg;
    sigv4rs_request r;
    size_t len = 0;
    const char *broken;
    uint32_t st;

    config_for(c, &cfg);
    request_for(c, &r);
    st = init_signer(&cfg);
    if (!report(st == SIGV4RS_STATUS_OK, "suite", c->name, "signer_init")) {
        why_status("init", st);
        return;
    }
    report(hash_is(c->body, c->body_len, c->body_sha256), "suite", c->name, "payload hash");

    /* Header mode. */
    int ok = text_is(OP_CREQ, &r, c->time, 0, c->h_creq, "canonical request");
    ok &= text_is(OP_STS, &r, c->time, 0, c->h_sts, "string to sign");
    st = call_text(OP_SIGN, &r, c->time, 0, &len, &broken);
    if (st != SIGV4RS_STATUS_OK || broken) {
        why_status("sign_headers", st);
        if (broken)
            why("contract", (const uint8_t *)broken, slen(broken));
        ok = 0;
    } else {
        const char *auth = header_value(out, len, "Authorization");
        const char *sig = auth ? after_last(auth, "Signature=") : 0;
        if (!sig || !str_eq(sig, c->h_sig)) {
            why("signature want", (const uint8_t *)c->h_sig, slen(c->h_sig));
            why("Authorization", (const uint8_t *)(auth ? auth : ""), auth ? slen(auth) : 0);
            ok = 0;
        }
        if (!headers_match(c, len)) {
            why("headers got", out, len);
            ok = 0;
        }
    }
    report(ok, "suite", c->name, "header mode: canonical request, string to sign, signature, headers");

    /* Query mode (presigned URL), on a fresh signer: an empty key cache
     * makes the first presign derive the signing key, the deepest path. */
    st = init_signer(&cfg);
    ok = st == SIGV4RS_STATUS_OK && text_is(OP_CREQ, &r, c->time, c->expires, c->q_creq, "canonical request");
    ok &= text_is(OP_STS, &r, c->time, c->expires, c->q_sts, "string to sign");
    st = call_text(OP_PRESIGN, &r, c->time, c->expires, &len, &broken);
    if (st != SIGV4RS_STATUS_OK || broken) {
        why_status("presign", st);
        ok = 0;
    } else {
        const char *sig = after_last((const char *)out, "X-Amz-Signature=");
        if (!sig || !str_eq(sig, c->q_sig)) {
            why("signature want", (const uint8_t *)c->q_sig, slen(c->q_sig));
            ok = 0;
        }
        if (!url_matches(c, len)) {
            why("url got", out, len - 1);
            ok = 0;
        }
    }
    report(ok, "suite", c->name, "query mode: canonical request, string to sign, signature, URL");
}

#ifdef FW_SIGV4A
/* ------------------------------------------------ SigV4a (sigv4a builds) */

/* The suite's v4a cases (vectors_v4a.h): canonical requests, strings to
 * sign, added headers and presigned parameters must be the suite's; the
 * ECDSA signature differs per signer (the suite's are samples), so it is
 * printed as "V4A <case> <header|query> <hex>" and run.sh verifies it on
 * the host with the suite's public key (tools/verify_v4a.py). */
#include "vectors_v4a.h"

static void print_v4a(const char *name, const char *mode, const char *sig)
{
    sh_puts("V4A ");
    sh_puts(name);
    sh_puts(" ");
    sh_puts(mode);
    sh_puts(" ");
    sh_puts(sig);
    sh_puts("\n");
}

static int v4a_sig_ok(const char *sig)
{
    size_t n = sig ? slen(sig) : 0;
    return n >= 16 && n <= SIGV4RS_SIGV4A_SIGNATURE_MAX_LEN && sig[0] == '3' && sig[1] == '0';
}

/* Added headers as the suite's, Authorization compared up to "Signature=". */
static int v4a_headers_match(const struct fw_case *c, size_t len)
{
    int used[8] = {0};
    size_t n = 0;
    if (c->n_added > 8)
        return 0;
    for (size_t i = 0; i < len; n++) {
        const char *e = (const char *)out + i;
        size_t el = slen(e), colon = 0, k;
        while (colon < el && e[colon] != ':')
            colon++;
        if (colon + 2 > el || e[colon + 1] != ' ')
            return 0;
        for (k = 0; k < c->n_added; k++) {
            const char *want = c->added[2 * k + 1];
            const char *cut = after_last(want, "Signature=");
            size_t wl = cut ? (size_t)(cut - want) : slen(want);
            if (!used[k] && name_eq(e, colon, c->added[2 * k]) &&
                (cut ? el - colon - 2 >= wl && mem_eq(e + colon + 2, want, wl) : str_eq(e + colon + 2, want)))
                break;
        }
        if (k == c->n_added) {
            why("unexpected header", (const uint8_t *)e, el);
            return 0;
        }
        used[k] = 1;
        i += el + 1;
    }
    return n == c->n_added;
}

static void v4a_case(const struct fw_case *c)
{
    sigv4rs_config cfg;
    sigv4rs_request r;
    size_t len = 0;
    const char *broken;
    uint32_t st;

    config_for(c, &cfg);
    request_for(c, &r);
    /* A fresh signer per mode: the first signature derives the P-256 key. */
    st = init_signer(&cfg);
    int ok = st == SIGV4RS_STATUS_OK && text_is(OP_CREQ, &r, c->time, 0, c->h_creq, "canonical request");
    ok &= text_is(OP_STS, &r, c->time, 0, c->h_sts, "string to sign");
    st = call_text(OP_SIGN, &r, c->time, 0, &len, &broken);
    if (st != SIGV4RS_STATUS_OK || broken) {
        why_status("sign_headers", st);
        ok = 0;
    } else {
        const char *auth = header_value(out, len, "Authorization");
        const char *sig = auth ? after_last(auth, "Signature=") : 0;
        ok &= v4a_sig_ok(sig) && v4a_headers_match(c, len);
        if (sig)
            print_v4a(c->name, "header", sig);
    }
    report(ok, "v4a", c->name, "header mode: canonical request, string to sign, headers; signature printed");

    st = init_signer(&cfg);
    ok = st == SIGV4RS_STATUS_OK && text_is(OP_CREQ, &r, c->time, c->expires, c->q_creq, "canonical request");
    ok &= text_is(OP_STS, &r, c->time, c->expires, c->q_sts, "string to sign");
    st = call_text(OP_PRESIGN, &r, c->time, c->expires, &len, &broken);
    if (st != SIGV4RS_STATUS_OK || broken) {
        why_status("presign", st);
        ok = 0;
    } else {
        char *sig = (char *)after_last((const char *)out, "&X-Amz-Signature=");
        ok &= v4a_sig_ok(sig);
        if (sig) {
            print_v4a(c->name, "query", sig);
            /* The URL without its signature: the suite's parameters. */
            sig[-(int)sizeof "&X-Amz-Signature=" + 1] = 0;
            ok &= url_matches(c, (size_t)(sig - (char *)out));
        }
    }
    report(ok, "v4a", c->name, "query mode: canonical request, string to sign, URL; signature printed");
}
#endif

/* ------------------------------------------------ aws-chunked (S3 docs) */

/* "Signature Calculations for the Authorization Header: Transferring
 * Payload in Multiple Chunks" and its "Including Trailing Headers"
 * variant, AWS S3 API reference: 66,560 bytes of 'a' in 64 KiB chunks. */
static const uint8_t a64k[65536] = {[0 ... 65535] = 'a'};
#define DOC_TIME 1369353600LL /* 2013-05-24T00:00:00Z */
#define DOC_URL "https://s3.amazonaws.com/examplebucket/chunkObject.txt"

static const char *const doc_chunks[2][3] = {
    {"10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n",
     "400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n",
     "0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n"},
    {"10000;chunk-signature=b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2\r\n",
     "400;chunk-signature=1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7\r\n",
     "0;chunk-signature=2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992\r\n"
     "x-amz-checksum-crc32c:sOO8/Q==\r\n"
     "x-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n\r\n"},
};
static const char *const doc_seed[2] = {
    "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
    "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e",
};

static int wire_is(const uint8_t *got, size_t n, const char *want)
{
    if (n == slen(want) && mem_eq(got, want, n))
        return 1;
    why("want", (const uint8_t *)want, slen(want));
    why("got ", got, n);
    return 0;
}
static int header_is(const uint8_t *o, size_t len, const char *name, const char *want)
{
    const char *v = header_value(o, len, name);
    if (v && str_eq(v, want))
        return 1;
    why(name, (const uint8_t *)(v ? v : "(missing)"), v ? slen(v) : 9);
    return 0;
}

/* Signs at another day, so the signer's one-day key cache no longer holds
 * the upload's key: the next chunk must derive it again (the deepest stack
 * path, and a check that the cache cannot mix days up). */
static void evict_key_cache(const sigv4rs_request *r)
{
    size_t len = 0;
    uint32_t st = run_op(OP_SIGN, r, DOC_TIME + 86400, 0, out, OUT_CAP, &len);
    if (st != SIGV4RS_STATUS_OK)
        why_status("evict_key_cache", st);
}

static void chunked_example(int trailer)
{
    static sigv4rs_chunked state;
    static uint8_t hdrs[1024], line[256];
    const char *name = trailer ? "s3-doc-trailer" : "s3-doc-chunked";
    const sigv4rs_bytes unsigned_names[] = {cstr("content-length")};
    const sigv4rs_header extra[] = {{cstr("x-amz-storage-class"), cstr("REDUCED_REDUNDANCY")}};
    sigv4rs_config cfg = {0};
    sigv4rs_request r = {0};
    sigv4rs_stream s = {trailer ? SIGV4RS_STREAM_MODE_SIGNED_TRAILER : SIGV4RS_STREAM_MODE_SIGNED,
                        trailer ? SIGV4RS_CHECKSUM_CRC32C : SIGV4RS_CHECKSUM_NONE, 66560, 65536};
    uint64_t encoded = 0, total = 0;
    size_t len = 0, need = 0;
    uint32_t st;

    cfg.access_key_id = cstr("AKIAIOSFODNN7EXAMPLE");
    cfg.secret_access_key = cstr("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
    cfg.region = cstr("us-east-1");
    cfg.service = cstr("s3");
    cfg.flags = SIGV4RS_FLAG_S3;
    if (trailer) { /* that example does not sign Content-Length */
        cfg.unsigned_headers = unsigned_names;
        cfg.unsigned_headers_len = 1;
    }
    r.method = cstr("PUT");
    r.url = cstr(DOC_URL);
    r.headers = extra;
    r.headers_len = 1;

    st = init_signer(&cfg);
    if (!report(st == SIGV4RS_STATUS_OK, "chunked", name, "signer_init"))
        return;
    st = MEASURED(EP_CHUNKED_ENCODED_LENGTH, sigv4rs_chunked_encoded_length(&s, &encoded));
    if (!trailer)
        report(st == SIGV4RS_STATUS_OK && encoded == 66824, "chunked", name, "encoded length 66824");
    else
        report(st == SIGV4RS_STATUS_OK && encoded > 66560, "chunked", name, "encoded length");

    /* Seed request: size query first, then exactly that much room. */
    st = MEASURED(EP_CHUNKED_BEGIN, sigv4rs_chunked_begin(signer, &r, DOC_TIME, &s, &state, 0, 0, &need));
    int ok = st == SIGV4RS_STATUS_BUFFER_TOO_SMALL && need <= sizeof hdrs;
    st = MEASURED(EP_CHUNKED_BEGIN, sigv4rs_chunked_begin(signer, &r, DOC_TIME, &s, &state, hdrs, need, &len));
    ok = ok && st == SIGV4RS_STATUS_OK && len == need;
    if (!ok)
        why_status("chunked_begin", st);
    if (ok) {
        const char *auth = header_value(hdrs, len, "Authorization");
        const char *sig = auth ? after_last(auth, "Signature=") : 0;
        if (!sig || !str_eq(sig, doc_seed[trailer])) {
            why("seed signature want", (const uint8_t *)doc_seed[trailer], 64);
            why("Authorization", (const uint8_t *)(auth ? auth : ""), auth ? slen(auth) : 0);
            ok = 0;
        }
        ok &= header_is(hdrs, len, "Content-Encoding", "aws-chunked");
        ok &= header_is(hdrs, len, "X-Amz-Decoded-Content-Length", "66560");
        if (trailer) {
            ok &= header_is(hdrs, len, "X-Amz-Content-SHA256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER");
            ok &= header_is(hdrs, len, "X-Amz-Trailer", "x-amz-checksum-crc32c");
        } else {
            ok &= header_is(hdrs, len, "X-Amz-Content-SHA256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD");
            ok &= header_is(hdrs, len, "Content-Length", "66824");
            ok &= auth && after_last(auth, "SignedHeaders=content-encoding;content-length;host;"
                                           "x-amz-content-sha256;x-amz-date;"
                                           "x-amz-decoded-content-length;x-amz-storage-class, ") != 0;
        }
    }
    if (!report(ok, "chunked", name, "seed signature and headers"))
        return;

    /* Chunk 1 with a too-small buffer first: refused, state unchanged, so
     * the retry must still give the documented signature. */
    len = 0;
    for (size_t i = 0; i < sizeof line; i++)
        line[i] = CANARY;
    st = MEASURED(EP_CHUNKED_SIGN_CHUNK,
                  sigv4rs_chunked_sign_chunk(signer, &state, bytes((const char *)a64k, 65536), line, 10, &len));
    ok = st == SIGV4RS_STATUS_BUFFER_TOO_SMALL && len == slen(doc_chunks[trailer][0]);
    for (size_t i = 0; i < sizeof line; i++)
        ok &= line[i] == CANARY;
    report(ok, "chunked", name, "chunk 1 into 10 bytes: BUFFER_TOO_SMALL, size given, nothing written");

    for (int k = 0; k < 2; k++) {
        size_t n = k ? 1024 : 65536;
        if (k)
            evict_key_cache(&r);
        st = MEASURED(EP_CHUNKED_SIGN_CHUNK,
                      sigv4rs_chunked_sign_chunk(signer, &state, bytes((const char *)a64k, n), line, sizeof line, &len));
        ok = st == SIGV4RS_STATUS_OK && wire_is(line, len, doc_chunks[trailer][k]);
        total += len + n + 2;
        report(ok, "chunked", name, k ? "chunk 2 (1024 bytes) signature" : "chunk 1 (65536 bytes) signature");
    }
    evict_key_cache(&r);
    st = MEASURED(EP_CHUNKED_FINISH, sigv4rs_chunked_finish(signer, &state, line, sizeof line, &len));
    ok = st == SIGV4RS_STATUS_OK && wire_is(line, len, doc_chunks[trailer][2]);
    total += len;
    report(ok, "chunked", name, trailer ? "final chunk, crc32c trailer and trailer signature" : "final chunk signature");
    report(total == encoded, "chunked", name, "body length equals the declared Content-Length");
    st = MEASURED(EP_CHUNKED_FINISH, sigv4rs_chunked_finish(signer, &state, line, sizeof line, &len));
    report(st == SIGV4RS_STATUS_NOT_INITIALIZED, "chunked", name, "finish again: NOT_INITIALIZED");
}

/* The hasher over the S3 examples' 66,560-byte body in uneven pieces, so
 * partial blocks, whole blocks and the final padding are all exercised. */
static void hasher_long(void)
{
    static sigv4rs_payload_hasher h;
    uint8_t hex[SIGV4RS_SHA256_HEX_LEN + 1];
    size_t len = 0, done = 0, piece = 1;
    int ok = MEASURED(EP_HASHER_INIT, sigv4rs_payload_hasher_init(&h)) == SIGV4RS_STATUS_OK;
    while (ok && done < 66560) {
        size_t n = 66560 - done < piece ? 66560 - done : piece;
        ok = MEASURED(EP_HASHER_UPDATE, sigv4rs_payload_hasher_update(&h, bytes((const char *)a64k, n))) == 0;
        done += n;
        piece = piece * 3 + 1; /* 1, 4, 13, ... 29524 bytes */
        if (piece > 30000)
            piece = 1000;
    }
    /* Too small: refused and the hash goes on unchanged. */
    ok = ok && MEASURED(EP_HASHER_FINISH, sigv4rs_payload_hasher_finish(&h, hex, 64, &len)) ==
                   SIGV4RS_STATUS_BUFFER_TOO_SMALL && len == sizeof hex;
    ok = ok && MEASURED(EP_HASHER_FINISH, sigv4rs_payload_hasher_finish(&h, hex, sizeof hex, &len)) == 0;
    ok = ok && len == sizeof hex && mem_eq(hex, FW_SHA256_A66560, 64) && hex[64] == 0;
    if (!ok)
        why("sha256 want", (const uint8_t *)FW_SHA256_A66560, 64);
    report(ok, "hasher", "a66560", "SHA-256 of 66,560 bytes in uneven pieces; short buffer refused first");
}

/* ------------------------------------------------ error paths */

static void error_paths(void)
{
    const struct fw_case *c = &fw_cases[0];
    sigv4rs_config cfg;
    sigv4rs_request r;
    size_t len, need = 0;
    uint32_t st;

    for (int i = 0; i < FW_N_CASES; i++)
        if (str_eq(fw_cases[i].name, "get-vanilla"))
            c = &fw_cases[i];
    config_for(c, &cfg);
    request_for(c, &r);
    init_signer(&cfg);

    /* Buffer too small: needed size reported, not one byte written. */
    st = run_op(OP_SIGN, &r, c->time, 0, 0, 0, &need);
    fill_canary(0, sizeof out);
    len = 0;
    uint32_t st2 = run_op(OP_SIGN, &r, c->time, 0, out, need / 2, &len);
    report(st == SIGV4RS_STATUS_BUFFER_TOO_SMALL && st2 == SIGV4RS_STATUS_BUFFER_TOO_SMALL && need > 0 &&
               len == need && canary_intact(0, sizeof out),
           "error", "buffer-too-small", "sign_headers: status, needed size, canaries intact");

    /* This firmware's build-time limits (sigv4rs_limits="small": 32 headers,
     * 32 query parameters): one over is refused, the limit itself passes
     * validation (a size query then answers BUFFER_TOO_SMALL). */
    {
        static sigv4rs_header many[33];
        static char query[2 * 33];
        for (int i = 0; i < 33; i++) {
            many[i].name = cstr(i ? "x-a" : "host");
            many[i].value = cstr(i ? "1" : "example.amazonaws.com");
            query[2 * i] = 'a';
            query[2 * i + 1] = '&';
        }
        sigv4rs_request rl = r;
        rl.headers = many;
        uint32_t st_h[2], st_q[2];
        for (int k = 0; k < 2; k++) {
            rl.headers_len = (size_t)(33 - k);
            st_h[k] = run_op(OP_SIGN, &rl, c->time, 0, 0, 0, &len);
        }
        rl = r;
        for (int k = 0; k < 2; k++) {
            rl.query = bytes(query, (size_t)(2 * (33 - k) - 1));
            st_q[k] = run_op(OP_SIGN, &rl, c->time, 0, 0, 0, &len);
        }
        report(st_h[0] == SIGV4RS_STATUS_TOO_MANY_HEADERS && st_h[1] == SIGV4RS_STATUS_BUFFER_TOO_SMALL,
               "limits", "headers", "33 refused, 32 accepted");
        report(st_q[0] == SIGV4RS_STATUS_TOO_MANY_QUERY_PARAMETERS && st_q[1] == SIGV4RS_STATUS_BUFFER_TOO_SMALL,
               "limits", "query-parameters", "33 refused, 32 accepted");
    }

    /* CR/LF in a header value: refused, out and *out_len untouched. */
    static const char *const bad_values[] = {"a\r\nX-Injected: 1", "a\nb", "a\rb"};
    for (int i = 0; i < 3; i++) {
        sigv4rs_header h[2] = {c->headers[0], {cstr("X-Test"), cstr(bad_values[i])}};
        sigv4rs_request rb = r;
        rb.headers = h;
        rb.headers_len = 2;
        fill_canary(0, sizeof out);
        len = 12345;
        st = run_op(OP_SIGN, &rb, c->time, 0, out, OUT_CAP, &len);
        st2 = run_op(OP_PRESIGN, &rb, c->time, 3600, out, OUT_CAP, &len);
        report(st == SIGV4RS_STATUS_INVALID_HEADER_VALUE && st2 == SIGV4RS_STATUS_INVALID_HEADER_VALUE &&
                   len == 12345 && canary_intact(0, sizeof out),
               "error", i == 0 ? "header-value-crlf" : i == 1 ? "header-value-lf" : "header-value-cr",
               "INVALID_HEADER_VALUE, nothing written");
        if (st != SIGV4RS_STATUS_INVALID_HEADER_VALUE)
            why_status("sign_headers", st);
    }

    /* Presign expiry bounds. */
    st = run_op(OP_PRESIGN, &r, c->time, 0, out, OUT_CAP, &len);
    st2 = run_op(OP_PRESIGN, &r, c->time, SIGV4RS_MAX_EXPIRES + 1, out, OUT_CAP, &len);
    report(st == SIGV4RS_STATUS_INVALID_EXPIRES && st2 == SIGV4RS_STATUS_INVALID_EXPIRES, "error",
           "presign-expiry", "0 s and 7 days + 1 s: INVALID_EXPIRES");

    /* A bad config: refused, storage left zeroed, *out untouched. */
    sigv4rs_config bad = cfg;
    sigv4rs_signer *before = signer;
    bad.region = cstr("us east 1");
    st = init_signer(&bad);
    int zero = 1;
    for (size_t i = 0; i < sizeof storage; i++)
        zero &= ((const uint8_t *)&storage)[i] == 0;
    report(st == SIGV4RS_STATUS_INVALID_REGION && zero && signer == before, "error", "init-bad-region",
           "INVALID_REGION, storage zeroed, *out not written");

    /* Use after deinit: NOT_INITIALIZED everywhere, storage stays zero. */
    static sigv4rs_chunked state;
    sigv4rs_stream s = {SIGV4RS_STREAM_MODE_SIGNED, SIGV4RS_CHECKSUM_NONE, 100, 65536};
    init_signer(&cfg);
    MEASURED(EP_DEINIT, (sigv4rs_signer_deinit(&storage), 0));
    zero = 1;
    for (size_t i = 0; i < sizeof storage; i++)
        zero &= ((const uint8_t *)&storage)[i] == 0;
    st = run_op(OP_SIGN, &r, c->time, 0, out, OUT_CAP, &len);
    st2 = run_op(OP_PRESIGN, &r, c->time, 3600, out, OUT_CAP, &len);
    uint32_t st3 = MEASURED(EP_CHUNKED_BEGIN,
                            sigv4rs_chunked_begin(signer, &r, c->time, &s, &state, out, OUT_CAP, &len));
    uint32_t st4 = run_op(OP_CREQ, &r, c->time, 0, out, OUT_CAP, &len);
    for (size_t i = 0; i < sizeof storage; i++)
        zero &= ((const uint8_t *)&storage)[i] == 0;
    report(zero && st == SIGV4RS_STATUS_NOT_INITIALIZED && st2 == SIGV4RS_STATUS_NOT_INITIALIZED &&
               st3 == SIGV4RS_STATUS_NOT_INITIALIZED && st4 == SIGV4RS_STATUS_NOT_INITIALIZED,
           "error", "use-after-deinit", "NOT_INITIALIZED, storage all zero");
    MEASURED(EP_DEINIT, (sigv4rs_signer_deinit(0), 0)); /* NULL: no-op */

    /* Static strings. */
    const char *msg = MEASURED(EP_STATUS_STR, sigv4rs_status_str(SIGV4RS_STATUS_INVALID_HEADER_VALUE));
    const char *unk = MEASURED(EP_STATUS_STR, sigv4rs_status_str(77777));
    report(msg && slen(msg) > 0 && unk && !str_eq(msg, unk), "error", "status-str", "messages");
    char want[16] = {(char)('0' + SIGV4RS_VERSION_MAJOR), '.', (char)('0' + SIGV4RS_VERSION_MINOR), '.',
                     (char)('0' + SIGV4RS_VERSION_PATCH), 0};
    const char *v = MEASURED(EP_VERSION, sigv4rs_version());
    report(v && str_eq(v, want), "api", "version", "matches SIGV4RS_VERSION_* of the header");
}

int main(void)
{
    sh_puts("sigv4rs firmware test: ");
    sh_puts(FW_TARGET);
    sh_puts("\n");
    for (int i = 0; i < FW_N_CASES; i++)
        suite_case(&fw_cases[i]);
    chunked_example(0);
    chunked_example(1);
    hasher_long();
    error_paths();
#ifdef FW_SIGV4A
    for (int i = 0; i < FW_N_V4A_CASES; i++)
        v4a_case(&fw_v4a_cases[i]);
#endif
    sigv4rs_signer_deinit(&storage);

    /* Machine-readable stack lines for run.sh. */
    for (int i = 0; i < EP_COUNT; i++) {
        sh_puts("STACK ");
        sh_puts(ep_names[i]);
        sh_puts(" ");
        put_u32(ep_stack[i]);
        sh_puts(" calls ");
        put_u32(ep_calls[i]);
        sh_puts("\n");
    }
    if (stack_overflowed)
        report(0, "stack", "painting", "high-water mark reached the end of the stack region");
    sh_puts(failures ? "RESULT: FAIL " : "RESULT: PASS ");
    put_u32(checks - failures);
    sh_puts(" passed, ");
    put_u32(failures);
    sh_puts(" failed\n");
    /* An exit status is 8 bits: 256 failures must not read as success. */
    return failures > 255 ? 255 : (int)failures;
}
