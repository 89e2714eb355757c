/*
 * Runs the AWS SigV4 test suite through the C API, from the vector file
 * that tests/tools/suite_vectors.py writes from the suite's files
 * (tests/data/suite-v4-vectors.txt; its header describes the format). Every
 * output is also checked against a buffer one byte too small.
 *
 * The SigV4a half (tests/data/suite-v4a-vectors.txt, recognised by its
 * public keys) runs the same way with SIGV4RS_FLAG_SIGV4A, except that
 * ECDSA signatures cannot be compared: ours and the suite's two samples are
 * verified with the suite's public key (OpenSSL's libcrypto, an independent
 * P-256 implementation), and the Authorization header is compared up to
 * `Signature=`. With the first case's credentials it also streams a SigV4a
 * aws-chunked upload (signed chunks, the last one short, a CRC64NVME
 * trailer) in buffers sized by the SIGV4RS_SIGV4A_* constants and verifies
 * every chunk and trailer signature the same way (a FAIL line otherwise).
 *
 * Usage: suite_test VECTOR_FILE. Prints one FAIL line per difference and then
 *   suite v4: header H/38, query Q/38, partial P/2
 * or, for the v4a file,
 *   suite v4a: header H/38, query Q/38
 * Exits 0 only when everything passed.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "sigv4rs.h"

#define FULL_CASES 38
#define PARTIAL_CASES 2 /* v4 only: the v4a file has none */
#define MAX_FIELDS 128
#define CANARY 0xA5
#define UNSET_LEN ((size_t)-1)

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1); /* malloc(0) may return NULL */
    if (p == NULL) {
        fputs("suite_test: out of memory\n", stderr);
        exit(2);
    }
    return p;
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* ------------------------------------------------------------------ */
/* The vector file                                                      */

struct field {
    const char *key;
    const char *value; /* unescaped, NUL-terminated, may hold NULs */
    size_t len;
};

struct vcase {
    struct field f[MAX_FIELDS];
    size_t n;
};

static int hex_digit(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Unescapes `\\`, `\n` and `\xHH` in place; returns the length or -1. */
static long unescape(char *s)
{
    char *o = s;
    for (const char *p = s; *p != '\0'; p++) {
        if (*p != '\\') {
            *o++ = *p;
        } else if (p[1] == '\\' || p[1] == 'n') {
            *o++ = p[1] == 'n' ? '\n' : '\\';
            p++;
        } else if (p[1] == 'x' && hex_digit(p[2]) >= 0 && hex_digit(p[3]) >= 0) {
            *o++ = (char)(hex_digit(p[2]) * 16 + hex_digit(p[3]));
            p += 3;
        } else {
            return -1;
        }
    }
    *o = '\0';
    return (long)(o - s);
}

/* Reads the next case from *pos (the file, NUL-terminated, edited in
 * place). Returns 1 with a case, 0 at the end, -1 on a malformed file. */
static int next_case(char **pos, struct vcase *c)
{
    c->n = 0;
    int in_case = 0;
    while (**pos != '\0') {
        char *line = *pos, *nl = strchr(line, '\n');
        *pos = nl ? nl + 1 : line + strlen(line);
        if (nl)
            *nl = '\0';
        if (*line == '\0' || *line == '#')
            continue;
        char *sp = strchr(line, ' ');
        char *value = sp ? sp + 1 : line + strlen(line);
        if (sp)
            *sp = '\0';
        long len = unescape(value);
        if (len < 0 || c->n == MAX_FIELDS || in_case != (strcmp(line, "case") != 0)) {
            printf("FAIL vector file: bad line \"%s\"\n", line);
            return -1;
        }
        if (strcmp(line, "end") == 0)
            return 1;
        in_case = 1;
        c->f[c->n++] = (struct field){line, value, (size_t)len};
    }
    if (in_case)
        printf("FAIL vector file: last case has no end\n");
    return in_case ? -1 : 0;
}

/* The first value of `key`, or NULL. */
static const struct field *get(const struct vcase *c, const char *key)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->f[i].key, key) == 0)
            return &c->f[i];
    return NULL;
}

static const char *str(const struct vcase *c, const char *key)
{
    const struct field *f = get(c, key);
    return f ? f->value : "";
}

static sigv4rs_bytes bytes_of(const struct vcase *c, const char *key)
{
    const struct field *f = get(c, key);
    sigv4rs_bytes b = {(const uint8_t *)(f ? f->value : ""), f ? f->len : 0};
    return b;
}

/* ------------------------------------------------------------------ */
/* SigV4a: ECDSA P-256 / SHA-256 verification with libcrypto            */

/* Set when the vector file is the v4a one. */
static int v4a;

static int hex_nibble(char c)
{
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : hex_digit(c);
}

/* Hex to bytes; the byte count, or -1 (odd length, a non-hex digit, too long). */
static long unhex(const char *hex, size_t hex_len, uint8_t *out, size_t cap)
{
    if (hex_len % 2 != 0 || hex_len / 2 > cap)
        return -1;
    for (size_t i = 0; i < hex_len; i += 2) {
        int hi = hex_nibble(hex[i]), lo = hex_nibble(hex[i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i / 2] = (uint8_t)(hi * 16 + lo);
    }
    return (long)(hex_len / 2);
}

/* The case's public key (public_key_x, public_key_y) as an EVP_PKEY, from
 * its uncompressed SEC1 point; NULL if it is not a P-256 point. */
static EVP_PKEY *suite_key(const struct vcase *c)
{
    uint8_t point[65] = {4};
    const struct field *x = get(c, "public_key_x"), *y = get(c, "public_key_y");
    if (x == NULL || y == NULL || unhex(x->value, x->len, point + 1, 32) != 32 ||
        unhex(y->value, y->len, point + 33, 32) != 32)
        return NULL;
    char group[] = "prime256v1";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point),
        OSSL_PARAM_construct_end(),
    };
    EVP_PKEY *key = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 || EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1)
        key = NULL;
    EVP_PKEY_CTX_free(ctx);
    return key;
}

/* Whether `sig_hex` (hex of a DER ECDSA signature) signs `msg` under `key`. */
static int verifies(EVP_PKEY *key, const char *msg, size_t msg_len, const char *sig_hex, size_t sig_len)
{
    uint8_t der[SIGV4RS_SIGV4A_SIGNATURE_MAX_LEN / 2];
    long der_len = unhex(sig_hex, sig_len, der, sizeof der);
    if (key == NULL || der_len <= 0)
        return 0;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = md != NULL && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
             EVP_DigestVerify(md, der, (size_t)der_len, (const uint8_t *)msg, msg_len) == 1;
    EVP_MD_CTX_free(md);
    return ok;
}

/* ------------------------------------------------------------------ */
/* Reporting                                                            */

/* One case in one mode; any failure makes it fail. */
struct run {
    const char *name;
    const char *mode;
    int failures;
};

static void fail(struct run *r, const char *fmt, ...)
{
    va_list ap;
    printf("FAIL %s [%s]: ", r->name, r->mode);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    r->failures++;
}

/* Prints bytes as a one-line C-style string literal. */
static void put_escaped(const char *s, size_t n)
{
    putchar('"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n')
            fputs("\\n", stdout);
        else if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20 || c > 0x7e)
            printf("\\x%02X", c);
        else
            putchar(c);
    }
    putchar('"');
}

/* Byte-for-byte comparison with an expected field. */
static void check_text(struct run *r, const struct vcase *c, const char *key, const char *actual, size_t act_len)
{
    const struct field *f = get(c, key);
    const char *want = f ? f->value : "";
    size_t want_len = f ? f->len : 0;
    if (f != NULL && want_len == act_len && memcmp(want, actual, act_len) == 0)
        return;
    size_t at = 0;
    while (at < want_len && at < act_len && want[at] == actual[at])
        at++;
    printf("FAIL %s [%s]: %s differs at byte %zu: expected ", r->name, r->mode, key, at);
    put_escaped(want, want_len);
    printf(" actual ");
    put_escaped(actual, act_len);
    printf("\n");
    r->failures++;
}

/* ------------------------------------------------------------------ */
/* Multisets of strings ("name:value" with a lower-case name, or a query
 * parameter), compared sorted                                          */

struct strs {
    char **v;
    size_t n, cap;
};

static void strs_add(struct strs *l, const char *s, size_t n, int lower_name)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
        if (l->v == NULL)
            exit(2);
    }
    char *d = xmalloc(n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    for (char *p = d; lower_name && *p != '\0' && *p != ':'; p++)
        *p = lower(*p);
    l->v[l->n++] = d;
}

static void strs_free(struct strs *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds every value of `key`. */
static void strs_of(struct strs *l, const struct vcase *c, const char *key, int lower_name)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->f[i].key, key) == 0)
            strs_add(l, c->f[i].value, c->f[i].len, lower_name);
}

static void check_multiset(struct run *r, const char *what, struct strs *want, struct strs *got)
{
    qsort(want->v, want->n, sizeof *want->v, cmp_str);
    qsort(got->v, got->n, sizeof *got->v, cmp_str);
    size_t i = 0;
    while (i < want->n && i < got->n && strcmp(want->v[i], got->v[i]) == 0)
        i++;
    if (i == want->n && i == got->n)
        return;
    printf("FAIL %s [%s]: %s differ: expected", r->name, r->mode, what);
    for (size_t k = 0; k < want->n; k++) {
        putchar(' ');
        put_escaped(want->v[k], strlen(want->v[k]));
    }
    printf("; actual");
    for (size_t k = 0; k < got->n; k++) {
        putchar(' ');
        put_escaped(got->v[k], strlen(got->v[k]));
    }
    printf("\n");
    r->failures++;
}

/* ------------------------------------------------------------------ */
/* Calling the library                                                  */

typedef sigv4rs_status (*out_fn)(const sigv4rs_signer *, const sigv4rs_request *, int64_t, uint32_t,
                                 uint8_t *, size_t, size_t *);

/* sign_headers with the shape of the other output functions. */
static sigv4rs_status sign_headers_fn(const sigv4rs_signer *s, const sigv4rs_request *req, int64_t t,
                                      uint32_t unused, uint8_t *out, size_t cap, size_t *len)
{
    (void)unused;
    return sigv4rs_signer_sign_headers(s, req, t, out, cap, len);
}

/* The debug outputs in that shape: expiry 0 is header mode. */
static uint32_t auth_of(uint32_t expires)
{
    return expires == 0 ? SIGV4RS_AUTH_HEADERS : SIGV4RS_AUTH_PRESIGN;
}

static sigv4rs_status creq_fn(const sigv4rs_signer *s, const sigv4rs_request *req, int64_t t, uint32_t expires,
                              uint8_t *out, size_t cap, size_t *len)
{
    return sigv4rs_signer_canonical_request(s, req, t, auth_of(expires), expires, out, cap, len);
}

static sigv4rs_status sts_fn(const sigv4rs_signer *s, const sigv4rs_request *req, int64_t t, uint32_t expires,
                             uint8_t *out, size_t cap, size_t *len)
{
    return sigv4rs_signer_string_to_sign(s, req, t, auth_of(expires), expires, out, cap, len);
}

/*
 * Calls `fn` three times: size query, a buffer one byte too small (must be
 * refused with the right size and left untouched), then the exact size.
 * Returns the heap output and its size with every NUL; NULL on failure.
 */
static char *call_out(struct run *r, const char *what, out_fn fn, const sigv4rs_signer *s,
                      const sigv4rs_request *req, int64_t t, uint32_t expires, size_t *size)
{
    size_t need = UNSET_LEN;
    sigv4rs_status st = fn(s, req, t, expires, NULL, 0, &need);
    if (st != SIGV4RS_STATUS_BUFFER_TOO_SMALL) {
        fail(r, "%s: size query gave status %u (%s), expected BUFFER_TOO_SMALL", what, (unsigned)st, sigv4rs_status_str(st));
        return NULL;
    }
    if (need == 0 || need == UNSET_LEN) {
        fail(r, "%s: size query gave no usable size (%zu)", what, need);
        return NULL;
    }

    uint8_t *small = xmalloc(need - 1);
    memset(small, CANARY, need - 1);
    size_t got = UNSET_LEN;
    st = fn(s, req, t, expires, small, need - 1, &got);
    if (st != SIGV4RS_STATUS_BUFFER_TOO_SMALL)
        fail(r, "%s: buffer one byte short gave status %u (%s), expected BUFFER_TOO_SMALL", what, (unsigned)st,
             sigv4rs_status_str(st));
    else if (got != need)
        fail(r, "%s: buffer one byte short: *out_len is %zu, expected %zu", what, got, need);
    for (size_t i = 0; i < need - 1; i++) {
        if (small[i] != CANARY) {
            fail(r, "%s: buffer one byte short was written (byte %zu changed)", what, i);
            break;
        }
    }
    free(small);

    char *buf = xmalloc(need);
    memset(buf, CANARY, need);
    got = UNSET_LEN;
    st = fn(s, req, t, expires, (uint8_t *)buf, need, &got);
    if (st != SIGV4RS_STATUS_OK) {
        fail(r, "%s: status %u (%s)", what, (unsigned)st, sigv4rs_status_str(st));
        free(buf);
        return NULL;
    }
    if (got != need || buf[need - 1] != '\0') {
        fail(r, "%s: wrote %zu bytes for a size query of %zu, or no final NUL", what, got, need);
        free(buf);
        return NULL;
    }
    *size = need;
    return buf;
}

/* Calls a single-string output function and compares it with `key`. */
static void check_call(struct run *r, const struct vcase *c, const char *key, out_fn fn, const sigv4rs_signer *s,
                       const sigv4rs_request *req, int64_t t, uint32_t expires)
{
    size_t size;
    char *out = call_out(r, key, fn, s, req, t, expires, &size);
    if (out != NULL && strlen(out) != size - 1)
        fail(r, "%s: NUL inside the text", key);
    else if (out != NULL)
        check_text(r, c, key, out, size - 1);
    free(out);
}

/* ------------------------------------------------------------------ */
/* One case                                                             */

/* SigV4a: `sig` (ours, from `mode` "header" or "query") and the suite's two
 * samples must verify over the suite's string to sign of that mode. */
static void check_v4a_signatures(struct run *r, const struct vcase *c, const char *mode, const char *sig, size_t sig_len)
{
    char sts_key[16], sample_key[2][24];
    snprintf(sts_key, sizeof sts_key, "%s_sts", mode);
    snprintf(sample_key[0], sizeof sample_key[0], "%s_sig", mode);
    snprintf(sample_key[1], sizeof sample_key[1], "%s_sig_alt", mode);
    const struct field *sts = get(c, sts_key);
    EVP_PKEY *key = suite_key(c);
    if (key == NULL || sts == NULL) {
        fail(r, "no usable public key or %s in the vector file", sts_key);
        EVP_PKEY_free(key);
        return;
    }
    if (sig_len > SIGV4RS_SIGV4A_SIGNATURE_MAX_LEN)
        fail(r, "signature of %zu hex digits, more than SIGV4RS_SIGV4A_SIGNATURE_MAX_LEN", sig_len);
    if (!verifies(key, sts->value, sts->len, sig, sig_len))
        fail(r, "our signature does not verify with the suite's public key: %.*s", (int)sig_len, sig);
    for (int i = 0; i < 2; i++) {
        const struct field *f = get(c, sample_key[i]);
        if (f == NULL || !verifies(key, sts->value, sts->len, f->value, f->len))
            fail(r, "the suite's %s does not verify", sample_key[i]);
    }
    EVP_PKEY_free(key);
}

/* SigV4a: the Authorization values cut after `Signature=` (the suite's is a
 * sample that ours cannot equal). */
static void cut_signatures(struct strs *l)
{
    for (size_t i = 0; i < l->n; i++) {
        char *at = strstr(l->v[i], "Signature=");
        if (strncmp(l->v[i], "authorization:", 14) == 0 && at != NULL)
            at[10] = '\0';
    }
}

/* The checks above must be able to fail: a string to sign one byte off, a
 * signature one digit off and another key must not verify the first case's
 * sample. Returns the number of failures (printed). */
static int verification_can_fail(const struct vcase *c)
{
    const struct field *sts = get(c, "header_sts"), *sig = get(c, "header_sig");
    EVP_PKEY *key = suite_key(c);
    int failures = 0;
    if (key == NULL || sts == NULL || sig == NULL || sts->len == 0 || sig->len == 0 ||
        !verifies(key, sts->value, sts->len, sig->value, sig->len)) {
        printf("FAIL verification control: the first case's header_sig does not verify\n");
        EVP_PKEY_free(key);
        return 1;
    }
    char *bad = xmalloc(sts->len > sig->len ? sts->len : sig->len);
    memcpy(bad, sts->value, sts->len);
    bad[sts->len - 1] ^= 1;
    if (verifies(key, bad, sts->len, sig->value, sig->len)) {
        printf("FAIL verification control: a tampered string to sign verifies\n");
        failures++;
    }
    memcpy(bad, sig->value, sig->len);
    bad[sig->len - 1] = bad[sig->len - 1] == '0' ? '1' : '0';
    if (verifies(key, sts->value, sts->len, bad, sig->len)) {
        printf("FAIL verification control: a tampered signature verifies\n");
        failures++;
    }
    free(bad);
    EVP_PKEY_free(key);
    /* The generator point of P-256: a valid key, not the suite's. */
    static const struct field other[] = {
        {"public_key_x", "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296", 64},
        {"public_key_y", "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5", 64},
    };
    struct vcase *o = xmalloc(sizeof *o);
    o->f[0] = other[0];
    o->f[1] = other[1];
    o->n = 2;
    key = suite_key(o);
    free(o);
    if (key == NULL || verifies(key, sts->value, sts->len, sig->value, sig->len)) {
        printf("FAIL verification control: %s\n", key == NULL ? "the P-256 generator is refused as a key" : "another key verifies");
        failures++;
    }
    EVP_PKEY_free(key);
    return failures;
}

/* ------------------------------------------------------------------ */
/* SigV4a aws-chunked: one upload through the C API, every signature    */
/* verified (v4a file only)                                             */

#define STREAM_CHUNK 8192u
#define STREAM_LEN (3 * STREAM_CHUNK + 1000) /* three full chunks, a short one */

/* Lower-case hex of SHA-256(data), NUL-terminated. */
static void sha256_hex(const void *data, size_t n, char out[SIGV4RS_SHA256_HEX_LEN + 1])
{
    static const char digits[] = "0123456789abcdef";
    uint8_t d[32];
    EVP_Digest(data, n, d, NULL, EVP_sha256(), NULL);
    for (size_t i = 0; i < 32; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    out[64] = '\0';
}

/* CRC64NVME bit by bit: reflected 0x9A6C9329AC4BC9B5, init and xorout all ones. */
static uint64_t crc64nvme(const uint8_t *p, size_t n)
{
    uint64_t c = ~(uint64_t)0;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ 0x9A6C9329AC4BC9B5u : c >> 1;
    }
    return ~c;
}

/* The length of the line at p (up to "\r\n") within n bytes, or n if none. */
static size_t line_len(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++)
        if (p[i] == '\r' && p[i + 1] == '\n')
            return i;
    return n;
}

/* A wire signature field: hex DER padded with '*' to exactly 144
 * characters. Its hex length, or 0 if it is not one. */
static size_t unpadded(const char *field, size_t n)
{
    size_t hex = 0;
    if (n != SIGV4RS_SIGV4A_SIGNATURE_MAX_LEN)
        return 0;
    while (hex < n && field[hex] != '*')
        hex++;
    for (size_t i = hex; i < n; i++)
        if (field[i] != '*')
            return 0;
    return hex;
}

/* Checks a STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER body (CRC64NVME
 * trailer) of `data` signed from `seed` with aws-c-auth's rules: each
 * chunk's string to sign "AWS4-ECDSA-P256-SHA256-PAYLOAD\n<date>\n<scope>\n
 * <previous signature, unpadded>\n<sha256 of empty>\n<sha256 of the chunk>",
 * the trailer's "AWS4-ECDSA-P256-SHA256-TRAILER\n<date>\n<scope>\n<previous>\n
 * <sha256 of "name:value\n">". NULL if it all verifies, else what does not. */
static const char *verify_stream(EVP_PKEY *key, const char *seed, size_t seed_len, const uint8_t *body, size_t len,
                                 const uint8_t *data)
{
    static const char scope[] = "20130524T000000Z\n20130524/s3/aws4_request";
    static const char tag[] = ";chunk-signature=", tsig[] = "x-amz-trailer-signature:";
    char prev[SIGV4RS_SIGV4A_SIGNATURE_MAX_LEN], sts[512], hash[SIGV4RS_SHA256_HEX_LEN + 1], empty[SIGV4RS_SHA256_HEX_LEN + 1];
    size_t at = 0, done = 0, prev_len = seed_len;
    if (seed_len == 0 || seed_len > sizeof prev)
        return "seed signature";
    memcpy(prev, seed, seed_len);
    sha256_hex("", 0, empty);
    for (;;) {
        size_t n = line_len(body + at, len - at), size = 0, hex = 0;
        const char *line = (const char *)body + at, *semi = memchr(line, ';', n);
        while (hex < n && hex_nibble(line[hex]) >= 0)
            size = size * 16 + (size_t)hex_nibble(line[hex++]);
        if (n == len - at || semi == NULL || (size_t)(semi - line) != hex || hex == 0 || n < hex + sizeof tag - 1 ||
            memcmp(semi, tag, sizeof tag - 1) != 0)
            return "chunk header line";
        const char *field = semi + sizeof tag - 1;
        size_t sig_len = unpadded(field, n - hex - (sizeof tag - 1));
        at += n + 2;
        if (sig_len == 0 || size > len - at || size > STREAM_LEN - done || memcmp(body + at, data + done, size) != 0)
            return "chunk signature field or data";
        sha256_hex(body + at, size, hash);
        int m = snprintf(sts, sizeof sts, "AWS4-ECDSA-P256-SHA256-PAYLOAD\n%s\n%.*s\n%s\n%s", scope, (int)prev_len, prev, empty, hash);
        if (!verifies(key, sts, (size_t)m, field, sig_len))
            return "a chunk signature does not verify";
        memcpy(prev, field, prev_len = sig_len);
        at += size;
        done += size;
        if (size == 0)
            break;
        if (len - at < 2 || memcmp(body + at, "\r\n", 2) != 0)
            return "no CRLF after chunk data";
        at += 2;
    }
    /* The trailer: its value computed here. */
    uint8_t crc[8];
    unsigned char b64[16];
    uint64_t v = crc64nvme(data, done);
    for (int i = 0; i < 8; i++)
        crc[i] = (uint8_t)(v >> (56 - 8 * i));
    EVP_EncodeBlock(b64, crc, 8);
    char trailer[64];
    int tn = snprintf(trailer, sizeof trailer, "x-amz-checksum-crc64nvme:%s\n", (const char *)b64);
    if (done != STREAM_LEN || len - at < (size_t)tn + 1 || memcmp(body + at, trailer, (size_t)tn - 1) != 0 ||
        memcmp(body + at + tn - 1, "\r\n", 2) != 0)
        return "decoded length or trailer value";
    at += (size_t)tn + 1;
    sha256_hex(trailer, (size_t)tn, hash);
    size_t n = line_len(body + at, len - at);
    const char *field = (const char *)body + at + sizeof tsig - 1;
    if (n == len - at || n < sizeof tsig - 1 || memcmp(body + at, tsig, sizeof tsig - 1) != 0)
        return "no trailer signature";
    size_t sig_len = unpadded(field, n - (sizeof tsig - 1));
    int m = snprintf(sts, sizeof sts, "AWS4-ECDSA-P256-SHA256-TRAILER\n%s\n%.*s\n%s", scope, (int)prev_len, prev, hash);
    if (sig_len == 0 || !verifies(key, sts, (size_t)m, field, sig_len))
        return "the trailer signature does not verify";
    at += n + 2;
    return len - at == 2 && memcmp(body + at, "\r\n", 2) == 0 ? NULL : "no closing blank line";
}

/* Streams STREAM_LEN bytes with the case's credentials (a SigV4a signer, a
 * CRC64NVME trailer), the buffers sized by the SigV4a constants, and
 * verifies the body with the case's public key; a tampered chunk must then
 * fail. Returns the number of failures (printed). */
static int streamed_v4a(const struct vcase *c)
{
    sigv4rs_config cfg = {0};
    cfg.access_key_id = bytes_of(c, "access_key_id");
    cfg.secret_access_key = bytes_of(c, "secret_access_key");
    cfg.region = sigv4rs_cstr("us-east-1");
    cfg.service = sigv4rs_cstr("s3");
    cfg.flags = SIGV4RS_FLAG_S3 | SIGV4RS_FLAG_SIGV4A;
    sigv4rs_request req = {0};
    req.method = sigv4rs_cstr("PUT");
    req.url = sigv4rs_cstr("https://examplebucket.s3.amazonaws.com/chunkObject.txt");
    sigv4rs_stream shape = {SIGV4RS_STREAM_MODE_SIGNED_TRAILER_V4A, SIGV4RS_CHECKSUM_CRC64NVME, STREAM_LEN, STREAM_CHUNK};
    /* Room for four chunk headers and CRLFs and the end, by the constants. */
    static uint8_t data[STREAM_LEN],
        body[STREAM_LEN + 4 * (SIGV4RS_SIGV4A_CHUNK_HEADER_MAX_LEN + 2) + SIGV4RS_SIGV4A_CHUNKED_FINISH_MAX_LEN];
    char seed[2048];
    sigv4rs_chunked state;
    sigv4rs_signer *s = NULL;
    uint64_t declared = 0;
    size_t seed_len = 0, len = 0, n = 0;
    const char *auth = NULL, *err = NULL;
    for (size_t i = 0; i < STREAM_LEN; i++)
        data[i] = (uint8_t)((i % 251 * 31 + 7) % 251);
    sigv4rs_status st = sigv4rs_signer_new(&cfg, &s);
    if (st == SIGV4RS_STATUS_OK)
        st = sigv4rs_chunked_encoded_length(&shape, &declared);
    if (st == SIGV4RS_STATUS_OK)
        st = sigv4rs_chunked_begin(s, &req, 1369353600, &shape, &state, (uint8_t *)seed, sizeof seed, &seed_len);
    for (size_t off = 0, lines = 0; st == SIGV4RS_STATUS_OK && off < seed_len; off += strlen(seed + off) + 1, lines++) {
        if (strncmp(seed + off, "Authorization: ", 15) == 0)
            auth = strstr(seed + off, "Signature=");
        if (lines >= SIGV4RS_SIGV4A_MAX_OUTPUT_HEADERS)
            err = "more seed lines than SIGV4RS_SIGV4A_MAX_OUTPUT_HEADERS";
    }
    for (size_t off = 0; st == SIGV4RS_STATUS_OK && off < STREAM_LEN; off += STREAM_CHUNK) {
        sigv4rs_bytes piece = {data + off, STREAM_LEN - off < STREAM_CHUNK ? STREAM_LEN - off : STREAM_CHUNK};
        st = sigv4rs_chunked_sign_chunk(s, &state, piece, body + len, SIGV4RS_SIGV4A_CHUNK_HEADER_MAX_LEN, &n);
        if (st == SIGV4RS_STATUS_OK) {
            memcpy(body + len + n, piece.ptr, piece.len);
            memcpy(body + len + n + piece.len, "\r\n", 2);
            len += n + piece.len + 2;
        }
    }
    if (st == SIGV4RS_STATUS_OK)
        st = sigv4rs_chunked_finish(s, &state, body + len, SIGV4RS_SIGV4A_CHUNKED_FINISH_MAX_LEN, &n);
    len += n;
    EVP_PKEY *key = suite_key(c);
    if (st != SIGV4RS_STATUS_OK || auth == NULL || key == NULL) {
        printf("FAIL streamed v4a: %s\n", st != SIGV4RS_STATUS_OK ? sigv4rs_status_str(st) : "no Authorization or key");
        sigv4rs_signer_free(s);
        EVP_PKEY_free(key);
        return 1;
    }
    auth += 10;
    int failures = 0;
    if (err == NULL && declared != len)
        err = "sigv4rs_chunked_encoded_length is not the bytes sent";
    if (err == NULL)
        err = verify_stream(key, auth, strlen(auth), body, len, data);
    if (err != NULL) {
        printf("FAIL streamed v4a: %s\n", err);
        failures++;
    }
    body[len / 2] ^= 1; /* a byte of the second chunk's data */
    if (verify_stream(key, auth, strlen(auth), body, len, data) == NULL) {
        printf("FAIL streamed v4a: a tampered chunk verifies\n");
        failures++;
    }
    sigv4rs_signer_free(s);
    EVP_PKEY_free(key);
    return failures;
}

/* Caller storage used by every other case, to cover both styles. */
static sigv4rs_signer_storage storage;

static void header_mode(struct run *r, const struct vcase *c, const sigv4rs_signer *s, const sigv4rs_request *req)
{
    int64_t t = strtoll(str(c, "time"), NULL, 10);
    check_call(r, c, "header_creq", creq_fn, s, req, strtoll(str(c, "creq_time"), NULL, 10),
               0);
    if (get(c, "header_sts") != NULL)
        check_call(r, c, "header_sts", sts_fn, s, req, t, 0);

    size_t size;
    char *out = call_out(r, "sign_headers", sign_headers_fn, s, req, t, 0, &size);
    if (out == NULL)
        return;
    /* "Name: value\0...": as "name:value", noting the Authorization value. */
    struct strs produced = {0}, want = {0}, got = {0};
    const char *auth = NULL;
    for (size_t pos = 0, next; pos < size; pos = next) {
        char *sep = strstr(out + pos, ": ");
        next = pos + strlen(out + pos) + 1;
        if (sep == NULL) {
            fail(r, "sign_headers: entry without \": \"");
            break;
        }
        memmove(sep + 1, sep + 2, strlen(sep + 2) + 1); /* drop the space; the NUL stays */
        strs_add(&produced, out + pos, strlen(out + pos), 1);
        if (strncmp(produced.v[produced.n - 1], "authorization:", 14) == 0)
            auth = strstr(out + pos, "Signature=");
    }
    if (auth == NULL)
        fail(r, "sign_headers: no Authorization header with a Signature");
    else if (v4a)
        check_v4a_signatures(r, c, "header", auth + 10, strlen(auth + 10));
    else
        check_text(r, c, "header_sig", auth + 10, strlen(auth + 10));

    /* The signer's headers replace the request's of the same name. */
    for (size_t i = 0; i < c->n; i++) {
        const struct field *h = &c->f[i];
        size_t name_len = strcspn(h->value, ":");
        int replaced = 0;
        if (strcmp(h->key, "header") != 0)
            continue;
        for (size_t k = 0; k < produced.n && !replaced; k++) {
            replaced = strlen(produced.v[k]) > name_len && produced.v[k][name_len] == ':';
            for (size_t j = 0; replaced && j < name_len; j++)
                replaced = produced.v[k][j] == lower(h->value[j]);
        }
        if (!replaced)
            strs_add(&got, h->value, h->len, 1);
    }
    for (size_t k = 0; k < produced.n; k++)
        strs_add(&got, produced.v[k], strlen(produced.v[k]), 0);
    strs_of(&want, c, "signed_header", 1);
    if (v4a) {
        cut_signatures(&want);
        cut_signatures(&got);
    }
    check_multiset(r, "signed request headers", &want, &got);
    strs_free(&produced);
    strs_free(&want);
    strs_free(&got);
    free(out);
}

static void query_mode(struct run *r, const struct vcase *c, const sigv4rs_signer *s, const sigv4rs_request *req)
{
    int64_t t = strtoll(str(c, "time"), NULL, 10);
    long expires = strtol(str(c, "expires"), NULL, 10);
    if (expires < 1 || expires > SIGV4RS_MAX_EXPIRES) {
        fail(r, "expires %ld out of range", expires);
        return;
    }
    check_call(r, c, "query_creq", creq_fn, s, req, t, (uint32_t)expires);
    check_call(r, c, "query_sts", sts_fn, s, req, t, (uint32_t)expires);

    size_t size;
    char *url = call_out(r, "presign", sigv4rs_signer_presign, s, req, t, (uint32_t)expires, &size);
    if (url == NULL)
        return;
    char *q = strchr(url, '?');
    if (q == NULL) {
        fail(r, "presigned URL has no query: %s", url);
        free(url);
        return;
    }
    check_text(r, c, "presign_prefix", url, (size_t)(q + 1 - url));
    struct strs want = {0}, got = {0};
    const char *sig = NULL;
    for (char *p = q + 1, *amp; p != NULL; p = amp ? amp + 1 : NULL) {
        amp = strchr(p, '&');
        int is_sig = strncmp(p, "X-Amz-Signature=", 16) == 0;
        if (is_sig)
            sig = p + 16;
        if (!(v4a && is_sig)) /* the v4a file lists the parameters without it */
            strs_add(&got, p, amp ? (size_t)(amp - p) : strlen(p), 0);
    }
    if (sig == NULL)
        fail(r, "presigned URL has no X-Amz-Signature: %s", url);
    else if (v4a)
        check_v4a_signatures(r, c, "query", sig, strcspn(sig, "&"));
    else
        check_text(r, c, "query_sig", sig, strcspn(sig, "&"));
    strs_of(&want, c, "presign_param", 0);
    check_multiset(r, "presigned URL parameters", &want, &got);
    strs_free(&want);
    strs_free(&got);
    free(url);
}

/* Runs one case; `h` and `q` get 1 when that mode passed. */
static void run_case(const struct vcase *c, int use_storage, int *h, int *q)
{
    const char *name = str(c, "case");
    struct run hr = {name, q ? "header" : "partial", 0}, qr = {name, "query", 0};
    sigv4rs_header headers[MAX_FIELDS];
    sigv4rs_request req = {0};
    sigv4rs_config cfg = {0};

    for (size_t i = 0; i < c->n; i++) {
        if (strcmp(c->f[i].key, "header") != 0)
            continue;
        const char *colon = memchr(c->f[i].value, ':', c->f[i].len);
        size_t nl = colon ? (size_t)(colon - c->f[i].value) : 0;
        headers[req.headers_len].name = (sigv4rs_bytes){(const uint8_t *)c->f[i].value, nl};
        headers[req.headers_len++].value = (sigv4rs_bytes){(const uint8_t *)colon + 1, c->f[i].len - nl - 1};
    }
    req.method = bytes_of(c, "method");
    req.path = bytes_of(c, "path");
    req.query = bytes_of(c, "query");
    req.headers = headers;
    int sign_body = strcmp(str(c, "sign_body"), "1") == 0;
    req.payload_mode = sign_body ? SIGV4RS_PAYLOAD_MODE_BYTES : SIGV4RS_PAYLOAD_MODE_AUTO;
    req.payload = bytes_of(c, "body");

    cfg.access_key_id = bytes_of(c, "access_key_id");
    cfg.secret_access_key = bytes_of(c, "secret_access_key");
    cfg.session_token = bytes_of(c, "session_token"); /* empty: no token */
    cfg.region = bytes_of(c, "region");
    cfg.service = bytes_of(c, "service");
    cfg.flags = (strcmp(str(c, "normalize"), "1") == 0 ? 0u : SIGV4RS_FLAG_NO_PATH_NORMALIZATION) |
                (sign_body ? SIGV4RS_FLAG_CONTENT_SHA256_HEADER : 0u) |
                (strcmp(str(c, "omit_session_token"), "1") == 0 ? SIGV4RS_FLAG_UNSIGNED_SESSION_TOKEN : 0u) |
                (v4a ? SIGV4RS_FLAG_SIGV4A : 0u);
    sigv4rs_signer *signer = NULL;
    sigv4rs_status st = use_storage ? sigv4rs_signer_init(&storage, &cfg, &signer) : sigv4rs_signer_new(&cfg, &signer);
    if (st != SIGV4RS_STATUS_OK) {
        fail(&hr, "signer: status %u (%s)", (unsigned)st, sigv4rs_status_str(st));
        fail(&qr, "signer: status %u (%s)", (unsigned)st, sigv4rs_status_str(st));
    } else {
        header_mode(&hr, c, signer, &req);
        if (q != NULL)
            query_mode(&qr, c, signer, &req);
        if (use_storage)
            sigv4rs_signer_deinit(&storage);
        else
            sigv4rs_signer_free(signer);
    }
    *h = hr.failures == 0;
    if (q != NULL)
        *q = qr.failures == 0;
}

/* Reads a whole file, NUL-terminated; NULL if it cannot be read. */
static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t n = 0, cap = 1 << 16;
    char *buf = xmalloc(cap);
    while ((n += fread(buf + n, 1, cap - 1 - n, f)) == cap - 1) {
        char *bigger = realloc(buf, cap *= 2);
        if (bigger == NULL)
            exit(2);
        buf = bigger;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s VECTOR_FILE (tests/data/suite-v4-vectors.txt or suite-v4a-vectors.txt)\n", argv[0]);
        return 2;
    }
    char *text = read_file(argv[1]);
    if (text == NULL) {
        perror(argv[1]);
        return 2;
    }
    /* Only the v4a file gives public keys. */
    v4a = strstr(text, "\npublic_key_x ") != NULL;
    const int partial_cases = v4a ? 0 : PARTIAL_CASES;
    static struct vcase c;
    int header_pass = 0, query_pass = 0, partial_pass = 0, full = 0, partial = 0, index = 0, more, controls = 0;
    char *pos = text;
    while ((more = next_case(&pos, &c)) == 1) {
        if (v4a && index == 0)
            controls = verification_can_fail(&c) + streamed_v4a(&c);
        int h = 0, q = 0, use_storage = index++ % 2 == 0;
        if (strcmp(str(&c, "kind"), "complete") == 0) {
            run_case(&c, use_storage, &h, &q);
            header_pass += h;
            query_pass += q;
            full++;
        } else {
            run_case(&c, use_storage, &h, NULL);
            partial_pass += h;
            partial++;
        }
    }
    free(text);
    if (full != FULL_CASES || partial != partial_cases)
        printf("FAIL suite: %d complete and %d partial cases, expected %d and %d\n", full, partial, FULL_CASES,
               partial_cases);
    if (v4a)
        printf("suite v4a: header %d/%d, query %d/%d\n", header_pass, FULL_CASES, query_pass, FULL_CASES);
    else
        printf("suite v4: header %d/%d, query %d/%d, partial %d/%d\n", header_pass, FULL_CASES, query_pass, FULL_CASES,
               partial_pass, PARTIAL_CASES);
    return more == 0 && controls == 0 && full == FULL_CASES && partial == partial_cases && header_pass == FULL_CASES &&
                   query_pass == FULL_CASES && partial_pass == partial_cases
               ? 0
               : 1;
}
