/*
 * Interop client for tests/interop/run.py (protocol: tests/interop/README.md).
 *
 * Signs with sigv4rs the firmware way: signers in caller storage
 * (sigv4rs_signer_init), every output in a caller buffer; malloc only for
 * single-shot test bodies. Talks HTTP through libcurl, and through the curl
 * command-line tool for presigned URLs.
 *
 *   client                  cases for $INTEROP_TARGET (s3s or moto)
 *   client --stream-size N  aws-chunked upload of N bytes to s3s, then peak RSS
 *
 * One JSON object per case on stdout; exit 0 when every case passed, 1 if not.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>

#include "sigv4rs.h"

#define CHUNK 65536u
#define URL_CAP 4096
#define LINE_CAP 4608 /* a session-token header fits */
#define MAX_LINES 24
#define RESP_CAP 65536
#define SIGNED_CAP 8192
#define HTTP_TIMEOUT 60L

enum tamper { T_NONE, T_FLIP_SIG, T_ALTER_HEADER, T_ALTER_BODY, T_CHUNK_SIG, T_CHUNK_DATA, T_DROP_HOST };

static struct {
    const char *target, *endpoint, *ak, *sk, *region, *bucket, *role_arn, *tmpdir;
} env;

static int g_failed;
static CURL *g_curl;
static long g_timeout = HTTP_TIMEOUT;
static char g_err[512]; /* why the last helper failed before any HTTP */

static sigv4rs_signer_storage g_s3_store, g_alt_store, g_svc_store;

/* ------------------------------------------------------------ reporting */

static void json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static void emit(const char *name, int accept, long status, int ok, const char *detail)
{
    printf("{\"lang\": \"c\", \"case\": ");
    json_str(name);
    printf(", \"expect\": \"%s\", \"status\": %ld, \"ok\": %s, \"detail\": ", accept ? "accept" : "reject",
           status, ok ? "true" : "false");
    json_str(detail);
    printf("}\n");
    fflush(stdout);
    if (!ok)
        g_failed = 1;
}

/* ------------------------------------------------------- test data */

/* Byte i of every test object: (i*31+7) % 251, made on the fly. */
static void gen(uint8_t *dst, uint64_t off, size_t n)
{
    unsigned v = (unsigned)((off % 251) * 31 + 7) % 251;
    for (size_t k = 0; k < n; k++) {
        dst[k] = (uint8_t)v;
        v += 31;
        if (v >= 251)
            v -= 251;
    }
}

/* RFC 3986: everything but unreserved (and '/' when keep_slash). */
static void uri_encode(const char *in, int keep_slash, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p && o + 4 < cap; p++) {
        unsigned char c = *p;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
            c == '.' || c == '_' || c == '~' || (keep_slash && c == '/')) {
            out[o++] = (char)c;
        } else {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    out[o] = 0;
}

/* --------------------------------------------------------- responses */

struct resp {
    long status;
    CURLcode res;
    uint64_t len;
    /* compare the body with the test data from cmp_off on */
    int cmp;
    uint64_t cmp_off;
    int mismatch;
    uint64_t first_bad;
    size_t kept;
    char body[RESP_CAP]; /* first bytes, NUL-terminated */
    char err[CURL_ERROR_SIZE];
};
static struct resp g_resp;

static size_t write_cb(char *p, size_t size, size_t nmemb, void *ud)
{
    struct resp *r = ud;
    size_t n = size * nmemb;
    size_t room = RESP_CAP - 1 - r->kept;
    size_t keep = n < room ? n : room;
    memcpy(r->body + r->kept, p, keep);
    r->kept += keep;
    r->body[r->kept] = 0;
    if (r->cmp && !r->mismatch) {
        uint64_t off = r->cmp_off + r->len;
        unsigned v = (unsigned)((off % 251) * 31 + 7) % 251;
        for (size_t k = 0; k < n; k++) {
            if ((unsigned char)p[k] != v) {
                r->mismatch = 1;
                r->first_bad = r->len + k;
                break;
            }
            v += 31;
            if (v >= 251)
                v -= 251;
        }
    }
    r->len += n;
    return n;
}

static void resp_reset(struct resp *r)
{
    r->status = 0;
    r->res = CURLE_OK;
    r->len = 0;
    r->cmp = 0;
    r->cmp_off = 0;
    r->mismatch = 0;
    r->first_bad = 0;
    r->kept = 0;
    r->body[0] = 0;
    r->err[0] = 0;
}

/* Copies the text of the first <tag>...</tag> into out ("" if none). */
static int xml_get(const char *xml, const char *tag, char *out, size_t cap)
{
    char open[64], close[64];
    snprintf(open, sizeof open, "<%s>", tag);
    snprintf(close, sizeof close, "</%s>", tag);
    out[0] = 0;
    const char *a = strstr(xml, open);
    if (a == NULL)
        return 0;
    a += strlen(open);
    const char *b = strstr(a, close);
    if (b == NULL || (size_t)(b - a) >= cap)
        return 0;
    memcpy(out, a, (size_t)(b - a));
    out[b - a] = 0;
    return 1;
}

/* Short description of a response: status, S3/AWS error code, curl error. */
static void describe(const struct resp *r, char *out, size_t cap)
{
    char code[128], msg[160];
    xml_get(r->body, "Code", code, sizeof code);
    xml_get(r->body, "Message", msg, sizeof msg);
    if (r->res != CURLE_OK)
        snprintf(out, cap, "HTTP %ld, curl: %s %s", r->status, curl_easy_strerror(r->res), r->err);
    else if (code[0])
        snprintf(out, cap, "HTTP %ld %s%s%s", r->status, code, msg[0] ? ": " : "", msg);
    else
        snprintf(out, cap, "HTTP %ld", r->status);
}

/* ------------------------------------------------------------ uploads */

/* aws-chunked body made while curl reads it: one chunk of memory. */
struct chunked_src {
    const sigv4rs_signer *signer;
    sigv4rs_chunked state;
    uint64_t total, done, emitted;
    uint32_t chunk; /* at most CHUNK */
    unsigned index;
    int tamper;
    unsigned tamper_index;
    int finished;
    sigv4rs_status st;
    uint8_t hdr[128], fin[256];
    uint8_t data[CHUNK];
    const uint8_t *seg[3];
    size_t seg_len[3];
    int nseg, cur;
    size_t off;
};
static struct chunked_src g_chunk;
static int g_chunk_body_ok; /* every chunk signed and exactly Content-Length bytes sent */

static void flip_hex(char *c)
{
    *c = *c == '0' ? '1' : '0';
}

/* Queues the next piece: a signed chunk, or the end. 0 at EOF, -1 on error. */
static int chunk_refill(struct chunked_src *c)
{
    c->nseg = c->cur = 0;
    c->off = 0;
    if (c->done < c->total) {
        uint64_t left = c->total - c->done;
        size_t n = left < c->chunk ? (size_t)left : c->chunk;
        size_t hl = 0;
        gen(c->data, c->done, n);
        sigv4rs_bytes d = {c->data, n};
        c->st = sigv4rs_chunked_sign_chunk(c->signer, &c->state, d, c->hdr, sizeof c->hdr, &hl);
        if (c->st != SIGV4RS_STATUS_OK)
            return -1;
        if (c->index == c->tamper_index && c->tamper == T_CHUNK_SIG && hl > 3)
            flip_hex((char *)&c->hdr[hl - 3]); /* last signature digit, before CRLF */
        if (c->index == c->tamper_index && c->tamper == T_CHUNK_DATA)
            c->data[0] ^= 1;
        c->seg[0] = c->hdr;
        c->seg_len[0] = hl;
        c->seg[1] = c->data;
        c->seg_len[1] = n;
        c->seg[2] = (const uint8_t *)"\r\n";
        c->seg_len[2] = 2;
        c->nseg = 3;
        c->done += n;
        c->index++;
        return 1;
    }
    if (c->finished)
        return 0;
    size_t fl = 0;
    c->st = sigv4rs_chunked_finish(c->signer, &c->state, c->fin, sizeof c->fin, &fl);
    if (c->st != SIGV4RS_STATUS_OK)
        return -1;
    c->seg[0] = c->fin;
    c->seg_len[0] = fl;
    c->nseg = 1;
    c->finished = 1;
    return 1;
}

enum up_kind { UP_MEM, UP_GEN, UP_CHUNKED };
struct upload {
    enum up_kind kind;
    const uint8_t *mem;
    uint64_t len, pos;
};

static size_t read_cb(char *dst, size_t size, size_t nitems, void *ud)
{
    struct upload *u = ud;
    size_t cap = size * nitems, w = 0;
    if (u->kind == UP_CHUNKED) {
        struct chunked_src *c = &g_chunk;
        while (w < cap) {
            if (c->cur >= c->nseg) {
                int r = chunk_refill(c);
                if (r < 0)
                    return CURL_READFUNC_ABORT;
                if (r == 0)
                    break;
                continue;
            }
            size_t n = c->seg_len[c->cur] - c->off;
            if (n > cap - w)
                n = cap - w;
            memcpy(dst + w, c->seg[c->cur] + c->off, n);
            c->off += n;
            w += n;
            if (c->off == c->seg_len[c->cur]) {
                c->cur++;
                c->off = 0;
            }
        }
        c->emitted += w;
        return w;
    }
    uint64_t left = u->len - u->pos;
    w = left < cap ? (size_t)left : cap;
    if (u->kind == UP_MEM)
        memcpy(dst, u->mem + u->pos, w);
    else
        gen((uint8_t *)dst, u->pos, w);
    u->pos += w;
    return w;
}

/* --------------------------------------------------------------- HTTP */

/* Header lines exactly as sent: the request's own, then the signer's. */
struct wire {
    char line[MAX_LINES][LINE_CAP];
    size_t n;
};
static struct wire g_wire;

static int wire_add(struct wire *w, const char *name, size_t nlen, const char *value, size_t vlen)
{
    if (w->n >= MAX_LINES || nlen + vlen + 3 > LINE_CAP)
        return -1;
    snprintf(w->line[w->n++], LINE_CAP, "%.*s: %.*s", (int)nlen, name, (int)vlen, value);
    return 0;
}

/* Own headers, then the signer's "Name: value\0" strings. */
static int wire_build(struct wire *w, const sigv4rs_header *h, size_t nh, const uint8_t *sig, size_t sig_len)
{
    w->n = 0;
    for (size_t i = 0; i < nh; i++)
        if (wire_add(w, (const char *)h[i].name.ptr, h[i].name.len, (const char *)h[i].value.ptr,
                     h[i].value.len) != 0)
            return -1;
    for (size_t i = 0; i < sig_len; i += strlen((const char *)sig + i) + 1) {
        if (w->n >= MAX_LINES || strlen((const char *)sig + i) >= LINE_CAP)
            return -1;
        snprintf(w->line[w->n++], LINE_CAP, "%s", (const char *)sig + i);
    }
    return 0;
}

static char *wire_find(struct wire *w, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < w->n; i++) {
        const char *l = w->line[i];
        size_t k = 0;
        while (k < n && l[k] && (l[k] | 0x20) == (name[k] | 0x20))
            k++;
        if (k == n && l[n] == ':')
            return w->line[i];
    }
    return NULL;
}

/* Removes the line of header `name`; -1 if there is none. */
static int wire_remove(struct wire *w, const char *name)
{
    char *l = wire_find(w, name);
    for (size_t i = 0; l != NULL && i < w->n; i++) {
        if (w->line[i] == l) {
            memmove(w->line[i], w->line[i + 1], (w->n - i - 1) * LINE_CAP);
            w->n--;
            return 0;
        }
    }
    return -1;
}

static void flip_auth_signature(struct wire *w)
{
    char *a = wire_find(w, "authorization");
    if (a != NULL && strlen(a) > 0)
        flip_hex(a + strlen(a) - 1);
}

/* Sends a request; the outcome is in *r. post: body for POST;
 * up: body for PUT (upload_len bytes). */
static void http_do(const char *method, const char *url, const struct wire *w, const char *post,
                    struct upload *up, uint64_t upload_len, struct resp *r)
{
    struct curl_slist *list = NULL, *next;
    CURL *c = g_curl;
    curl_easy_reset(c);
    for (size_t i = 0; i < w->n; i++) {
        if ((next = curl_slist_append(list, w->line[i])) == NULL)
            goto oom;
        list = next;
    }
    /* No 100-continue round trip: the chunked body cannot be replayed. */
    if ((next = curl_slist_append(list, "Expect:")) == NULL)
        goto oom;
    list = next;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L); /* the path goes out as signed */
    curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, g_timeout);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, r->err);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
    if (getenv("INTEROP_VERBOSE") != NULL)
        curl_easy_setopt(c, CURLOPT_VERBOSE, 1L); /* to stderr */
    if (strcmp(method, "PUT") == 0 && up != NULL) {
        curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
        curl_easy_setopt(c, CURLOPT_READDATA, up);
        curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)upload_len);
    } else if (strcmp(method, "POST") == 0) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, post);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(post));
    } else if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else if (strcmp(method, "GET") != 0) {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    }
    r->res = curl_easy_perform(c);
    /* A server may answer before the whole body is sent: keep its status. */
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(list);
    return;
oom:
    curl_slist_free_all(list);
    r->res = CURLE_OUT_OF_MEMORY;
}

static int64_t now(void)
{
    int64_t t = 0;
    if (sigv4rs_unix_time_now(&t) != SIGV4RS_STATUS_OK)
        return 0;
    return t;
}

static sigv4rs_signer *make_signer(sigv4rs_signer_storage *st, const char *ak, const char *sk, const char *token,
                                   const char *service, uint32_t flags)
{
    sigv4rs_config cfg = {0};
    cfg.access_key_id = sigv4rs_cstr(ak);
    cfg.secret_access_key = sigv4rs_cstr(sk);
    cfg.session_token = sigv4rs_cstr(token);
    cfg.region = sigv4rs_cstr(env.region);
    cfg.service = sigv4rs_cstr(service);
    cfg.flags = flags;
    sigv4rs_signer *s = NULL;
    sigv4rs_status rc = sigv4rs_signer_init(st, &cfg, &s);
    if (rc != SIGV4RS_STATUS_OK) {
        fprintf(stderr, "signer_init(%s): %s\n", service, sigv4rs_status_str(rc));
        return NULL;
    }
    return s;
}

/* -------------------------------------------------------------- S3 ops */

struct s3req {
    const char *method;
    const char *url;   /* the whole URL; NULL: made from key and query */
    const char *key;   /* wire-encoded; NULL: the bucket itself */
    const char *query; /* wire query without '?', or NULL */
    sigv4rs_header h[4];
    size_t nh;
    uint32_t payload_mode;
    const uint8_t *body; /* UP_MEM body (also what BYTES mode hashes) */
    uint64_t body_len;
    int body_gen;        /* body made by gen(); payload_hex is its SHA-256 */
    const char *payload_hex;
    int64_t time_offset;
    int tamper;
    const char *alt_value; /* T_ALTER_HEADER: new value of h[0] */
};

static char g_url[URL_CAP];
static uint8_t g_signed[SIGNED_CAP];

static void s3_url(char *out, const char *key, const char *query)
{
    snprintf(out, URL_CAP, "%s/%s%s%s%s%s", env.endpoint, env.bucket, key ? "/" : "", key ? key : "",
             query ? "?" : "", query ? query : "");
}

static void set_err(const char *what, sigv4rs_status st)
{
    snprintf(g_err, sizeof g_err, "%s: %s (%u)", what, sigv4rs_status_str(st), (unsigned)st);
}

/* Header-signed S3 request. -1 (and g_err) when it could not be sent. */
static int s3_send(const sigv4rs_signer *s, const struct s3req *q, struct resp *r)
{
    if (q->url != NULL)
        snprintf(g_url, sizeof g_url, "%s", q->url);
    else
        s3_url(g_url, q->key, q->query);
    sigv4rs_request req = {0};
    req.method = sigv4rs_cstr(q->method);
    req.url = sigv4rs_cstr(g_url);
    req.headers = q->h;
    req.headers_len = q->nh;
    req.payload_mode = q->payload_mode;
    if (q->payload_mode == SIGV4RS_PAYLOAD_MODE_SHA256_HEX)
        req.payload = sigv4rs_cstr(q->payload_hex);
    else if (q->payload_mode == SIGV4RS_PAYLOAD_MODE_BYTES) {
        req.payload.ptr = q->body;
        req.payload.len = (size_t)q->body_len;
    }
    size_t len = 0;
    sigv4rs_status st = sigv4rs_signer_sign_headers(s, &req, now() + q->time_offset, g_signed, sizeof g_signed, &len);
    if (st != SIGV4RS_STATUS_OK) {
        set_err("sign_headers", st);
        return -1;
    }
    if (wire_build(&g_wire, q->h, q->nh, g_signed, len) != 0) {
        snprintf(g_err, sizeof g_err, "headers do not fit");
        return -1;
    }
    if (q->tamper == T_FLIP_SIG)
        flip_auth_signature(&g_wire);
    if (q->tamper == T_ALTER_HEADER)
        snprintf(g_wire.line[0], LINE_CAP, "%.*s: %s", (int)q->h[0].name.len, (const char *)q->h[0].name.ptr,
                 q->alt_value);
    if (q->tamper == T_DROP_HOST && wire_remove(&g_wire, "host") != 0) {
        snprintf(g_err, sizeof g_err, "the signer output no Host line to drop");
        return -1;
    }
    uint8_t *copy = NULL;
    struct upload up = {UP_MEM, q->body, q->body_len, 0};
    if (q->body_gen)
        up.kind = UP_GEN;
    if (q->tamper == T_ALTER_BODY) {
        copy = malloc(q->body_len ? (size_t)q->body_len : 1);
        if (copy == NULL) {
            snprintf(g_err, sizeof g_err, "out of memory");
            return -1;
        }
        memcpy(copy, q->body, (size_t)q->body_len);
        copy[q->body_len / 2] ^= 1; /* after signing: the hash no longer matches */
        up.mem = copy;
    }
    int is_put = strcmp(q->method, "PUT") == 0;
    http_do(q->method, g_url, &g_wire, NULL, is_put ? &up : NULL, q->body_len, r);
    free(copy);
    return 0;
}

static void add_header(struct s3req *q, const char *name, const char *value)
{
    q->h[q->nh].name = sigv4rs_cstr(name);
    q->h[q->nh].value = sigv4rs_cstr(value);
    q->nh++;
}

/* Signed GET of a whole object compared with the test data. */
static int s3_get_compare(const sigv4rs_signer *s, const char *key, uint64_t expect_len, char *out, size_t cap)
{
    struct s3req q = {0};
    q.method = "GET";
    q.key = key;
    q.payload_mode = SIGV4RS_PAYLOAD_MODE_BYTES;
    struct resp *r = &g_resp;
    resp_reset(r);
    r->cmp = 1;
    if (s3_send(s, &q, r) != 0) {
        snprintf(out, cap, "GET not sent: %.300s", g_err);
        return 0;
    }
    int ok = r->res == CURLE_OK && r->status == 200 && !r->mismatch && r->len == expect_len;
    char d[256];
    describe(r, d, sizeof d);
    if (ok)
        snprintf(out, cap, "GET 200, %llu bytes match", (unsigned long long)r->len);
    else if (r->mismatch)
        snprintf(out, cap, "GET %s, byte %llu differs", d, (unsigned long long)r->first_bad);
    else
        snprintf(out, cap, "GET %s, %llu bytes (want %llu)", d, (unsigned long long)r->len,
                 (unsigned long long)expect_len);
    return ok;
}

/* Report an S3 request outcome. accept: 2xx; reject: refused. */
static void report(const char *name, int accept, const struct resp *r, int extra_ok, const char *extra)
{
    char d[768];
    describe(r, d, sizeof d);
    if (extra && extra[0])
        snprintf(d + strlen(d), sizeof d - strlen(d), "; %s", extra);
    int ok;
    if (accept)
        ok = r->res == CURLE_OK && r->status >= 200 && r->status < 300 && extra_ok;
    else
        ok = r->status >= 400 && extra_ok; /* a refusal needs an HTTP answer */
    emit(name, accept, r->status, ok, d);
}

static void report_unsent(const char *name, int accept)
{
    emit(name, accept, 0, 0, g_err);
}

/* Single-shot PUT (payload hashed), then GET compared. */
static void case_put_single(const sigv4rs_signer *s, const char *name, const char *key, uint64_t size)
{
    uint8_t *body = malloc(size ? (size_t)size : 1);
    if (body == NULL) {
        snprintf(g_err, sizeof g_err, "out of memory");
        report_unsent(name, 1);
        return;
    }
    gen(body, 0, (size_t)size);
    struct s3req q = {0};
    q.method = "PUT";
    q.key = key;
    q.payload_mode = SIGV4RS_PAYLOAD_MODE_BYTES;
    q.body = body;
    q.body_len = size;
    resp_reset(&g_resp);
    if (s3_send(s, &q, &g_resp) != 0) {
        free(body);
        report_unsent(name, 1);
        return;
    }
    free(body);
    char get[384] = "";
    int ok = 1;
    long put_status = g_resp.status;
    CURLcode put_res = g_resp.res;
    char d[256];
    describe(&g_resp, d, sizeof d);
    if (put_res == CURLE_OK && put_status >= 200 && put_status < 300)
        ok = s3_get_compare(s, key, size, get, sizeof get);
    char all[768];
    snprintf(all, sizeof all, "PUT %s%s%s", d, get[0] ? "; " : "", get);
    emit(name, 1, put_status, put_res == CURLE_OK && put_status >= 200 && put_status < 300 && ok, all);
}

static const char *mode_name(int mode, int ck)
{
    static const char *const ck_names[] = {"", "crc32", "crc32c", "sha256"};
    static char buf[32];
    if (mode == SIGV4RS_STREAM_MODE_SIGNED)
        return "signed";
    snprintf(buf, sizeof buf, "%s-%s", mode == SIGV4RS_STREAM_MODE_SIGNED_TRAILER ? "signed" : "unsigned", ck_names[ck & 3]);
    return buf;
}

/* aws-chunked PUT of `size` test bytes. Returns -1 if it could not be sent. */
static int chunked_put(const sigv4rs_signer *s, const char *key, int mode, int ck, uint64_t size, uint32_t chunk,
                       int tamper, unsigned tamper_index, struct resp *r, char *info, size_t info_cap)
{
    s3_url(g_url, key, NULL);
    sigv4rs_request req = {0};
    req.method = sigv4rs_cstr("PUT");
    req.url = sigv4rs_cstr(g_url);
    sigv4rs_stream stream = {0};
    stream.mode = (uint32_t)mode;
    stream.checksum = (uint32_t)ck;
    stream.decoded_length = size;
    stream.chunk_size = chunk;
    struct chunked_src *c = &g_chunk;
    memset(c, 0, sizeof *c);
    c->signer = s;
    c->total = size;
    c->chunk = chunk;
    c->tamper = tamper;
    c->tamper_index = tamper_index;
    size_t len = 0;
    sigv4rs_status st = sigv4rs_chunked_begin(s, &req, now(), &stream, &c->state, g_signed, sizeof g_signed, &len);
    if (st != SIGV4RS_STATUS_OK) {
        set_err("chunked_begin", st);
        return -1;
    }
    if (wire_build(&g_wire, NULL, 0, g_signed, len) != 0) {
        snprintf(g_err, sizeof g_err, "headers do not fit");
        return -1;
    }
    /* Content-Length comes from the seed headers (the encoded length). */
    const char *cl = wire_find(&g_wire, "content-length");
    uint64_t enc = 0, want = 0;
    if (cl == NULL) {
        snprintf(g_err, sizeof g_err, "no Content-Length among the seed headers");
        return -1;
    }
    enc = strtoull(cl + strlen("content-length:"), NULL, 10);
    if (sigv4rs_chunked_encoded_length(&stream, &want) != SIGV4RS_STATUS_OK || want != enc) {
        snprintf(g_err, sizeof g_err, "Content-Length %llu != chunked_encoded_length %llu", (unsigned long long)enc,
                 (unsigned long long)want);
        return -1;
    }
    struct upload up = {UP_CHUNKED, NULL, enc, 0};
    http_do("PUT", g_url, &g_wire, NULL, &up, enc, r);
    info[0] = 0;
    g_chunk_body_ok = c->st == SIGV4RS_STATUS_OK && c->emitted == enc;
    if (c->st != SIGV4RS_STATUS_OK)
        snprintf(info, info_cap, "signing a chunk failed: %s", sigv4rs_status_str(c->st));
    else if (r->res == CURLE_OK && c->emitted != enc)
        snprintf(info, info_cap, "sent %llu body bytes, Content-Length %llu", (unsigned long long)c->emitted,
                 (unsigned long long)enc);
    else
        snprintf(info, info_cap, "%llu chunks, %llu wire bytes", (unsigned long long)c->index,
                 (unsigned long long)c->emitted);
    return 0;
}

static void case_put_chunked(const sigv4rs_signer *s, const char *name, const char *key, int mode, int ck,
                             uint64_t size, uint32_t chunk)
{
    char info[192], get[384] = "", d[256], all[1024];
    resp_reset(&g_resp);
    if (chunked_put(s, key, mode, ck, size, chunk, T_NONE, 0, &g_resp, info, sizeof info) != 0) {
        report_unsent(name, 1);
        return;
    }
    long st = g_resp.status;
    int ok = g_resp.res == CURLE_OK && st >= 200 && st < 300 && g_chunk_body_ok;
    describe(&g_resp, d, sizeof d);
    if (ok)
        ok = s3_get_compare(s, key, size, get, sizeof get);
    snprintf(all, sizeof all, "PUT %s (%s)%s%s", d, info, get[0] ? "; " : "", get);
    emit(name, 1, st, ok, all);
}

/* ------------------------------------------------- odd keys and lists */

static const char *const ODD_KEYS[] = {
    "odd/a b+c=d&e.txt",
    "odd/pct%41 ~*'()!$,;:@.bin",
    "odd/\xc3\xbcn\xc3\xaf/\xe6\x97\xa5\xe6\x9c\xac-\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87.txt", /* üñï/日本-ключ */
};
#define N_ODD (sizeof ODD_KEYS / sizeof ODD_KEYS[0])

/* XML text -> raw bytes, in place. */
static void xml_unescape(char *s)
{
    char *o = s;
    while (*s) {
        if (*s != '&') {
            *o++ = *s++;
            continue;
        }
        if (strncmp(s, "&amp;", 5) == 0) {
            *o++ = '&';
            s += 5;
        } else if (strncmp(s, "&lt;", 4) == 0) {
            *o++ = '<';
            s += 4;
        } else if (strncmp(s, "&gt;", 4) == 0) {
            *o++ = '>';
            s += 4;
        } else if (strncmp(s, "&quot;", 6) == 0) {
            *o++ = '"';
            s += 6;
        } else if (strncmp(s, "&apos;", 6) == 0) {
            *o++ = '\'';
            s += 6;
        } else if (s[1] == '#') {
            char *end;
            unsigned long v = s[2] == 'x' ? strtoul(s + 3, &end, 16) : strtoul(s + 2, &end, 10);
            if (*end != ';' || v > 0x7f) { /* only ASCII references are expected */
                *o++ = *s++;
                continue;
            }
            *o++ = (char)v;
            s = end + 1;
        } else {
            *o++ = *s++;
        }
    }
    *o = 0;
}

/* Whether a ListObjectsV2 answer lists exactly the keys `want`; info says
 * what differs, or that `label` listed them. */
static int listed_exactly(const char *xml, const char *const *want, size_t nwant, const char *label, char *info,
                          size_t cap)
{
    int ok = 1;
    size_t found = 0;
    const char *p = xml;
    static char key[2048];
    info[0] = 0;
    while ((p = strstr(p, "<Key>")) != NULL) {
        p += 5;
        const char *e = strstr(p, "</Key>");
        if (e == NULL || (size_t)(e - p) >= sizeof key)
            break;
        memcpy(key, p, (size_t)(e - p));
        key[e - p] = 0;
        xml_unescape(key);
        size_t i = 0;
        while (i < nwant && strcmp(key, want[i]) != 0)
            i++;
        if (i == nwant) {
            ok = 0;
            snprintf(info + strlen(info), cap - strlen(info), "unexpected key %.200s; ", key);
        } else {
            found++;
        }
        p = e;
    }
    if (found != nwant) {
        ok = 0;
        snprintf(info + strlen(info), cap - strlen(info), "found %zu of %zu keys", found, nwant);
    } else if (ok) {
        snprintf(info, cap, "%.300s: %zu key(s) listed as expected", label, nwant);
    }
    return ok;
}

/* A header-signed ListObjectsV2 (q) that must list exactly `want`. */
static void case_list_query(const sigv4rs_signer *s, const char *name, const struct s3req *q,
                            const char *const *want, size_t nwant, const char *label)
{
    resp_reset(&g_resp);
    if (s3_send(s, q, &g_resp) != 0) {
        report_unsent(name, 1);
        return;
    }
    char info[1024];
    int ok = listed_exactly(g_resp.body, want, nwant, label, info, sizeof info);
    report(name, 1, &g_resp, ok, info);
}

/* ListObjectsV2 with a prefix (and start-after); the listed keys must be
 * exactly `want`. */
static void case_list_after(const sigv4rs_signer *s, const char *name, const char *prefix, const char *after,
                            const char *const *want, size_t nwant)
{
    char enc[1024], enc_after[1024] = "", query[2200], label[1100];
    uri_encode(prefix, 0, enc, sizeof enc);
    if (after)
        uri_encode(after, 0, enc_after, sizeof enc_after);
    snprintf(query, sizeof query, "list-type=2&prefix=%s%s%s&max-keys=100", enc, after ? "&start-after=" : "",
             enc_after);
    snprintf(label, sizeof label, "prefix %.1000s", enc);
    struct s3req q = {0};
    q.method = "GET";
    q.query = query;
    q.payload_mode = SIGV4RS_PAYLOAD_MODE_BYTES;
    case_list_query(s, name, &q, want, nwant, label);
}

static void case_list(const sigv4rs_signer *s, const char *name, const char *prefix, const char *const *want,
                      size_t nwant)
{
    case_list_after(s, name, prefix, NULL, want, nwant);
}

/* ---------------------------------------------------------- presigned */

/* Runs `curl` (the tool): -T upload when `upload` is set, body to out_file.
 * Returns the HTTP status, or 0 if it did not run. */
static long curl_tool(const char *url, const char *upload, const char *out_file)
{
    int fd[2];
    if (pipe(fd) != 0)
        return 0;
    const char *argv[16];
    int n = 0;
    argv[n++] = "curl";
    argv[n++] = "-sS";
    argv[n++] = "-g";
    argv[n++] = "--path-as-is";
    argv[n++] = "--max-time";
    argv[n++] = "60";
    argv[n++] = "-o";
    argv[n++] = out_file;
    argv[n++] = "-w";
    argv[n++] = "%{http_code}";
    if (upload) {
        argv[n++] = "-T";
        argv[n++] = upload;
    }
    argv[n++] = url;
    argv[n] = NULL;
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        close(fd[0]);
        close(fd[1]);
        return 0;
    }
    if (pid == 0) {
        dup2(fd[1], 1);
        close(fd[0]);
        close(fd[1]);
        execvp("curl", (char *const *)argv);
        _exit(127);
    }
    close(fd[1]);
    char buf[32];
    size_t got = 0;
    ssize_t k;
    while (got < sizeof buf - 1 && (k = read(fd[0], buf + got, sizeof buf - 1 - got)) > 0)
        got += (size_t)k;
    buf[got] = 0;
    close(fd[0]);
    int wst = 0;
    waitpid(pid, &wst, 0);
    return strtol(buf, NULL, 10);
}

/* Compares a file with the test data; returns 1 when equal. */
static int file_matches(const char *path, uint64_t len, char *why, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(why, cap, "no output file");
        return 0;
    }
    uint8_t a[4096], b[4096];
    uint64_t off = 0;
    size_t n;
    int ok = 1;
    while (ok && (n = fread(a, 1, sizeof a, f)) > 0) {
        gen(b, off, n);
        if (off + n > len || memcmp(a, b, n) != 0)
            ok = 0;
        off += n;
    }
    fclose(f);
    if (ok && off != len)
        ok = 0;
    snprintf(why, cap, ok ? "%llu bytes match" : "content differs (%llu bytes)", (unsigned long long)off);
    return ok;
}

static int presign_url(const sigv4rs_signer *s, const char *method, const char *url, int64_t t, uint32_t expires,
                       char *out, size_t cap)
{
    sigv4rs_request req = {0};
    req.method = sigv4rs_cstr(method);
    req.url = sigv4rs_cstr(url);
    size_t len = 0;
    sigv4rs_status st = sigv4rs_signer_presign(s, &req, t, expires, (uint8_t *)out, cap, &len);
    if (st != SIGV4RS_STATUS_OK) {
        set_err("presign", st);
        return -1;
    }
    return 0;
}

static int presign(const sigv4rs_signer *s, const char *method, const char *key, const char *query, int64_t t,
                   uint32_t expires, char *out, size_t cap)
{
    s3_url(g_url, key, query);
    return presign_url(s, method, g_url, t, expires, out, cap);
}

static char g_presigned[URL_CAP];

static void case_presign_get(const sigv4rs_signer *s, const char *name, const char *key, const char *query,
                             uint64_t len)
{
    char out[1024], why[128], d[1024];
    if (presign(s, "GET", key, query, now(), 300, g_presigned, sizeof g_presigned) != 0) {
        report_unsent(name, 1);
        return;
    }
    snprintf(out, sizeof out, "%s/presigned-get.out", env.tmpdir);
    remove(out);
    long st = curl_tool(g_presigned, NULL, out);
    int ok = st == 200 && file_matches(out, len, why, sizeof why);
    snprintf(d, sizeof d, "curl GET -> %ld; %s", st, st == 200 ? why : "");
    emit(name, 1, st, ok, d);
}

static void case_presign_put(const sigv4rs_signer *s, const char *name, const char *key, uint64_t len)
{
    char file[1024], out[1024], d[1024], get[384] = "";
    snprintf(file, sizeof file, "%s/presigned-put.bin", env.tmpdir);
    snprintf(out, sizeof out, "%s/presigned-put.out", env.tmpdir);
    FILE *f = fopen(file, "wb");
    uint8_t buf[4096];
    for (uint64_t off = 0; f != NULL && off < len; off += sizeof buf) {
        size_t n = len - off < sizeof buf ? (size_t)(len - off) : sizeof buf;
        gen(buf, off, n);
        fwrite(buf, 1, n, f);
    }
    if (f == NULL || fclose(f) != 0) {
        snprintf(g_err, sizeof g_err, "cannot write %.400s", file);
        report_unsent(name, 1);
        return;
    }
    int64_t t = now();
    if (presign(s, "PUT", key, NULL, t, 300, g_presigned, sizeof g_presigned) != 0) {
        report_unsent(name, 1);
        return;
    }
    /* The URL must not bind a body hash: curl -T sends no signed header. */
    static char creq[URL_CAP * 2];
    sigv4rs_request req = {0};
    req.method = sigv4rs_cstr("PUT");
    s3_url(g_url, key, NULL);
    req.url = sigv4rs_cstr(g_url);
    size_t clen = 0;
    int unsigned_payload = sigv4rs_signer_canonical_request(s, &req, t, 300, (uint8_t *)creq, sizeof creq, &clen) ==
                               SIGV4RS_STATUS_OK &&
                           clen > 17 && strcmp(creq + clen - 17, "UNSIGNED-PAYLOAD") == 0;
    long st = curl_tool(g_presigned, file, out);
    int ok = st == 200 && unsigned_payload;
    if (ok)
        ok = s3_get_compare(s, key, len, get, sizeof get);
    snprintf(d, sizeof d, "curl -T -> %ld; canonical payload %s; %s", st,
             unsigned_payload ? "UNSIGNED-PAYLOAD" : "NOT UNSIGNED-PAYLOAD", get);
    emit(name, 1, st, ok, d);
}

/* A presigned GET that must be refused (expired or tampered). */
static void case_presign_refused(const sigv4rs_signer *s, const char *name, const char *key, int64_t t,
                                 uint32_t expires, int flip)
{
    char out[1024], d[1024], code[128] = "";
    if (presign(s, "GET", key, NULL, t, expires, g_presigned, sizeof g_presigned) != 0) {
        report_unsent(name, 0);
        return;
    }
    if (flip) {
        char *sig = strstr(g_presigned, "X-Amz-Signature=");
        if (sig != NULL)
            flip_hex(sig + strlen("X-Amz-Signature=") + 63);
    }
    snprintf(out, sizeof out, "%s/presigned-refused.out", env.tmpdir);
    remove(out);
    long st = curl_tool(g_presigned, NULL, out);
    FILE *f = fopen(out, "rb");
    if (f != NULL) {
        size_t n = fread(g_resp.body, 1, RESP_CAP - 1, f);
        g_resp.body[n] = 0;
        fclose(f);
        xml_get(g_resp.body, "Code", code, sizeof code);
    }
    snprintf(d, sizeof d, "curl GET -> %ld %s", st, code);
    emit(name, 0, st, st >= 400 && st < 500, d);
}

/* --------------------------------------------------------- s3s suite */

static const uint64_t SIZES[] = {0, 1, 8192, 65537, 3u << 20};
static const char *const SIZE_NAMES[] = {"0B", "1B", "8KiB", "64KiB+1", "3MiB"};
#define N_SIZES (sizeof SIZES / sizeof SIZES[0])

static void case_create_bucket(const sigv4rs_signer *s)
{
    struct s3req q = {0};
    q.method = "PUT";
    q.payload_mode = SIGV4RS_PAYLOAD_MODE_BYTES;
    resp_reset(&g_resp);
    if (s3_send(s, &q, &g_resp) != 0) {
        report_unsent("create-bucket", 1);
        return;
    }
    report("create-bucket", 1, &g_resp, 1, env.bucket);
}

/* PUT with the payload hashed piece by piece (sigv4rs_payload_hasher), body
 * made while sent: a constant-memory single-shot upload. */
static void case_put_hashed_stream(const sigv4rs_signer *s, const char *name, const char *key, uint64_t size)
{
    static uint8_t piece[CHUNK];
    sigv4rs_payload_hasher h;
    char hex[SIGV4RS_SHA256_HEX_LEN + 1], d[256], get[384] = "", all[768];
    size_t hl = 0;
    sigv4rs_status st = sigv4rs_payload_hasher_init(&h);
    for (uint64_t off = 0; st == SIGV4RS_STATUS_OK && off < size; off += CHUNK) {
        size_t n = size - off < CHUNK ? (size_t)(size - off) : CHUNK;
        gen(piece, off, n);
        sigv4rs_bytes b = {piece, n};
        st = sigv4rs_payload_hasher_update(&h, b);
    }
    if (st == SIGV4RS_STATUS_OK)
        st = sigv4rs_payload_hasher_finish(&h, (uint8_t *)hex, sizeof hex, &hl);
    if (st != SIGV4RS_STATUS_OK) {
        set_err("payload_hasher", st);
        report_unsent(name, 1);
        return;
    }
    struct s3req q = {0};
    q.method = "PUT";
    q.key = key;
    q.payload_mode = SIGV4RS_PAYLOAD_MODE_SHA256_HEX;
    q.payload_hex = hex;
    q.body_len = size;
    q.body_gen = 1;
    resp_reset(&g_resp);
    if (s3_send(s, &q, &g_resp) != 0) {
        report_unsent(name, 1);
        return;
    }
    long put = g_resp.status;
    int ok = g_resp.res == CURLE_OK && put >= 200 && put < 300;
    describe(&g_resp, d, sizeof d);
    if (ok)
        ok = s3_get_compare(s, key, size, get, sizeof get);
    snprintf(all, sizeof all, "PUT %s (sha256 %.12s...); %s", d, hex, get);
    emit(name, 1, put, ok, all);
}

static void case_put_unsigned_payload(const sigv4rs_signer *s, const char *name, const char *key, uint64_t size)
{
    static uint8_t body[8192];
    char d[256], get[384] = "", all[768];
    gen(body, 0, (size_t)size);
    struct s3req q = {0};
    q.method = "PUT";
    q.key = key;
    q.payload_mode = SIGV4RS_PAYLOAD_MODE_UNSIGNED;
    q.body = body;
    q.body_len = size;
    resp_reset(&g_resp);
    if (s3_send(s, &q, &g_resp) != 0) {
        report_unsent(name, 1);
        return;
    }
    long put = g_resp.status;
    int ok = g_resp.res == CURLE_OK && put >= 200 && put < 300;
    describe(&g_resp, d, sizeof d);
    if (ok)
        ok = s3_get_compare(s, key, size, get, sizeof get);
    snprintf(all, sizeof all, "PUT %s; %s", d, get);
    emit(name, 1, put, ok, all);
}

/* GET with a signed Range header: 206 and the right slice. */
static void case_get_range(const sigv4rs_signer *s, const char *key)
{
    struct s3req q = {0};
    q.method = "GET";
    q.key = key;
    q.payload_mode = SIGV4RS_PAYLOAD_MODE_BYTES;
    add_header(&q, "Range", "bytes=100-199");
    resp_reset(&g_resp);
    g_resp.cmp = 1;
    g_resp.cmp_off = 100;
    if (s3_send(s, &q, &g_resp) != 0) {
        report_unsent("get-range-signed", 1);
        return;
    }
    int ok = g_resp.status == 206 && g_resp.len == 100 && !g_resp.mismatch;
    char info[128];
    snprintf(info, sizeof info, "%llu bytes%s", (unsigned long long)g_resp.len, g_resp.mismatch ? ", differ" : "");
    report("get-range-signed", 1, &g_resp, ok, info);
}

/* Header-signed request that must be refused. */
static void case_refused(const sigv4rs_signer *s, const char *name, struct s3req *q)
{
    resp_reset(&g_resp);
    if (s3_send(s, q, &g_resp) != 0) {
        report_unsent(name, 0);
        return;
    }
    report(name, 0, &g_resp, 1, "");
}

static void case_chunked_refused(const sigv4rs_signer *s, const char *name, const char *key, int mode, int ck,
                                 uint64_t size, int tamper, unsigned index)
{
    char info[192];
    resp_reset(&g_resp);
    if (chunked_put(s, key, mode, ck, size, CHUNK, tamper, index, &g_resp, info, sizeof info) != 0) {
        report_unsent(name, 0);
        return;
    }
    report(name, 0, &g_resp, 1, info);
}


/* ------------------------------------------- query and host rules */

/* base with each "name=value" appended by libcurl's own form encoder:
 * CURLU_APPENDQUERY | CURLU_URLENCODE writes a space as '+', which the
 * signer and the servers read as a space. */
static int curl_form_url(const char *base, const char *const *params, size_t n, char *out, size_t cap)
{
    CURLU *u = curl_url();
    char *url = NULL;
    int rc = -1;
    if (u == NULL || curl_url_set(u, CURLUPART_URL, base, 0) != CURLUE_OK)
        goto done;
    for (size_t i = 0; i < n; i++)
        if (curl_url_set(u, CURLUPART_QUERY, params[i], CURLU_APPENDQUERY | CURLU_URLENCODE) != CURLUE_OK)
            goto done;
    if (curl_url_get(u, CURLUPART_URL, &url, 0) == CURLUE_OK && strlen(url) < cap) {
        memcpy(out, url, strlen(url) + 1);
        rc = 0;
    }
done:
    if (rc != 0)
        snprintf(g_err, sizeof g_err, "curl_url could not build the URL from %.300s", base);
    curl_free(url);
    curl_url_cleanup(u);
    return rc;
}

static int has_form_space(const char *url, const char *param)
{
    if (strstr(url, param) != NULL)
        return 1;
    snprintf(g_err, sizeof g_err, "libcurl wrote %.300s, without %.100s", url, param);
    return 0;
}

/* The endpoint (http://127.0.0.1:PORT) as http://LocalHost:PORT, which
 * /etc/hosts resolves to 127.0.0.1. host gets the lower-cased host:port
 * that the signer must sign and output as Host. */
static int mixed_case_endpoint(char *out, size_t cap, char *host, size_t hcap)
{
    const char *h = strstr(env.endpoint, "://");
    const char *port = h != NULL ? strchr(h + 3, ':') : NULL;
    if (port == NULL || (strncmp(h + 3, "127.0.0.1:", 10) != 0 && strncmp(h + 3, "localhost:", 10) != 0)) {
        snprintf(g_err, sizeof g_err, "endpoint %.300s is not 127.0.0.1:PORT", env.endpoint);
        return -1;
    }
    snprintf(out, cap, "%.*sLocalHost%s", (int)(h + 3 - env.endpoint), env.endpoint, port);
    snprintf(host, hcap, "localhost%s", port);
    return 0;
}

/* Whether the headers sent carried "Host: <host>" from the signer. */
static int sent_host(const char *host, char *info, size_t cap)
{
    const char *line = wire_find(&g_wire, "host");
    char want[256];
    snprintf(want, sizeof want, "Host: %s", host);
    int ok = line != NULL && strcmp(line, want) == 0;
    snprintf(info, cap, "sent %s", line != NULL ? line : "no Host line (curl's own)");
    return ok;
}

static const char *const MY_KEYS[] = {"my key.txt", "my key/x.txt"};
#define N_MY_KEYS (sizeof MY_KEYS / sizeof MY_KEYS[0])

/* A '+' in a query is a space, a mixed-case host is signed and sent
 * lower-case (issue 10): header-signed and presigned. */
static void run_s3s_query_host(const sigv4rs_signer *s)
{
    char base[URL_CAP], url[URL_CAP], mixed[URL_CAP], host[256], info[512], get[384], d[768], out[1024];

    /* "my+key.txt" would be listed instead if a server read '+' literally. */
    case_put_single(s, "put-key-my-space-1", "my%20key.txt", 21);
    case_put_single(s, "put-key-my-space-2", "my%20key/x.txt", 22);
    case_put_single(s, "put-key-my-plus", "my%2Bkey.txt", 23);

    static const char *const prefix[] = {"prefix=my key"};
    snprintf(base, sizeof base, "%s/%s?list-type=2", env.endpoint, env.bucket);
    struct s3req q = {0};
    q.method = "GET";
    q.payload_mode = SIGV4RS_PAYLOAD_MODE_BYTES;
    if (curl_form_url(base, prefix, 1, url, sizeof url) != 0 || !has_form_space(url, "prefix=my+key")) {
        report_unsent("list-prefix-form-encoded-space", 1);
    } else {
        q.url = url;
        case_list_query(s, "list-prefix-form-encoded-space", &q, MY_KEYS, N_MY_KEYS, "prefix=my+key (libcurl)");
    }

    /* The presigned URL carries the prefix as signed (%20), no '+'. */
    if (curl_form_url(base, prefix, 1, url, sizeof url) != 0 ||
        presign_url(s, "GET", url, now(), 300, g_presigned, sizeof g_presigned) != 0) {
        report_unsent("presign-list-form-encoded-space-curl", 1);
    } else {
        int as_signed = strchr(g_presigned, '+') == NULL && strstr(g_presigned, "prefix=my%20key&") != NULL;
        snprintf(out, sizeof out, "%s/presigned-list.out", env.tmpdir);
        remove(out);
        long st = curl_tool(g_presigned, NULL, out);
        FILE *f = fopen(out, "rb");
        size_t n = f != NULL ? fread(g_resp.body, 1, RESP_CAP - 1, f) : 0;
        g_resp.body[n] = 0;
        if (f != NULL)
            fclose(f);
        int ok = st == 200 && listed_exactly(g_resp.body, MY_KEYS, N_MY_KEYS, "prefix=my%20key", info, sizeof info);
        snprintf(d, sizeof d, "curl GET -> %ld; %s; URL query %s", st, st == 200 ? info : "",
                 as_signed ? "as signed" : "NOT as signed");
        emit("presign-list-form-encoded-space-curl", 1, st, ok && as_signed, d);
    }

    if (mixed_case_endpoint(mixed, sizeof mixed, host, sizeof host) != 0) {
        report_unsent("get-mixed-case-host", 1);
        report_unsent("put-mixed-case-host", 1);
        report_unsent("neg-mixed-case-host-without-host-line", 0);
        report_unsent("presign-get-mixed-case-host-curl", 1);
        return;
    }
    /* The signer's Host line goes to curl with the others, so the server
     * sees the host that was signed. */
    snprintf(url, sizeof url, "%.1000s/%s/single/8KiB", mixed, env.bucket);
    memset(&q, 0, sizeof q);
    q.method = "GET";
    q.url = url;
    q.payload_mode = SIGV4RS_PAYLOAD_MODE_BYTES;
    resp_reset(&g_resp);
    g_resp.cmp = 1;
    if (s3_send(s, &q, &g_resp) != 0) {
        report_unsent("get-mixed-case-host", 1);
    } else {
        int ok = sent_host(host, info, sizeof info) && g_resp.len == 8192 && !g_resp.mismatch;
        snprintf(info + strlen(info), sizeof info - strlen(info), "; %llu bytes%s", (unsigned long long)g_resp.len,
                 g_resp.mismatch ? ", differ" : "");
        report("get-mixed-case-host", 1, &g_resp, ok, info);
    }

    static uint8_t body[1000];
    gen(body, 0, sizeof body);
    snprintf(url, sizeof url, "%.1000s/%s/host/mixed-case", mixed, env.bucket);
    memset(&q, 0, sizeof q);
    q.method = "PUT";
    q.url = url;
    q.payload_mode = SIGV4RS_PAYLOAD_MODE_BYTES;
    q.body = body;
    q.body_len = sizeof body;
    resp_reset(&g_resp);
    if (s3_send(s, &q, &g_resp) != 0) {
        report_unsent("put-mixed-case-host", 1);
    } else {
        long put = g_resp.status;
        int ok = sent_host(host, info, sizeof info) && g_resp.res == CURLE_OK && put >= 200 && put < 300;
        describe(&g_resp, d, sizeof d);
        get[0] = 0;
        if (ok)
            ok = s3_get_compare(s, "host/mixed-case", sizeof body, get, sizeof get);
        snprintf(d + strlen(d), sizeof d - strlen(d), "; %s; %s", info, get);
        emit("put-mixed-case-host", 1, put, ok, d);
    }

    /* Without the signer's Host line curl sends the URL's mixed-case host,
     * which the server reads as it is: not what was signed. */
    snprintf(url, sizeof url, "%.1000s/%s/single/8KiB", mixed, env.bucket);
    memset(&q, 0, sizeof q);
    q.method = "GET";
    q.url = url;
    q.payload_mode = SIGV4RS_PAYLOAD_MODE_BYTES;
    q.tamper = T_DROP_HOST;
    case_refused(s, "neg-mixed-case-host-without-host-line", &q);

    /* The presigned URL names the host lower-case, as signed. */
    snprintf(url, sizeof url, "%.1000s/%s/single/8KiB", mixed, env.bucket);
    if (presign_url(s, "GET", url, now(), 300, g_presigned, sizeof g_presigned) != 0) {
        report_unsent("presign-get-mixed-case-host-curl", 1);
        return;
    }
    snprintf(base, sizeof base, "http://%s/", host);
    int lower = strncmp(g_presigned, base, strlen(base)) == 0;
    snprintf(out, sizeof out, "%s/presigned-host.out", env.tmpdir);
    remove(out);
    long st = curl_tool(g_presigned, NULL, out);
    int ok = st == 200 && file_matches(out, 8192, info, sizeof info);
    snprintf(d, sizeof d, "curl GET -> %ld; %s; URL host %s", st, st == 200 ? info : "",
             lower ? "lower-case" : "NOT lower-case");
    emit("presign-get-mixed-case-host-curl", 1, st, ok && lower, d);
}

/* Less common shapes of otherwise ordinary requests. */
static void run_s3s_more(const sigv4rs_signer *s, const char *const *odd_wire)
{
    struct s3req q;
    char get[384] = "", info[512];

    /* Valueless query key: canonical form `location=`. */
    memset(&q, 0, sizeof q);
    q.method = "GET";
    q.query = "location";
    q.payload_mode = SIGV4RS_PAYLOAD_MODE_BYTES;
    resp_reset(&g_resp);
    if (s3_send(s, &q, &g_resp) != 0)
        report_unsent("get-bucket-location-valueless-query", 1);
    else
        report("get-bucket-location-valueless-query", 1, &g_resp, 1, "");

    memset(&q, 0, sizeof q);
    q.method = "HEAD";
    q.key = odd_wire[2];
    q.payload_mode = SIGV4RS_PAYLOAD_MODE_BYTES;
    resp_reset(&g_resp);
    if (s3_send(s, &q, &g_resp) != 0)
        report_unsent("head-object-utf8-key", 1);
    else
        report("head-object-utf8-key", 1, &g_resp, 1, "");

    /* Runs of spaces inside a signed value: canonicalized as one space. */
    static const uint8_t small[] = "spaces";
    memset(&q, 0, sizeof q);
    q.method = "PUT";
    q.key = "meta/spaces";
    q.payload_mode = SIGV4RS_PAYLOAD_MODE_BYTES;
    q.body = small;
    q.body_len = sizeof small - 1;
    add_header(&q, "x-amz-meta-spaces", "a   b  c");
    add_header(&q, "Content-Type", "text/plain;  charset=utf-8");
    resp_reset(&g_resp);
    if (s3_send(s, &q, &g_resp) != 0)
        report_unsent("put-header-values-with-space-runs", 1);
    else
        report("put-header-values-with-space-runs", 1, &g_resp, 1, "");

    memset(&q, 0, sizeof q);
    q.method = "DELETE";
    q.key = "meta/spaces";
    q.payload_mode = SIGV4RS_PAYLOAD_MODE_BYTES;
    resp_reset(&g_resp);
    if (s3_send(s, &q, &g_resp) != 0) {
        report_unsent("delete-object", 1);
    } else {
        long del = g_resp.status;
        char d[256];
        describe(&g_resp, d, sizeof d);
        q.method = "GET";
        resp_reset(&g_resp);
        int gone = s3_send(s, &q, &g_resp) == 0 && g_resp.status == 404;
        snprintf(info, sizeof info, "DELETE %s; GET afterwards %ld", d, g_resp.status);
        emit("delete-object", 1, del, del >= 200 && del < 300 && gone, info);
    }

    case_put_single(s, "put-key-dot-segments", "dots/a/./b/../c", 10);
    case_put_single(s, "put-key-empty-segment", "dots/x//y", 11);

    /* start-after holding every odd character, in the query. */
    case_list_after(s, "list-start-after-odd-key", "odd/", ODD_KEYS[0], ODD_KEYS + 1, 2);

    /* Other shapes of aws-chunked bodies. */
    static const struct {
        const char *name, *key;
        int mode, ck;
        uint64_t size;
        uint32_t chunk;
    } more[] = {
        {"put-chunked-signed-64KiB-exact", "chunked/more/a", SIGV4RS_STREAM_MODE_SIGNED, SIGV4RS_CHECKSUM_NONE, 65536, CHUNK},
        {"put-chunked-signed-crc32-128KiB-exact", "chunked/more/b", SIGV4RS_STREAM_MODE_SIGNED_TRAILER, SIGV4RS_CHECKSUM_CRC32, 131072, CHUNK},
        {"put-chunked-signed-sha256-64KiB+1", "chunked/more/c", SIGV4RS_STREAM_MODE_SIGNED_TRAILER, SIGV4RS_CHECKSUM_SHA256, 65537, CHUNK},
        {"put-chunked-unsigned-crc32c-64KiB-exact", "chunked/more/d", SIGV4RS_STREAM_MODE_UNSIGNED_TRAILER, SIGV4RS_CHECKSUM_CRC32C, 65536,
         CHUNK},
        {"put-chunked-unsigned-sha256-8KiB-chunks", "chunked/more/e", SIGV4RS_STREAM_MODE_UNSIGNED_TRAILER, SIGV4RS_CHECKSUM_SHA256, 100000,
         8192},
        {"put-chunked-signed-8KiB-chunks-1MiB+3", "chunked/more/f", SIGV4RS_STREAM_MODE_SIGNED, SIGV4RS_CHECKSUM_NONE, (1u << 20) + 3, 8192},
    };
    for (size_t i = 0; i < sizeof more / sizeof more[0]; i++)
        case_put_chunked(s, more[i].name, more[i].key, more[i].mode, more[i].ck, more[i].size, more[i].chunk);

    /* A session token (s3s checks the signature over it, not its value);
     * '/', '+' and '=' must be encoded in the presigned query. */
    const sigv4rs_signer *t = make_signer(&g_alt_store, env.ak, env.sk, "FwoGZXIvYXdzE/token+with==", "s3",
                                          SIGV4RS_FLAG_S3);
    if (t == NULL) {
        snprintf(g_err, sizeof g_err, "signer_init failed");
        report_unsent("get-with-session-token", 1);
        return;
    }
    int ok = s3_get_compare(t, "single/8KiB", 8192, get, sizeof get);
    emit("get-with-session-token", 1, g_resp.status, ok, get);
    case_presign_get(t, "presign-get-curl-with-session-token", "single/8KiB", NULL, 8192);
    sigv4rs_signer_deinit(&g_alt_store);
}

static void run_s3s(void)
{
    const sigv4rs_signer *s = make_signer(&g_s3_store, env.ak, env.sk, NULL, "s3", SIGV4RS_FLAG_S3);
    if (s == NULL) {
        snprintf(g_err, sizeof g_err, "signer_init failed");
        report_unsent("signer-init", 1);
        return;
    }
    char name[128], key[256];
    case_create_bucket(s);

    for (size_t i = 0; i < N_SIZES; i++) {
        snprintf(name, sizeof name, "put-single-%s", SIZE_NAMES[i]);
        snprintf(key, sizeof key, "single/%s", SIZE_NAMES[i]);
        char wire_key[256];
        uri_encode(key, 1, wire_key, sizeof wire_key); /* '+' in 64KiB+1 */
        case_put_single(s, name, wire_key, SIZES[i]);
    }
    case_put_unsigned_payload(s, "put-unsigned-payload-8KiB", "unsigned/8KiB", 8192);
    case_put_hashed_stream(s, "put-sha256-stream-3MiB", "hashed/3MiB", 3u << 20);

    static const int modes[][2] = {
        {SIGV4RS_STREAM_MODE_SIGNED, SIGV4RS_CHECKSUM_NONE}, {SIGV4RS_STREAM_MODE_SIGNED_TRAILER, SIGV4RS_CHECKSUM_CRC32C}, {SIGV4RS_STREAM_MODE_UNSIGNED_TRAILER, SIGV4RS_CHECKSUM_CRC32}};
    for (size_t m = 0; m < 3; m++) {
        for (size_t i = 0; i < N_SIZES; i++) {
            const char *mn = mode_name(modes[m][0], modes[m][1]);
            char wire_key[256];
            snprintf(name, sizeof name, "put-chunked-%s-%s", mn, SIZE_NAMES[i]);
            snprintf(key, sizeof key, "chunked/%s/%s", mn, SIZE_NAMES[i]);
            uri_encode(key, 1, wire_key, sizeof wire_key);
            case_put_chunked(s, name, wire_key, modes[m][0], modes[m][1], SIZES[i], CHUNK);
        }
    }

    case_get_range(s, "single/8KiB");

    /* Odd keys: written, read back, listed by prefix. */
    static char wire_keys[N_ODD][512];
    for (size_t i = 0; i < N_ODD; i++) {
        uri_encode(ODD_KEYS[i], 1, wire_keys[i], sizeof wire_keys[i]);
        snprintf(name, sizeof name, "put-odd-key-%zu", i + 1);
        case_put_single(s, name, wire_keys[i], 1000 + i);
    }
    case_list(s, "list-prefix-odd/", "odd/", ODD_KEYS, N_ODD);
    case_list(s, "list-prefix-space-plus-equals-amp", "odd/a b+c=d&", ODD_KEYS, 1);
    case_list(s, "list-prefix-percent-tilde-star", "odd/pct%41 ~*'(", ODD_KEYS + 1, 1);
    case_list(s, "list-prefix-utf8", "odd/\xc3\xbcn", ODD_KEYS + 2, 1);
    {
        const char *w[N_ODD];
        for (size_t i = 0; i < N_ODD; i++)
            w[i] = wire_keys[i];
        run_s3s_more(s, w);
    }

    /* Presigned URLs through the curl tool. */
    case_presign_get(s, "presign-get-curl-odd-key", wire_keys[0], NULL, 1000);
    case_presign_get(s, "presign-get-curl-with-query", wire_keys[1],
                     "response-content-type=text%2Fplain%3B%20charset%3Dutf-8&response-cache-control=no-cache", 1001);
    char pkey[128];
    uri_encode("presigned/put \xc3\xbc+=.bin", 1, pkey, sizeof pkey);
    case_presign_put(s, "presign-put-curl", pkey, 100000);

    run_s3s_query_host(s);

    /* Negative controls: every one must be refused. */
    struct s3req q = {0};
    q.method = "GET";
    q.key = "single/8KiB";
    q.payload_mode = SIGV4RS_PAYLOAD_MODE_BYTES;
    q.tamper = T_FLIP_SIG;
    case_refused(s, "neg-flipped-signature", &q);

    static const uint8_t meta_body[] = "meta test body";
    memset(&q, 0, sizeof q);
    q.method = "PUT";
    q.key = "neg/meta";
    q.payload_mode = SIGV4RS_PAYLOAD_MODE_BYTES;
    q.body = meta_body;
    q.body_len = sizeof meta_body - 1;
    add_header(&q, "x-amz-meta-x", "signed-value");
    q.tamper = T_ALTER_HEADER;
    q.alt_value = "altered-value";
    case_refused(s, "neg-altered-x-amz-meta-header", &q);

    memset(&q, 0, sizeof q);
    q.method = "GET";
    q.key = "single/8KiB";
    q.payload_mode = SIGV4RS_PAYLOAD_MODE_BYTES;
    add_header(&q, "Range", "bytes=0-9");
    q.tamper = T_ALTER_HEADER;
    q.alt_value = "bytes=0-19";
    case_refused(s, "neg-altered-range-header", &q);

    static uint8_t body[8192];
    gen(body, 0, sizeof body);
    memset(&q, 0, sizeof q);
    q.method = "PUT";
    q.key = "neg/body";
    q.payload_mode = SIGV4RS_PAYLOAD_MODE_BYTES;
    q.body = body;
    q.body_len = sizeof body;
    q.tamper = T_ALTER_BODY;
    case_refused(s, "neg-body-altered-after-signing", &q);

    case_chunked_refused(s, "neg-chunk-signature-altered", "neg/chunk-sig", SIGV4RS_STREAM_MODE_SIGNED, SIGV4RS_CHECKSUM_NONE, 150000, T_CHUNK_SIG,
                         1);
    case_chunked_refused(s, "neg-chunk-data-altered-signed-trailer", "neg/chunk-data", SIGV4RS_STREAM_MODE_SIGNED_TRAILER,
                         SIGV4RS_CHECKSUM_CRC32C, 150000, T_CHUNK_DATA, 1);
    /* Unsigned chunks: only the trailer checksum protects the data, so each
     * kind must catch a flipped byte (and so is really checked). */
    case_chunked_refused(s, "neg-chunk-data-altered-unsigned-crc32", "neg/unsigned-data", SIGV4RS_STREAM_MODE_UNSIGNED_TRAILER,
                         SIGV4RS_CHECKSUM_CRC32, 150000, T_CHUNK_DATA, 1);
    case_chunked_refused(s, "neg-chunk-data-altered-unsigned-crc32c", "neg/unsigned-data-c", SIGV4RS_STREAM_MODE_UNSIGNED_TRAILER,
                         SIGV4RS_CHECKSUM_CRC32C, 150000, T_CHUNK_DATA, 2);
    case_chunked_refused(s, "neg-chunk-data-altered-unsigned-sha256", "neg/unsigned-data-s", SIGV4RS_STREAM_MODE_UNSIGNED_TRAILER,
                         SIGV4RS_CHECKSUM_SHA256, 150000, T_CHUNK_DATA, 0);

    case_presign_refused(s, "neg-presign-expired", "single/8KiB", now() - 3600, 60, 0);
    case_presign_refused(s, "neg-presign-flipped-signature", "single/8KiB", now(), 300, 1);

    memset(&q, 0, sizeof q);
    q.method = "GET";
    q.key = "single/8KiB";
    q.payload_mode = SIGV4RS_PAYLOAD_MODE_BYTES;
    q.time_offset = -1800;
    case_refused(s, "neg-clock-skew-30min", &q);

    const sigv4rs_signer *w = make_signer(&g_alt_store, env.ak, "wrong/Secret+Key0123456789abcdefWXYZ", NULL, "s3",
                                          SIGV4RS_FLAG_S3);
    memset(&q, 0, sizeof q);
    q.method = "GET";
    q.key = "single/8KiB";
    q.payload_mode = SIGV4RS_PAYLOAD_MODE_BYTES;
    if (w == NULL) {
        snprintf(g_err, sizeof g_err, "signer_init failed");
        report_unsent("neg-wrong-secret", 0);
    } else {
        case_refused(w, "neg-wrong-secret", &q);
    }
    sigv4rs_signer_deinit(&g_alt_store);
    sigv4rs_signer_deinit(&g_s3_store);
}

/* -------------------------------------------------------- moto suite */

static char g_body[2048];

/* POST to a non-S3 service (form or JSON body, payload hashed), at url or
 * (NULL) ENDPOINT/. */
static int svc_post(const sigv4rs_signer *s, const char *url, const char *content_type, const char *amz_target,
                    const char *body, int tamper, struct resp *r)
{
    if (url != NULL)
        snprintf(g_url, sizeof g_url, "%s", url);
    else
        snprintf(g_url, sizeof g_url, "%s/", env.endpoint);
    sigv4rs_header h[2];
    size_t nh = 0;
    h[nh].name = sigv4rs_cstr("Content-Type");
    h[nh++].value = sigv4rs_cstr(content_type);
    if (amz_target) {
        h[nh].name = sigv4rs_cstr("X-Amz-Target");
        h[nh++].value = sigv4rs_cstr(amz_target);
    }
    sigv4rs_request req = {0};
    req.method = sigv4rs_cstr("POST");
    req.url = sigv4rs_cstr(g_url);
    req.headers = h;
    req.headers_len = nh;
    req.payload_mode = SIGV4RS_PAYLOAD_MODE_BYTES;
    req.payload = sigv4rs_cstr(body);
    size_t len = 0;
    sigv4rs_status st = sigv4rs_signer_sign_headers(s, &req, now(), g_signed, sizeof g_signed, &len);
    if (st != SIGV4RS_STATUS_OK) {
        set_err("sign_headers", st);
        return -1;
    }
    if (wire_build(&g_wire, h, nh, g_signed, len) != 0) {
        snprintf(g_err, sizeof g_err, "headers do not fit");
        return -1;
    }
    if (tamper == T_FLIP_SIG)
        flip_auth_signature(&g_wire);
    snprintf(g_body, sizeof g_body, "%s", body);
    if (tamper == T_ALTER_BODY) {
        char *d = strrchr(g_body, '5'); /* a digit of the API version */
        if (d != NULL)
            *d = '6';
    }
    resp_reset(r);
    http_do("POST", g_url, &g_wire, g_body, NULL, 0, r);
    return 0;
}

#define FORM "application/x-www-form-urlencoded; charset=utf-8"
#define JSON10 "application/x-amz-json-1.0"

static void svc_case(const sigv4rs_signer *s, const char *name, int accept, const char *ct, const char *target,
                     const char *body, int tamper, const char *must_contain)
{
    if (s == NULL) {
        snprintf(g_err, sizeof g_err, "signer_init failed");
        report_unsent(name, accept);
        return;
    }
    if (svc_post(s, NULL, ct, target, body, tamper, &g_resp) != 0) {
        report_unsent(name, accept);
        return;
    }
    int ok = must_contain == NULL || strstr(g_resp.body, must_contain) != NULL;
    char info[256] = "";
    if (must_contain)
        snprintf(info, sizeof info, "%s %s", ok ? "has" : "MISSING", must_contain);
    report(name, accept, &g_resp, ok, info);
}

/* Issue 10 on a non-S3 service: a mixed-case host is signed and sent
 * lower-case. A '+' in the query is checked on s3s only: moto takes the
 * query on the wire as the canonical one (botocore's
 * _canonical_query_string_url), so it refuses any '+' or lower-case escape
 * there, whoever signs; botocore itself signs the parameter "my key 1+1" as
 * my%20key%201%2B1, as sigv4rs does. */
static void case_sqs_mixed_case_host(const sigv4rs_signer *sqs, const char *queue_name)
{
    const char *name = "sqs-list-queues-mixed-case-host";
    char mixed[URL_CAP], host[256], url[URL_CAP], info[512];
    if (sqs == NULL || mixed_case_endpoint(mixed, sizeof mixed, host, sizeof host) != 0) {
        report_unsent(name, 1);
        return;
    }
    snprintf(url, sizeof url, "%.1000s/", mixed);
    if (svc_post(sqs, url, FORM, NULL, "Action=ListQueues&Version=2012-11-05", T_NONE, &g_resp) != 0) {
        report_unsent(name, 1);
        return;
    }
    int listed = strstr(g_resp.body, queue_name) != NULL;
    int ok = sent_host(host, info, sizeof info) && listed;
    snprintf(info + strlen(info), sizeof info - strlen(info), "; %s %s", listed ? "has" : "MISSING", queue_name);
    report(name, 1, &g_resp, ok, info);
}

static char g_tmp_ak[SIGV4RS_MAX_ACCESS_KEY_ID_LEN + 1], g_tmp_sk[SIGV4RS_MAX_SECRET_KEY_LEN + 1],
    g_tmp_token[SIGV4RS_MAX_SESSION_TOKEN_LEN + 1];

static void run_moto(void)
{
    const sigv4rs_signer *s;
    char body[1024], arn[512], name[64];

    /* S3 header signing as a second opinion (moto trusts the payload hash). */
    s = make_signer(&g_s3_store, env.ak, env.sk, NULL, "s3", SIGV4RS_FLAG_S3);
    if (s != NULL) {
        case_create_bucket(s);
        case_put_single(s, "put-single-8KiB", "single/8KiB", 8192);
        case_put_chunked(s, "put-chunked-signed-64KiB+1", "chunked/signed/64KiB%2B1", SIGV4RS_STREAM_MODE_SIGNED, SIGV4RS_CHECKSUM_NONE, 65537,
                         CHUNK);
        sigv4rs_signer_deinit(&g_s3_store);
    }

    s = make_signer(&g_svc_store, env.ak, env.sk, NULL, "sts", 0);
    svc_case(s, "sts-get-caller-identity", 1, FORM, NULL, "Action=GetCallerIdentity&Version=2011-06-15", T_NONE,
             ":user/sigv4rs-interop</Arn>");

    uri_encode(env.role_arn, 0, arn, sizeof arn);
    snprintf(body, sizeof body, "Action=AssumeRole&RoleArn=%s&RoleSessionName=sigv4rs-c&Version=2011-06-15", arn);
    svc_case(s, "sts-assume-role", 1, FORM, NULL, body, T_NONE, "<SessionToken>");
    int have_tmp = g_resp.status == 200 && xml_get(g_resp.body, "AccessKeyId", g_tmp_ak, sizeof g_tmp_ak) &&
                   xml_get(g_resp.body, "SecretAccessKey", g_tmp_sk, sizeof g_tmp_sk) &&
                   xml_get(g_resp.body, "SessionToken", g_tmp_token, sizeof g_tmp_token);
    svc_case(s, "neg-sts-body-altered-after-signing", 0, FORM, NULL, "Action=GetCallerIdentity&Version=2011-06-15",
             T_ALTER_BODY, NULL);

    const sigv4rs_signer *w = make_signer(&g_alt_store, env.ak, "wrong/Secret+Key0123456789abcdefWXYZ", NULL, "sts", 0);
    svc_case(w, "neg-sts-wrong-secret", 0, FORM, NULL, "Action=GetCallerIdentity&Version=2011-06-15", T_NONE, NULL);

    if (have_tmp) {
        /* Temporary credentials: the token is sent and signed. */
        const sigv4rs_signer *t = make_signer(&g_alt_store, g_tmp_ak, g_tmp_sk, g_tmp_token, "sts", 0);
        svc_case(t, "sts-get-caller-identity-temp-creds", 1, FORM, NULL,
                 "Action=GetCallerIdentity&Version=2011-06-15", T_NONE, ":assumed-role/");
        char bad[sizeof g_tmp_token + 2];
        snprintf(bad, sizeof bad, "%sx", g_tmp_token);
        t = make_signer(&g_alt_store, g_tmp_ak, g_tmp_sk, bad, "sts", 0);
        svc_case(t, "neg-sts-temp-creds-wrong-token", 0, FORM, NULL, "Action=GetCallerIdentity&Version=2011-06-15",
                 T_NONE, NULL);
    } else {
        snprintf(g_err, sizeof g_err, "no temporary credentials (AssumeRole failed)");
        report_unsent("sts-get-caller-identity-temp-creds", 1);
        report_unsent("neg-sts-temp-creds-wrong-token", 0);
    }

    s = make_signer(&g_svc_store, env.ak, env.sk, NULL, "sqs", 0);
    snprintf(name, sizeof name, "sqs-q-%.40s", env.bucket);
    snprintf(body, sizeof body, "Action=CreateQueue&QueueName=%s&Version=2012-11-05", name);
    svc_case(s, "sqs-create-queue", 1, FORM, NULL, body, T_NONE, "<QueueUrl>");
    svc_case(s, "sqs-list-queues", 1, FORM, NULL, "Action=ListQueues&Version=2012-11-05", T_NONE, name);
    svc_case(s, "neg-sqs-flipped-signature", 0, FORM, NULL, "Action=ListQueues&Version=2012-11-05", T_FLIP_SIG, NULL);
    case_sqs_mixed_case_host(s, name);

    s = make_signer(&g_svc_store, env.ak, env.sk, NULL, "dynamodb", 0);
    svc_case(s, "dynamodb-list-tables", 1, JSON10, "DynamoDB_20120810.ListTables", "{}", T_NONE, "TableNames");
    svc_case(s, "neg-dynamodb-flipped-signature", 0, JSON10, "DynamoDB_20120810.ListTables", "{}", T_FLIP_SIG, NULL);

    sigv4rs_signer_deinit(&g_svc_store);
    sigv4rs_signer_deinit(&g_alt_store);
}

/* ------------------------------------------------------- stream mode */

static long peak_rss_kib(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

static int run_stream(uint64_t size)
{
    long base = peak_rss_kib();
    const sigv4rs_signer *s = make_signer(&g_s3_store, env.ak, env.sk, NULL, "s3", SIGV4RS_FLAG_S3);
    if (s == NULL)
        return 1;
    g_timeout = 120 + (long)(size >> 20); /* a debug s3s-fs hashes slowly */
    struct s3req q = {0};
    q.method = "PUT";
    q.payload_mode = SIGV4RS_PAYLOAD_MODE_BYTES;
    resp_reset(&g_resp);
    if (s3_send(s, &q, &g_resp) != 0 || (g_resp.status != 200 && g_resp.status != 409)) {
        report("stream-create-bucket", 1, &g_resp, 0, g_err);
        return 1;
    }
    char name[64], info[192], d[256], get[384] = "", all[1024];
    snprintf(name, sizeof name, "stream-chunked-%llu", (unsigned long long)size);
    resp_reset(&g_resp);
    if (chunked_put(s, "stream/big", SIGV4RS_STREAM_MODE_SIGNED, SIGV4RS_CHECKSUM_NONE, size, CHUNK, T_NONE, 0, &g_resp, info, sizeof info) !=
        0) {
        report_unsent(name, 1);
        return 1;
    }
    long st = g_resp.status;
    int ok = g_resp.res == CURLE_OK && st == 200;
    describe(&g_resp, d, sizeof d);
    long after_put = peak_rss_kib();
    if (ok)
        ok = s3_get_compare(s, "stream/big", size, get, sizeof get);
    long after_get = peak_rss_kib();
    snprintf(all, sizeof all, "PUT %s (%s); %s; peak RSS KiB: start %ld, after PUT %ld, after GET %ld", d, info, get,
             base, after_put, after_get);
    emit(name, 1, st, ok, all);
    fprintf(stderr, "stream %llu bytes: peak RSS %ld KiB (start %ld KiB, after PUT %ld KiB)\n",
            (unsigned long long)size, after_get, base, after_put);
    sigv4rs_signer_deinit(&g_s3_store);
    return ok ? 0 : 1;
}

/* ---------------------------------------------------------------- main */

static const char *need(const char *name)
{
    const char *v = getenv(name);
    if (v == NULL || !v[0]) {
        fprintf(stderr, "client: %s is not set\n", name);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    uint64_t stream = 0;
    if (argc == 3 && strcmp(argv[1], "--stream-size") == 0) {
        stream = strtoull(argv[2], NULL, 10);
    } else if (argc != 1) {
        fprintf(stderr, "usage: %s [--stream-size N]\n", argv[0]);
        return 2;
    }
    env.target = need("INTEROP_TARGET");
    env.endpoint = need("INTEROP_ENDPOINT");
    env.ak = need("INTEROP_AK");
    env.sk = need("INTEROP_SK");
    env.region = need("INTEROP_REGION");
    env.bucket = need("INTEROP_BUCKET");
    env.tmpdir = getenv("INTEROP_TMPDIR") ? getenv("INTEROP_TMPDIR") : "/tmp";
    env.role_arn = getenv("INTEROP_ROLE_ARN");

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || (g_curl = curl_easy_init()) == NULL) {
        fputs("client: curl init failed\n", stderr);
        return 2;
    }
    int rc;
    if (stream) {
        rc = run_stream(stream);
    } else if (strcmp(env.target, "s3s") == 0) {
        run_s3s();
        rc = g_failed;
    } else if (strcmp(env.target, "moto") == 0) {
        env.role_arn = need("INTEROP_ROLE_ARN");
        run_moto();
        rc = g_failed;
    } else {
        fprintf(stderr, "client: unknown INTEROP_TARGET %s\n", env.target);
        rc = 2;
    }
    curl_easy_cleanup(g_curl);
    curl_global_cleanup();
    return rc;
}
