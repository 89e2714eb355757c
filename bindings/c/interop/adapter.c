/*
 * The C adapter of tests/interop/run.py (protocol: tests/interop/README.md).
 * One JSON request a line on stdin, one JSON answer a line on stdout: what
 * sigv4rs produced (ops sign, presign, chunked), what libcurl's
 * form encoder wrote (form_encode), or how a request signed here and sent
 * with libcurl went (roundtrip). Written the firmware way: the signer in
 * caller storage (sigv4rs_signer_init), every output in a caller buffer,
 * aws-chunked bodies made one chunk at a time in one buffer; malloc only
 * for single-shot bodies.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <curl/curl.h>

#include "sigv4rs.h"

#define CHUNK 65536u
/* A chunk header, or the final chunk and trailer, in either signing. */
#define ROOM SIGV4RS_SIGV4A_CHUNKED_FINISH_MAX_LEN

static char g_line[1 << 16];
static const char *g_keys[32][2];
static const char *g_strs[64]; /* the request's one array (headers or params), flattened */
static size_t g_nkeys, g_nstrs;

static sigv4rs_signer_storage g_store;
static sigv4rs_header g_headers[32];
static uint8_t g_out[16384], *g_body;
static char g_hex[SIGV4RS_SHA256_HEX_LEN + 1];

/* ------------------------------------------------------------- JSON */

/* Unescapes in place the string after the '"' at *p. run.py writes raw
 * UTF-8 and escapes only '"', '\\' and control characters. */
static const char *jstr(char **p)
{
    char *s = *p, *o = s;
    for (; **p != '"'; (*p)++) {
        if (**p == '\0' || (**p == '\\' && (*p)[1] == '\0'))
            return NULL;
        if (**p != '\\') {
            *o++ = **p;
        } else if (*++*p == 'u') {
            char hex[5] = {0};
            memcpy(hex, *p + 1, 4);
            *o++ = (char)strtol(hex, NULL, 16);
            *p += 4;
        } else {
            const char *m = strchr("b\bf\fn\nr\rt\t", **p);
            *o++ = m != NULL ? m[1] : **p;
        }
    }
    *o = '\0';
    (*p)++;
    return s;
}

/* A key (a string before ':'), its value, or a string of the array. */
static void token(const char *t, int depth, int is_key)
{
    if (depth > 1 && g_nstrs < 64)
        g_strs[g_nstrs++] = t;
    else if (depth == 1 && g_nkeys < 32 && is_key)
        g_keys[g_nkeys][0] = t;
    else if (depth == 1 && g_nkeys < 32)
        g_keys[g_nkeys++][1] = t;
}

/* The request object, read in place: each key's value (a number or a
 * boolean as the text that starts there), and the strings of its one
 * array (headers or params, pairs flattened) in g_strs. */
static int parse(char *p)
{
    int depth = 0;
    g_nkeys = g_nstrs = 0;
    for (; *p != '\0'; p++) {
        if (*p == '{' || *p == '[') {
            if (++depth == 2)
                token("", 1, 0); /* the array is its key's value */
        } else if (*p == '}' || *p == ']') {
            depth--;
        } else if (*p == '"') {
            const char *t = (p++, jstr(&p));
            if (t == NULL)
                return -1;
            token(t, depth, *p-- == ':');
        } else if (depth == 1 && strchr(",:\n", *p) == NULL) {
            token(p, depth, 0);
            p += strcspn(p, ",}") - 1;
        }
    }
    return depth == 0 && g_nkeys > 0 ? 0 : -1;
}

static const char *get(const char *key)
{
    for (size_t i = 0; i < g_nkeys; i++)
        if (strcmp(g_keys[i][0], key) == 0)
            return g_keys[i][1];
    return "";
}

static long long num(const char *key)
{
    return strtoll(get(key), NULL, 10);
}

static void json_str(const char *s, size_t n)
{
    putchar('"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

/* The library's "Name: value\0..." output as "headers":[["Name","value"],...]. */
static void json_headers(size_t len)
{
    printf("{\"headers\":[");
    for (size_t i = 0; i < len; i += strlen((const char *)g_out + i) + 1) {
        const char *h = (const char *)g_out + i, *v = strstr(h, ": ");
        printf("%s[", i ? "," : "");
        json_str(h, v != NULL ? (size_t)(v - h) : strlen(h));
        putchar(',');
        json_str(v != NULL ? v + 2 : "", v != NULL ? strlen(v + 2) : 0);
        putchar(']');
    }
    putchar(']');
}

static int failed(sigv4rs_status st, const char *what)
{
    if (st != SIGV4RS_STATUS_OK)
        printf("{\"error\":\"%s: %s\"}\n", what, sigv4rs_status_str(st));
    return st != SIGV4RS_STATUS_OK;
}

/* --------------------------------------------------------- requests */

/* Byte i of every test object: (i*31+7) % 251. */
static void gen(uint8_t *dst, uint64_t off, size_t n)
{
    for (size_t k = 0; k < n; k++)
        dst[k] = (uint8_t)(((off + k) % 251 * 31 + 7) % 251);
}

/* The request of the line, with its payload as "payload" says. */
static int request(sigv4rs_request *r)
{
    static uint8_t piece[CHUNK];
    size_t n = (size_t)num("gen"), hl = 0;
    memset(r, 0, sizeof *r);
    r->method = sigv4rs_cstr(get("method"));
    r->url = sigv4rs_cstr(get("url"));
    for (size_t i = 0; i + 1 < g_nstrs; i += 2) {
        g_headers[i / 2].name = sigv4rs_cstr(g_strs[i]);
        g_headers[i / 2].value = sigv4rs_cstr(g_strs[i + 1]);
    }
    r->headers = g_headers;
    r->headers_len = g_nstrs / 2;
    r->payload = sigv4rs_cstr(get("body"));
    if (strcmp(get("payload"), "unsigned") == 0) {
        r->payload_mode = SIGV4RS_PAYLOAD_MODE_UNSIGNED;
    } else if (strcmp(get("payload"), "hash") == 0) { /* piece by piece: constant memory */
        sigv4rs_payload_hasher h;
        sigv4rs_status st = sigv4rs_payload_hasher_init(&h);
        for (size_t off = 0; st == SIGV4RS_STATUS_OK && off < n; off += CHUNK) {
            sigv4rs_bytes b = {piece, n - off < CHUNK ? n - off : CHUNK};
            gen(piece, off, b.len);
            st = sigv4rs_payload_hasher_update(&h, b);
        }
        if (st == SIGV4RS_STATUS_OK)
            st = sigv4rs_payload_hasher_finish(&h, (uint8_t *)g_hex, sizeof g_hex, &hl);
        r->payload_mode = SIGV4RS_PAYLOAD_MODE_SHA256_HEX;
        r->payload = sigv4rs_cstr(g_hex);
        return failed(st, "payload_hasher");
    } else if (n > 0 && get("mode")[0] == '\0') { /* aws-chunked bodies are made per chunk */
        if ((g_body = malloc(n)) == NULL)
            return printf("{\"error\":\"out of memory\"}\n"), 1;
        gen(g_body, 0, n);
        r->payload.ptr = g_body;
        r->payload.len = n;
    }
    return 0;
}

/* One aws-chunked upload: its state and the frame being read. */
static struct {
    const sigv4rs_signer *signer;
    sigv4rs_chunked state;
    sigv4rs_stream stream;
    uint64_t done, sent;
    int ended;
    uint8_t buf[ROOM + CHUNK + 2];
    const uint8_t *frame; /* header, data and CRLF (or the end), in buf */
    size_t len, hl;
} g_up;

static sigv4rs_status chunked_begin(const sigv4rs_signer *s, const sigv4rs_request *r, size_t *len)
{
    static const char *const modes[] = {"signed", "signed-trailer", "unsigned-trailer", ""};
    static const char *const checksums[] = {"", "crc32", "crc32c", "sha256"};
    sigv4rs_stream st = {99, 99, (uint64_t)num("gen"), (uint32_t)num("chunk")}; /* 99: refused */
    for (uint32_t i = 0; i < 4; i++) {
        st.mode = strcmp(get("mode"), modes[i]) == 0 ? i : st.mode;
        st.checksum = strcmp(get("checksum"), checksums[i]) == 0 ? i : st.checksum;
    }
    memset(&g_up, 0, sizeof g_up);
    g_up.signer = s;
    g_up.stream = st;
    return sigv4rs_chunked_begin(s, r, num("time"), &st, &g_up.state, g_out, sizeof g_out, len);
}

/* Makes the next frame: 1, or 0 after the end, or -1 on an error. */
static int next_frame(void)
{
    uint8_t hdr[ROOM], *data = g_up.buf + ROOM;
    uint64_t left = g_up.stream.decoded_length - g_up.done;
    size_t n = left < g_up.stream.chunk_size ? (size_t)left : g_up.stream.chunk_size;
    sigv4rs_bytes d = {data, n};
    sigv4rs_status st;
    if (g_up.ended)
        return 0;
    gen(data, g_up.done, n);
    if (n > 0) {
        st = sigv4rs_chunked_sign_chunk(g_up.signer, &g_up.state, d, hdr, sizeof hdr, &g_up.hl);
        memcpy(data + n, "\r\n", 2);
        g_up.done += n;
        n += 2;
    } else {
        st = sigv4rs_chunked_finish(g_up.signer, &g_up.state, hdr, sizeof hdr, &g_up.hl);
        g_up.ended = 1;
    }
    if (st != SIGV4RS_STATUS_OK)
        return -1;
    g_up.frame = memcpy(data - g_up.hl, hdr, g_up.hl); /* just before the data */
    g_up.len = g_up.hl + n;
    return 1;
}

/* ------------------------------------------------------- roundtrip */

static size_t on_read(char *dst, size_t size, size_t nitems, void *ud)
{
    size_t cap = size * nitems, w = 0, k;
    int more = 1;
    (void)ud;
    while (w < cap && (g_up.len > 0 || (more = next_frame()) > 0)) {
        k = g_up.len < cap - w ? g_up.len : cap - w;
        memcpy(dst + w, g_up.frame, k);
        g_up.frame += k;
        g_up.len -= k;
        w += k;
    }
    g_up.sent += w;
    return more < 0 ? CURL_READFUNC_ABORT : w;
}

static struct {
    sigv4rs_payload_hasher sha;
    uint64_t len;
    char head[4096];
    size_t kept;
} g_resp;

static size_t on_write(char *p, size_t size, size_t nmemb, void *ud)
{
    size_t n = size * nmemb, k = n < sizeof g_resp.head - g_resp.kept ? n : sizeof g_resp.head - g_resp.kept;
    sigv4rs_bytes b = {(const uint8_t *)p, n};
    (void)ud;
    memcpy(g_resp.head + g_resp.kept, p, k);
    g_resp.kept += k;
    g_resp.len += n;
    return sigv4rs_payload_hasher_update(&g_resp.sha, b) == SIGV4RS_STATUS_OK ? n : 0;
}

/* Signs r (aws-chunked with a "mode") and sends it with libcurl: the
 * request's headers, then the signer's, its Host line included. */
static void roundtrip(const sigv4rs_signer *s, const sigv4rs_request *r)
{
    int streamed = get("mode")[0] != '\0';
    size_t len = 0, hl = 0;
    uint64_t declared = 0;
    sigv4rs_status st = streamed ? chunked_begin(s, r, &len)
                                 : sigv4rs_signer_sign_headers(s, r, num("time"), g_out, sizeof g_out, &len);
    if (failed(st, "sign"))
        return;
    struct curl_slist *list = curl_slist_append(NULL, "Expect:"); /* no 100-continue */
    char line[4608];
    for (size_t i = 0; i < r->headers_len; i++) {
        snprintf(line, sizeof line, "%s: %s", g_strs[2 * i], g_strs[2 * i + 1]);
        list = curl_slist_append(list, line);
    }
    for (size_t i = 0; i < len; i += strlen((const char *)g_out + i) + 1)
        list = curl_slist_append(list, (const char *)g_out + i);
    CURL *c = curl_easy_init();
    memset(&g_resp, 0, sizeof g_resp);
    sigv4rs_payload_hasher_init(&g_resp.sha);
    curl_easy_setopt(c, CURLOPT_URL, get("url"));
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L); /* the path goes out as signed */
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, get("method"));
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 600L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
    if (streamed && sigv4rs_chunked_encoded_length(&g_up.stream, &declared) == SIGV4RS_STATUS_OK) {
        curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)declared);
    } else if (r->payload.len > 0) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, (const char *)r->payload.ptr);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->payload.len);
    }
    CURLcode res = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    curl_slist_free_all(list);
    if (res != CURLE_OK) {
        printf("{\"error\":\"libcurl: %s\"}\n", curl_easy_strerror(res));
        return;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    sigv4rs_payload_hasher_finish(&g_resp.sha, (uint8_t *)g_hex, sizeof g_hex, &hl);
    printf("{\"status\":%ld,\"length\":%llu,\"sha256\":\"%s\",\"rss_kib\":%ld,", status,
           (unsigned long long)g_resp.len, g_hex, ru.ru_maxrss);
    if (streamed)
        printf("\"sent\":%llu,\"declared\":%llu,", (unsigned long long)g_up.sent, (unsigned long long)declared);
    printf("\"body\":");
    json_str(g_resp.head, g_resp.kept);
    printf("}\n");
}

/* -------------------------------------------------------------- ops */

/* CURLU_URLENCODE writes a space as '+', which AWS reads as a space. */
static void form_encode(void)
{
    CURLU *u = curl_url();
    char param[2048], *url = NULL;
    CURLUcode uc = curl_url_set(u, CURLUPART_URL, get("url"), 0);
    for (size_t i = 0; uc == CURLUE_OK && i + 1 < g_nstrs; i += 2) {
        snprintf(param, sizeof param, "%s=%s", g_strs[i], g_strs[i + 1]);
        uc = curl_url_set(u, CURLUPART_QUERY, param, CURLU_APPENDQUERY | CURLU_URLENCODE);
    }
    if (uc == CURLUE_OK && curl_url_get(u, CURLUPART_URL, &url, 0) == CURLUE_OK) {
        printf("{\"url\":");
        json_str(url, strlen(url));
        printf("}\n");
    } else {
        printf("{\"error\":\"curl_url could not write the URL\"}\n");
    }
    curl_free(url);
    curl_url_cleanup(u);
}

static void op(const sigv4rs_signer *s, const sigv4rs_request *r, const char *name)
{
    size_t len = 0;
    int more, n = 0;
    if (strcmp(name, "sign") == 0) {
        if (!failed(sigv4rs_signer_sign_headers(s, r, num("time"), g_out, sizeof g_out, &len), name)) {
            json_headers(len);
            printf("}\n");
        }
    } else if (strcmp(name, "presign") == 0) {
        uint32_t expires = (uint32_t)num("expires");
        if (!failed(sigv4rs_signer_presign(s, r, num("time"), expires, g_out, sizeof g_out, &len), name)) {
            printf("{\"url\":");
            json_str((const char *)g_out, len - 1); /* without the final NUL */
            printf("}\n");
        }
    } else if (strcmp(name, "chunked") == 0) {
        if (!failed(chunked_begin(s, r, &len), "chunked_begin")) {
            json_headers(len);
            printf(",\"frames\":[");
            while ((more = next_frame()) > 0) {
                printf("%s", n++ ? "," : "");
                json_str((const char *)g_up.frame, g_up.hl);
            }
            printf("]%s}\n", more < 0 ? ",\"error\":\"signing a chunk failed\"" : "");
        }
    } else if (strcmp(name, "form_encode") == 0) {
        form_encode();
    } else if (strcmp(name, "roundtrip") == 0) {
        roundtrip(s, r);
    } else {
        printf("{\"error\":\"unknown op\"}\n");
    }
}

int main(void)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return 2;
    while (fgets(g_line, sizeof g_line, stdin) != NULL) {
        sigv4rs_config cfg = {0};
        sigv4rs_signer *s = NULL;
        sigv4rs_request r;
        if (parse(g_line) != 0) {
            printf("{\"error\":\"unparsed request line\"}\n");
        } else {
            cfg.access_key_id = sigv4rs_cstr(get("ak"));
            cfg.secret_access_key = sigv4rs_cstr(get("sk"));
            cfg.session_token = sigv4rs_cstr(get("token"));
            cfg.region = sigv4rs_cstr(get("region"));
            cfg.service = sigv4rs_cstr(get("service"));
            cfg.flags = strncmp(get("s3"), "true", 4) == 0 ? SIGV4RS_FLAG_S3 : 0;
            if (!failed(sigv4rs_signer_init(&g_store, &cfg, &s), "signer_init")) {
                if (request(&r) == 0)
                    op(s, &r, get("op"));
                sigv4rs_signer_deinit(&g_store);
            }
            free(g_body);
            g_body = NULL;
        }
        fflush(stdout);
    }
    curl_global_cleanup();
    return 0;
}
