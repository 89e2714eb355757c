/*
 * Runs the AWS SigV4 test suite (ARGV[1]/v4/<case>/) through the C API.
 * Every expected value comes from the suite's files; see the suite's
 * README.md for the file formats and the caveats handled here.
 *
 * Prints one FAIL line per difference and then
 *   suite v4: header H/38, query Q/38, partial P/2
 * Exits 0 only when everything passed.
 */
#define _POSIX_C_SOURCE 200809L /* opendir, stat */

#include <dirent.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sigv4rs.h"

#define FULL_CASES 38
#define PARTIAL_CASES 2
#define CANARY 0xA5
#define UNSET_LEN ((size_t)-1)

/* ------------------------------------------------------------------ */
/* Memory and strings                                                   */

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1); /* malloc(0) may return NULL */
    if (p == NULL) {
        fputs("suite_test: out of memory\n", stderr);
        exit(2);
    }
    return p;
}

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (p == NULL) {
        fputs("suite_test: out of memory\n", stderr);
        exit(2);
    }
    return p;
}

static char *dup_n(const char *s, size_t n)
{
    char *d = xmalloc(n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static char *dup_s(const char *s)
{
    return dup_n(s, strlen(s));
}

static char *concat3(const char *a, const char *b, const char *c)
{
    size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
    char *d = xmalloc(la + lb + lc + 1);
    memcpy(d, a, la);
    memcpy(d + la, b, lb);
    memcpy(d + la + lb, c, lc + 1);
    return d;
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static int ci_equal(const char *a, const char *b)
{
    for (; *a != '\0' && lower(*a) == lower(*b); a++, b++)
        ;
    return *a == '\0' && *b == '\0';
}

/* The expected files are compared after trimming trailing whitespace. */
static size_t trimmed_len(const char *s, size_t n)
{
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == '\t'))
        n--;
    return n;
}

/* Reads a whole file; NULL if it cannot be read. Adds a NUL after it. */
static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = xmalloc(cap);
    for (;;) {
        n += fread(buf + n, 1, cap - 1 - n, f);
        if (n < cap - 1)
            break;
        cap *= 2;
        buf = xrealloc(buf, cap);
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

static char *read_case_file(const char *dir, const char *name, size_t *len)
{
    char *path = concat3(dir, "/", name);
    char *text = read_file(path, len);
    free(path);
    return text;
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
        else if (c == '\t')
            fputs("\\t", stdout);
        else if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20 || c > 0x7e)
            printf("\\x%02X", c);
        else
            putchar(c);
    }
    putchar('"');
}

/* Byte-for-byte comparison; returns 1 when equal. */
static int check_text(struct run *r, const char *what, const char *expected, size_t exp_len,
                      const char *actual, size_t act_len)
{
    if (exp_len == act_len && memcmp(expected, actual, exp_len) == 0)
        return 1;
    size_t at = 0;
    while (at < exp_len && at < act_len && expected[at] == actual[at])
        at++;
    printf("FAIL %s [%s]: %s differs at byte %zu: expected ", r->name, r->mode, what, at);
    put_escaped(expected, exp_len);
    printf(" actual ");
    put_escaped(actual, act_len);
    printf("\n");
    r->failures++;
    return 0;
}

/* Compares an expected file (trailing whitespace trimmed) with output. */
static void check_file(struct run *r, const char *dir, const char *file, const char *actual, size_t act_len)
{
    size_t len = 0;
    char *expected = read_case_file(dir, file, &len);
    if (expected == NULL) {
        fail(r, "cannot read %s", file);
        return;
    }
    check_text(r, file, expected, trimmed_len(expected, len), actual, act_len);
    free(expected);
}

/* ------------------------------------------------------------------ */
/* Multisets of (name, value)                                           */

struct kv {
    char *name;
    char *value;
};

struct kvlist {
    struct kv *v;
    size_t n, cap;
};

static void kv_add(struct kvlist *l, const char *name, size_t name_len, const char *value,
                   size_t value_len, int lower_name)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->v = xrealloc(l->v, l->cap * sizeof *l->v);
    }
    struct kv *e = &l->v[l->n++];
    e->name = dup_n(name, name_len);
    e->value = dup_n(value, value_len);
    for (char *p = e->name; lower_name && *p != '\0'; p++)
        *p = lower(*p);
}

static void kv_free(struct kvlist *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].name);
        free(l->v[i].value);
    }
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

static int kv_cmp(const void *a, const void *b)
{
    const struct kv *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c != 0 ? c : strcmp(x->value, y->value);
}

static void put_kv(const struct kv *e, const char *sep)
{
    size_t nl = strlen(e->name), vl = strlen(e->value);
    char *joined = xmalloc(nl + strlen(sep) + vl + 1);
    memcpy(joined, e->name, nl);
    memcpy(joined + nl, sep, strlen(sep));
    memcpy(joined + nl + strlen(sep), e->value, vl + 1);
    printf(" ");
    put_escaped(joined, strlen(joined));
    free(joined);
}

/* Walks two sorted lists; prints (when `print`) and counts the entries
 * of the `side` list (0: expected, 1: actual) that the other lacks. */
static size_t kv_unmatched(const struct kvlist *expected, const struct kvlist *actual, int side, int print,
                           const char *sep)
{
    size_t i = 0, j = 0, count = 0;
    while (i < expected->n || j < actual->n) {
        int c = i == expected->n ? 1 : j == actual->n ? -1 : kv_cmp(&expected->v[i], &actual->v[j]);
        if (c == 0) {
            i++;
            j++;
        } else if (c < 0) {
            if (side == 0) {
                count++;
                if (print)
                    put_kv(&expected->v[i], sep);
            }
            i++;
        } else {
            if (side == 1) {
                count++;
                if (print)
                    put_kv(&actual->v[j], sep);
            }
            j++;
        }
    }
    return count;
}

/* Compares two lists as multisets; one FAIL line lists the differences. */
static void check_multiset(struct run *r, const char *what, struct kvlist *expected,
                           struct kvlist *actual, const char *sep)
{
    qsort(expected->v, expected->n, sizeof *expected->v, kv_cmp);
    qsort(actual->v, actual->n, sizeof *actual->v, kv_cmp);
    if (kv_unmatched(expected, actual, 0, 0, sep) == 0 && kv_unmatched(expected, actual, 1, 0, sep) == 0)
        return;
    printf("FAIL %s [%s]: %s differ: expected but missing:", r->name, r->mode, what);
    kv_unmatched(expected, actual, 0, 1, sep);
    printf("; produced but not expected:");
    kv_unmatched(expected, actual, 1, 1, sep);
    printf("\n");
    r->failures++;
}

/* ------------------------------------------------------------------ */
/* context.json                                                         */

struct context {
    char *access_key_id, *secret_access_key, *token, *region, *service, *timestamp;
    long long expires;
    int normalize, sign_body, omit_session_token;
    int have_expires, have_normalize, have_sign_body;
    const char *error; /* first problem found, or NULL */
};

struct json {
    const char *p, *end;
    struct context *ctx;
};

static void json_ws(struct json *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Parses a JSON string at j->p (on the quote); heap result or NULL. */
static char *json_string(struct json *j)
{
    if (j->p >= j->end || *j->p != '"')
        return NULL;
    j->p++;
    size_t cap = 16, n = 0;
    char *out = xmalloc(cap);
    while (j->p < j->end && *j->p != '"') {
        if (n + 4 >= cap)
            out = xrealloc(out, cap *= 2);
        char c = *j->p++;
        if ((unsigned char)c < 0x20)
            goto bad;
        if (c != '\\') {
            out[n++] = c;
            continue;
        }
        if (j->p >= j->end)
            goto bad;
        c = *j->p++;
        switch (c) {
        case '"': case '\\': case '/': out[n++] = c; break;
        case 'b': out[n++] = '\b'; break;
        case 'f': out[n++] = '\f'; break;
        case 'n': out[n++] = '\n'; break;
        case 'r': out[n++] = '\r'; break;
        case 't': out[n++] = '\t'; break;
        case 'u': {
            /* BMP code points only: enough for a hand-written test file. */
            unsigned cp = 0;
            for (int k = 0; k < 4; k++) {
                int d = j->p < j->end ? hex_digit(*j->p++) : -1;
                if (d < 0)
                    goto bad;
                cp = cp * 16 + (unsigned)d;
            }
            if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF))
                goto bad;
            if (cp < 0x80) {
                out[n++] = (char)cp;
            } else if (cp < 0x800) {
                out[n++] = (char)(0xC0 | (cp >> 6));
                out[n++] = (char)(0x80 | (cp & 0x3F));
            } else {
                out[n++] = (char)(0xE0 | (cp >> 12));
                out[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
                out[n++] = (char)(0x80 | (cp & 0x3F));
            }
            break;
        }
        default:
            goto bad;
        }
    }
    if (j->p >= j->end)
        goto bad;
    j->p++;
    out[n] = '\0';
    return out;
bad:
    free(out);
    return NULL;
}

static void ctx_string(struct context *c, const char *path, char *value)
{
    char **slot = NULL;
    if (strcmp(path, "credentials.access_key_id") == 0)
        slot = &c->access_key_id;
    else if (strcmp(path, "credentials.secret_access_key") == 0)
        slot = &c->secret_access_key;
    else if (strcmp(path, "credentials.token") == 0)
        slot = &c->token;
    else if (strcmp(path, "region") == 0)
        slot = &c->region;
    else if (strcmp(path, "service") == 0)
        slot = &c->service;
    else if (strcmp(path, "timestamp") == 0)
        slot = &c->timestamp;
    else if (strcmp(path, "expiration_in_seconds") == 0 || strcmp(path, "normalize") == 0 ||
             strcmp(path, "sign_body") == 0 || strcmp(path, "omit_session_token") == 0)
        c->error = c->error ? c->error : "a known key has a string value";
    if (slot == NULL) {
        free(value);
        return;
    }
    free(*slot);
    *slot = value;
}

static void ctx_bool(struct context *c, const char *path, int value)
{
    if (strcmp(path, "normalize") == 0) {
        c->normalize = value;
        c->have_normalize = 1;
    } else if (strcmp(path, "sign_body") == 0) {
        c->sign_body = value;
        c->have_sign_body = 1;
    } else if (strcmp(path, "omit_session_token") == 0) {
        c->omit_session_token = value;
    }
}

static void ctx_number(struct context *c, const char *path, const char *s, size_t n)
{
    if (strcmp(path, "expiration_in_seconds") != 0)
        return;
    long long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9' || v > 100000000LL) {
            c->error = c->error ? c->error : "expiration_in_seconds is not a small whole number";
            return;
        }
        v = v * 10 + (s[i] - '0');
    }
    c->expires = v;
    c->have_expires = 1;
}

static int json_literal(struct json *j, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n) != 0)
        return 0;
    j->p += n;
    return 1;
}

/* Parses one value; `path` names it ("credentials.token"). 0 on error. */
static int json_value(struct json *j, const char *path, int depth)
{
    json_ws(j);
    if (j->p >= j->end || depth > 16)
        return 0;
    char c = *j->p;
    if (c == '{' || c == '[') {
        char close = c == '{' ? '}' : ']';
        j->p++;
        json_ws(j);
        if (j->p < j->end && *j->p == close) {
            j->p++;
            return 1;
        }
        for (;;) {
            int ok;
            if (c == '{') {
                json_ws(j);
                char *key = json_string(j);
                if (key == NULL)
                    return 0;
                json_ws(j);
                if (j->p >= j->end || *j->p != ':') {
                    free(key);
                    return 0;
                }
                j->p++;
                char *child = *path ? concat3(path, ".", key) : dup_s(key);
                free(key);
                ok = json_value(j, child, depth + 1);
                free(child);
            } else {
                ok = json_value(j, "[]", depth + 1);
            }
            if (!ok)
                return 0;
            json_ws(j);
            if (j->p < j->end && *j->p == ',') {
                j->p++;
                continue;
            }
            if (j->p < j->end && *j->p == close) {
                j->p++;
                return 1;
            }
            return 0;
        }
    }
    if (c == '"') {
        char *s = json_string(j);
        if (s == NULL)
            return 0;
        ctx_string(j->ctx, path, s);
        return 1;
    }
    if (json_literal(j, "true")) {
        ctx_bool(j->ctx, path, 1);
        return 1;
    }
    if (json_literal(j, "false")) {
        ctx_bool(j->ctx, path, 0);
        return 1;
    }
    if (json_literal(j, "null"))
        return 1;
    const char *start = j->p;
    while (j->p < j->end && strchr("+-.0123456789eE", *j->p) != NULL)
        j->p++;
    if (j->p == start)
        return 0;
    ctx_number(j->ctx, path, start, (size_t)(j->p - start));
    return 1;
}

static void context_free(struct context *c)
{
    free(c->access_key_id);
    free(c->secret_access_key);
    free(c->token);
    free(c->region);
    free(c->service);
    free(c->timestamp);
}

/* Fills `c` from the text; returns NULL or what is wrong. */
static const char *parse_context(const char *text, size_t len, struct context *c)
{
    struct json j = {text, text + len, c};
    memset(c, 0, sizeof *c);
    if (!json_value(&j, "", 0))
        return "malformed JSON";
    json_ws(&j);
    if (j.p != j.end)
        return "text after the JSON value";
    if (c->error)
        return c->error;
    if (!c->access_key_id || !c->secret_access_key || !c->region || !c->service || !c->timestamp ||
        !c->have_expires || !c->have_normalize || !c->have_sign_body)
        return "a required key is missing";
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Time                                                                 */

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* "YYYY-MM-DDTHH:MM:SSZ" to Unix seconds; 0 on a malformed value. */
static int parse_timestamp(const char *s, int64_t *out)
{
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, mo, d, h, mi, se;
    if (strlen(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
        s[16] != ':' || s[19] != 'Z')
        return 0;
    if (!digits(s, 4, &y) || !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d) ||
        !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) || !digits(s + 17, 2, &se))
        return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap) || h > 23 ||
        mi > 59 || se > 59)
        return 0;
    *out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
    return 1;
}

/* ------------------------------------------------------------------ */
/* HTTP request files                                                   */

struct http_msg {
    char *method;
    char *target;
    struct kvlist headers; /* names as written, values unfolded */
    char *body;
    size_t body_len;
};

static void http_free(struct http_msg *m)
{
    free(m->method);
    free(m->target);
    kv_free(&m->headers);
    free(m->body);
    memset(m, 0, sizeof *m);
}

/* Parses request.txt / *-signed-request.txt. Returns NULL or the error. */
static const char *parse_http(const char *text, size_t len, int version_optional, struct http_msg *m)
{
    static const char version[] = " HTTP/1.1";
    const size_t vlen = sizeof version - 1;
    const char *p = text, *end = text + len;
    memset(m, 0, sizeof *m);

    const char *eol = memchr(p, '\n', (size_t)(end - p));
    const char *line_end = eol ? eol : end;
    const char *sp = memchr(p, ' ', (size_t)(line_end - p));
    if (sp == NULL)
        return "request line has no space";
    m->method = dup_n(p, (size_t)(sp - p));
    const char *target = sp + 1;
    size_t tlen = (size_t)(line_end - target);
    if (tlen >= vlen && memcmp(line_end - vlen, version, vlen) == 0)
        tlen -= vlen;
    else if (!version_optional)
        return "request line does not end in \" HTTP/1.1\"";
    m->target = dup_n(target, tlen);
    p = eol ? eol + 1 : end;

    while (p < end) {
        eol = memchr(p, '\n', (size_t)(end - p));
        line_end = eol ? eol : end;
        if (line_end == p) { /* empty line: the body follows */
            p++;
            m->body_len = (size_t)(end - p);
            m->body = dup_n(p, m->body_len);
            return NULL;
        }
        if (*p == ' ' || *p == '\t') {
            /* obs-fold: one space, then the line as it is */
            if (m->headers.n == 0)
                return "continuation line before any header";
            struct kv *last = &m->headers.v[m->headers.n - 1];
            size_t old = strlen(last->value), add = (size_t)(line_end - p);
            last->value = xrealloc(last->value, old + 1 + add + 1);
            last->value[old] = ' ';
            memcpy(last->value + old + 1, p, add);
            last->value[old + 1 + add] = '\0';
        } else {
            const char *colon = memchr(p, ':', (size_t)(line_end - p));
            if (colon == NULL)
                return "header line without ':'";
            kv_add(&m->headers, p, (size_t)(colon - p), colon + 1, (size_t)(line_end - colon - 1), 0);
        }
        p = eol ? eol + 1 : end;
    }
    m->body = dup_n("", 0);
    m->body_len = 0;
    return NULL;
}

static const char *find_header(const struct kvlist *h, const char *name)
{
    for (size_t i = 0; i < h->n; i++)
        if (ci_equal(h->v[i].name, name))
            return h->v[i].value;
    return NULL;
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

/* A single NUL-terminated string output: its length without the NUL. */
static int text_len(struct run *r, const char *what, const char *buf, size_t size, size_t *len)
{
    if (strlen(buf) != size - 1) {
        fail(r, "%s: NUL inside the text", what);
        return 0;
    }
    *len = size - 1;
    return 1;
}

/* Splits sign_headers output ("Name: value\0...") into a list. */
static int split_output_headers(struct run *r, const char *buf, size_t size, struct kvlist *out)
{
    size_t pos = 0;
    while (pos < size) {
        const char *entry = buf + pos;
        const char *nul = memchr(entry, '\0', size - pos);
        const char *sep = strstr(entry, ": ");
        if (nul == NULL || sep == NULL) {
            fail(r, "sign_headers: entry without \": \" or NUL");
            return 0;
        }
        kv_add(out, entry, (size_t)(sep - entry), sep + 2, (size_t)(nul - sep - 2), 1);
        pos = (size_t)(nul - buf) + 1;
    }
    return 1;
}

/* The hex after "Signature=" in an Authorization value. */
static const char *auth_signature(const char *auth, size_t *len)
{
    const char *s = auth ? strstr(auth, "Signature=") : NULL;
    if (s == NULL)
        return NULL;
    s += strlen("Signature=");
    *len = strcspn(s, ", ");
    return s;
}

/* ------------------------------------------------------------------ */
/* One case                                                             */

struct signing {
    const char *dir;
    const sigv4rs_signer *signer;
    const sigv4rs_request *req;
    const struct http_msg *msg; /* request.txt */
    const char *target;         /* what the request line should say */
};

struct header_opts {
    int64_t creq_time;    /* time for header-canonical-request.txt */
    int64_t sign_time;    /* time for everything else */
    int string_to_sign;   /* header-string-to-sign.txt exists */
    int signature_file;   /* header-signature.txt exists */
    int version_optional; /* signed request line may lack " HTTP/1.1" */
    int auth_space;       /* strip one leading space from Authorization */
};

/* Compares a signed-request file's request line with request.txt's. */
static void check_request_line(struct run *r, const char *file, const struct http_msg *exp,
                               const struct signing *sg)
{
    check_text(r, file, exp->method, strlen(exp->method), sg->msg->method, strlen(sg->msg->method));
    check_text(r, file, exp->target, strlen(exp->target), sg->target, strlen(sg->target));
}

static void header_mode(struct run *r, const struct signing *sg, const struct header_opts *o)
{
    size_t size, len;
    char *out;

    out = call_out(r, "canonical_request", sigv4rs_signer_canonical_request, sg->signer, sg->req, o->creq_time,
                   0, &size);
    if (out && text_len(r, "canonical_request", out, size, &len))
        check_file(r, sg->dir, "header-canonical-request.txt", out, len);
    free(out);

    if (o->string_to_sign) {
        out = call_out(r, "string_to_sign", sigv4rs_signer_string_to_sign, sg->signer, sg->req, o->sign_time, 0,
                       &size);
        if (out && text_len(r, "string_to_sign", out, size, &len))
            check_file(r, sg->dir, "header-string-to-sign.txt", out, len);
        free(out);
    }

    out = call_out(r, "sign_headers", sign_headers_fn, sg->signer, sg->req, o->sign_time, 0, &size);
    if (out == NULL)
        return;
    struct kvlist produced = {0}, expected = {0}, actual = {0};
    struct http_msg signed_msg;
    size_t file_len = 0;
    char *file = NULL;
    if (!split_output_headers(r, out, size, &produced))
        goto done;

    size_t sig_len = 0;
    const char *sig = auth_signature(find_header(&produced, "authorization"), &sig_len);
    if (sig == NULL)
        fail(r, "sign_headers: no Authorization header with a Signature");

    file = read_case_file(sg->dir, "header-signed-request.txt", &file_len);
    if (file == NULL) {
        fail(r, "cannot read header-signed-request.txt");
        goto done;
    }
    const char *err = parse_http(file, file_len, o->version_optional, &signed_msg);
    if (err != NULL) {
        fail(r, "header-signed-request.txt: %s", err);
        http_free(&signed_msg);
        goto done;
    }
    check_request_line(r, "header-signed-request.txt request line", &signed_msg, sg);

    for (size_t i = 0; i < signed_msg.headers.n; i++) {
        const struct kv *h = &signed_msg.headers.v[i];
        const char *value = h->value;
        if (o->auth_space && ci_equal(h->name, "authorization") && value[0] == ' ')
            value++;
        kv_add(&expected, h->name, strlen(h->name), value, strlen(value), 1);
    }
    /* The signer's headers replace the request's of the same name. */
    for (size_t i = 0; i < sg->msg->headers.n; i++) {
        const struct kv *h = &sg->msg->headers.v[i];
        if (find_header(&produced, h->name) == NULL)
            kv_add(&actual, h->name, strlen(h->name), h->value, strlen(h->value), 1);
    }
    for (size_t i = 0; i < produced.n; i++)
        kv_add(&actual, produced.v[i].name, strlen(produced.v[i].name), produced.v[i].value,
               strlen(produced.v[i].value), 1);

    if (sig != NULL) {
        if (o->signature_file) {
            check_file(r, sg->dir, "header-signature.txt", sig, sig_len);
        } else {
            size_t exp_len = 0;
            const char *exp = auth_signature(find_header(&expected, "authorization"), &exp_len);
            if (exp == NULL)
                fail(r, "header-signed-request.txt has no Authorization signature");
            else
                check_text(r, "signature (from header-signed-request.txt)", exp, exp_len, sig, sig_len);
        }
    }
    check_multiset(r, "header-signed-request.txt headers", &expected, &actual, ":");
    http_free(&signed_msg);
done:
    free(file);
    kv_free(&produced);
    kv_free(&expected);
    kv_free(&actual);
    free(out);
}

/* Splits a query at '&' into a list of raw "key=value" strings. */
static void split_query(const char *q, size_t n, struct kvlist *out)
{
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || q[i] == '&') {
            kv_add(out, q + start, i - start, "", 0, 0);
            start = i + 1;
        }
    }
}

/* The query of a request line as a URL carries it: bytes that may not
 * appear raw (non-ASCII, controls) percent-encoded in upper case (RFC 3986
 * 2.1). query-signed-request.txt writes them raw, as request.txt does
 * (get-vanilla-utf8-query: ?\xE1\x88\xB4=bar); the presigned URL carries
 * each parameter as signed (%E1%88%B4=bar). */
static char *url_query(const char *q, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = xmalloc(3 * n + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)q[i];
        if (c < 0x20 || c >= 0x7f) {
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        } else {
            *o++ = (char)c;
        }
    }
    *o = '\0';
    return out;
}

static void query_mode(struct run *r, const struct signing *sg, int64_t t, uint32_t expires)
{
    size_t size, len;
    char *out;

    out = call_out(r, "canonical_request", sigv4rs_signer_canonical_request, sg->signer, sg->req, t, expires,
                   &size);
    if (out && text_len(r, "canonical_request", out, size, &len))
        check_file(r, sg->dir, "query-canonical-request.txt", out, len);
    free(out);

    out = call_out(r, "string_to_sign", sigv4rs_signer_string_to_sign, sg->signer, sg->req, t, expires, &size);
    if (out && text_len(r, "string_to_sign", out, size, &len))
        check_file(r, sg->dir, "query-string-to-sign.txt", out, len);
    free(out);

    char *url = call_out(r, "presign", sigv4rs_signer_presign, sg->signer, sg->req, t, expires, &size);
    if (url == NULL || !text_len(r, "presign", url, size, &len)) {
        free(url);
        return;
    }
    size_t file_len = 0;
    char *file = read_case_file(sg->dir, "query-signed-request.txt", &file_len);
    struct http_msg exp;
    const char *err = file ? parse_http(file, file_len, 0, &exp) : "cannot read it";
    if (err != NULL) {
        fail(r, "query-signed-request.txt: %s", err);
        if (file)
            http_free(&exp);
        free(file);
        free(url);
        return;
    }

    /* Our URL: https://<Host header><path>?<query>. */
    const char *host = find_header(&sg->msg->headers, "host");
    char *prefix = concat3("https://", host ? host : "", "");
    size_t plen = strlen(prefix);
    const char *q = strchr(url, '?');
    if (strncmp(url, prefix, plen) != 0 || q == NULL || q < url + plen) {
        fail(r, "presigned URL does not start with %s or has no query: %s", prefix, url);
    } else {
        const char *exp_q = strchr(exp.target, '?');
        size_t exp_path_len = exp_q ? (size_t)(exp_q - exp.target) : strlen(exp.target);
        check_text(r, "presigned URL path", exp.target, exp_path_len, url + plen, (size_t)(q - url - plen));
        check_text(r, "query-signed-request.txt method", exp.method, strlen(exp.method), sg->msg->method,
                   strlen(sg->msg->method));

        struct kvlist exp_params = {0}, act_params = {0};
        if (exp_q) {
            char *wire = url_query(exp_q + 1, strlen(exp_q + 1));
            split_query(wire, strlen(wire), &exp_params);
            free(wire);
        }
        split_query(q + 1, strlen(q + 1), &act_params);
        const char *sig = NULL;
        for (size_t i = 0; i < act_params.n; i++)
            if (strncmp(act_params.v[i].name, "X-Amz-Signature=", 16) == 0)
                sig = act_params.v[i].name + 16;
        if (sig == NULL)
            fail(r, "presigned URL has no X-Amz-Signature: %s", url);
        else
            check_file(r, sg->dir, "query-signature.txt", sig, strlen(sig));
        check_multiset(r, "presigned URL query parameters", &exp_params, &act_params, "");
        kv_free(&exp_params);
        kv_free(&act_params);
    }

    /* Presigning adds nothing to the headers. */
    struct kvlist exp_h = {0}, act_h = {0};
    for (size_t i = 0; i < exp.headers.n; i++)
        kv_add(&exp_h, exp.headers.v[i].name, strlen(exp.headers.v[i].name), exp.headers.v[i].value,
               strlen(exp.headers.v[i].value), 1);
    for (size_t i = 0; i < sg->msg->headers.n; i++)
        kv_add(&act_h, sg->msg->headers.v[i].name, strlen(sg->msg->headers.v[i].name),
               sg->msg->headers.v[i].value, strlen(sg->msg->headers.v[i].value), 1);
    check_multiset(r, "query-signed-request.txt headers", &exp_h, &act_h, ":");
    kv_free(&exp_h);
    kv_free(&act_h);

    free(prefix);
    http_free(&exp);
    free(file);
    free(url);
}

/* ------------------------------------------------------------------ */
/* Signers and requests                                                 */

/* Caller storage used by every other case, to cover both styles. */
static sigv4rs_signer_storage storage;

static sigv4rs_status make_signer(int use_storage, const sigv4rs_config *cfg, sigv4rs_signer **out)
{
    return use_storage ? sigv4rs_signer_init(&storage, cfg, out) : sigv4rs_signer_new(cfg, out);
}

static void drop_signer(int use_storage, sigv4rs_signer *signer)
{
    if (use_storage)
        sigv4rs_signer_deinit(&storage);
    else
        sigv4rs_signer_free(signer);
}

/* request.txt, split for the signer. */
struct parsed_request {
    struct http_msg msg;
    char *path, *query, *target; /* target: path[?query] as signed */
    sigv4rs_header *headers;
    sigv4rs_request req;
};

static void parsed_free(struct parsed_request *p)
{
    http_free(&p->msg);
    free(p->path);
    free(p->query);
    free(p->target);
    free(p->headers);
}

static sigv4rs_bytes bytes_of(const char *s, size_t n)
{
    sigv4rs_bytes b;
    b.ptr = (const uint8_t *)s;
    b.len = n;
    return b;
}

/* Reads request.txt into `p`; returns NULL or the error. */
static const char *load_request(const char *dir, const char *name, int sign_body, struct parsed_request *p)
{
    size_t len = 0;
    memset(p, 0, sizeof *p);
    char *text = read_case_file(dir, "request.txt", &len);
    if (text == NULL)
        return "cannot read request.txt";
    const char *err = parse_http(text, len, 0, &p->msg);
    free(text);
    if (err != NULL)
        return err;

    const char *t = p->msg.target;
    const char *q = strchr(t, '?');
    p->path = q ? dup_n(t, (size_t)(q - t)) : dup_s(t);
    p->query = dup_s(q ? q + 1 : "");
    if (strcmp(name, "get-space-normalized") == 0) {
        /* README caveat 1: the expected files match the raw-space original. */
        printf("note: %s: signing path \"/example space/\" instead of request.txt's \"%s\" "
               "(suite README, caveat 1)\n", name, p->path);
        free(p->path);
        p->path = dup_s("/example space/");
    }
    p->target = q ? concat3(p->path, "?", p->query) : dup_s(p->path);

    p->headers = xmalloc(p->msg.headers.n * sizeof *p->headers);
    for (size_t i = 0; i < p->msg.headers.n; i++) {
        p->headers[i].name = sigv4rs_cstr(p->msg.headers.v[i].name);
        p->headers[i].value = sigv4rs_cstr(p->msg.headers.v[i].value);
    }
    p->req.method = sigv4rs_cstr(p->msg.method);
    p->req.path = sigv4rs_cstr(p->path);
    p->req.query = sigv4rs_cstr(p->query);
    p->req.headers = p->headers;
    p->req.headers_len = p->msg.headers.n;
    if (sign_body) {
        p->req.payload_mode = SIGV4RS_PAYLOAD_MODE_BYTES;
        p->req.payload = bytes_of(p->msg.body, p->msg.body_len);
    } else {
        p->req.payload_mode = SIGV4RS_PAYLOAD_MODE_AUTO;
    }
    return NULL;
}

/* A case with context.json: header and query mode. */
static void run_full_case(const char *v4, const char *name, int index, int *header_ok, int *query_ok)
{
    struct run hr = {name, "header", 0}, qr = {name, "query", 0};
    char *dir = concat3(v4, "/", name);
    struct context ctx;
    struct parsed_request p;
    size_t len = 0;
    int64_t t = 0;
    const char *err;
    int use_storage = index % 2 == 0;

    memset(&p, 0, sizeof p);
    memset(&ctx, 0, sizeof ctx);
    char *json = read_case_file(dir, "context.json", &len);
    err = json ? parse_context(json, len, &ctx) : "cannot read it";
    free(json);
    if (err == NULL && !parse_timestamp(ctx.timestamp, &t))
        err = "bad timestamp";
    if (err != NULL) {
        fail(&hr, "context.json: %s", err);
        fail(&qr, "context.json: %s", err);
        goto out;
    }
    if ((err = load_request(dir, name, ctx.sign_body, &p)) != NULL) {
        fail(&hr, "request.txt: %s", err);
        fail(&qr, "request.txt: %s", err);
        goto out;
    }

    sigv4rs_config cfg = {0};
    cfg.access_key_id = sigv4rs_cstr(ctx.access_key_id);
    cfg.secret_access_key = sigv4rs_cstr(ctx.secret_access_key);
    cfg.session_token = sigv4rs_cstr(ctx.token); /* NULL: no token */
    cfg.region = sigv4rs_cstr(ctx.region);
    cfg.service = sigv4rs_cstr(ctx.service);
    cfg.flags = (ctx.normalize ? 0u : SIGV4RS_FLAG_NO_PATH_NORMALIZATION) |
                (ctx.sign_body ? SIGV4RS_FLAG_CONTENT_SHA256_HEADER : 0u) |
                (ctx.omit_session_token ? SIGV4RS_FLAG_UNSIGNED_SESSION_TOKEN : 0u);
    sigv4rs_signer *signer = NULL;
    sigv4rs_status st = make_signer(use_storage, &cfg, &signer);
    if (st != SIGV4RS_STATUS_OK) {
        fail(&hr, "signer: status %u (%s)", (unsigned)st, sigv4rs_status_str(st));
        fail(&qr, "signer: status %u (%s)", (unsigned)st, sigv4rs_status_str(st));
        goto out;
    }

    struct signing sg = {dir, signer, &p.req, &p.msg, p.target};
    struct header_opts ho = {t, t, 1, 1, 0, 0};
    header_mode(&hr, &sg, &ho);
    if (ctx.expires < 1 || ctx.expires > SIGV4RS_MAX_EXPIRES)
        fail(&qr, "context.json: expiration_in_seconds %lld out of range", ctx.expires);
    else
        query_mode(&qr, &sg, t, (uint32_t)ctx.expires);
    drop_signer(use_storage, signer);

out:
    context_free(&ctx);
    parsed_free(&p);
    free(dir);
    *header_ok = hr.failures == 0;
    *query_ok = qr.failures == 0;
}

/* The two smithy-rs extras without context.json (suite README, caveats 4-5). */
struct partial {
    const char *name;
    const char *access_key_id, *secret_access_key, *region, *service;
    const char *creq_time, *sign_time;
    int string_to_sign, version_optional, auth_space;
};

static const struct partial partials[PARTIAL_CASES] = {
    {"double-encode-path", "ANOTREAL", "notrealrnrELgWzOk3IfjzDKtFBhDby", "us-east-1", "service",
     "2021-05-11T15:40:45Z", "2015-08-30T12:36:00Z", 0, 0, 0},
    {"double-url-encode", "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "us-east-2", "lambda",
     "2021-05-11T15:40:45Z", "2021-05-11T15:40:45Z", 1, 1, 1},
};

static int run_partial_case(const char *v4, const struct partial *c, int index)
{
    struct run r = {c->name, "partial", 0};
    char *dir = concat3(v4, "/", c->name);
    struct parsed_request p;
    struct header_opts ho = {0, 0, c->string_to_sign, 0, c->version_optional, c->auth_space};
    int use_storage = index % 2 == 0;
    const char *err;

    if (!parse_timestamp(c->creq_time, &ho.creq_time) || !parse_timestamp(c->sign_time, &ho.sign_time)) {
        fail(&r, "bad built-in timestamp");
    } else if ((err = load_request(dir, c->name, 0, &p)) != NULL) {
        fail(&r, "request.txt: %s", err);
        parsed_free(&p);
    } else {
        sigv4rs_config cfg = {0};
        cfg.access_key_id = sigv4rs_cstr(c->access_key_id);
        cfg.secret_access_key = sigv4rs_cstr(c->secret_access_key);
        cfg.region = sigv4rs_cstr(c->region);
        cfg.service = sigv4rs_cstr(c->service);
        sigv4rs_signer *signer = NULL;
        sigv4rs_status st = make_signer(use_storage, &cfg, &signer);
        if (st != SIGV4RS_STATUS_OK) {
            fail(&r, "signer: status %u (%s)", (unsigned)st, sigv4rs_status_str(st));
        } else {
            struct signing sg = {dir, signer, &p.req, &p.msg, p.target};
            header_mode(&r, &sg, &ho);
            drop_signer(use_storage, signer);
        }
        parsed_free(&p);
    }
    free(dir);
    return r.failures == 0;
}

/* ------------------------------------------------------------------ */

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s SUITE_DIR (the folder holding v4/)\n", argv[0]);
        return 2;
    }
    char *v4 = concat3(argv[1], "/v4", "");
    DIR *d = opendir(v4);
    if (d == NULL) {
        perror(v4);
        free(v4);
        return 2;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        struct stat sb;
        if (e->d_name[0] == '.')
            continue;
        char *path = concat3(v4, "/", e->d_name);
        int is_dir = stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
        free(path);
        if (!is_dir)
            continue;
        if (n == cap)
            names = xrealloc(names, (cap = cap ? cap * 2 : 64) * sizeof *names);
        names[n++] = dup_s(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_names);

    int header_pass = 0, query_pass = 0, partial_pass = 0, full = 0, index = 0;
    int partial_seen[PARTIAL_CASES] = {0};
    for (size_t i = 0; i < n; i++) {
        char *ctx_path = concat3(v4, "/", names[i]);
        char *ctx_file = concat3(ctx_path, "/context.json", "");
        struct stat sb;
        int has_context = stat(ctx_file, &sb) == 0;
        free(ctx_path);
        free(ctx_file);
        if (has_context) {
            int h = 0, q = 0;
            run_full_case(v4, names[i], index++, &h, &q);
            header_pass += h;
            query_pass += q;
            full++;
            continue;
        }
        int known = 0;
        for (int k = 0; k < PARTIAL_CASES; k++) {
            if (strcmp(names[i], partials[k].name) == 0) {
                partial_seen[k] = known = 1;
                partial_pass += run_partial_case(v4, &partials[k], index++);
            }
        }
        if (!known)
            printf("note: %s: no context.json and not a known partial case; skipped\n", names[i]);
    }
    for (int k = 0; k < PARTIAL_CASES; k++)
        if (!partial_seen[k])
            printf("FAIL %s [partial]: case folder not found\n", partials[k].name);
    if (full != FULL_CASES)
        printf("FAIL suite: %d cases with context.json, expected %d\n", full, FULL_CASES);

    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(v4);

    printf("suite v4: header %d/%d, query %d/%d, partial %d/%d\n", header_pass, FULL_CASES, query_pass,
           FULL_CASES, partial_pass, PARTIAL_CASES);
    return full == FULL_CASES && header_pass == FULL_CASES && query_pass == FULL_CASES &&
                   partial_pass == PARTIAL_CASES
               ? 0
               : 1;
}
