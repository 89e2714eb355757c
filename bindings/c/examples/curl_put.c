/*
 * curl_put URL FILE [REGION]: uploads FILE with an HTTP PUT signed by
 * sigv4rs under S3 rules (service s3). Credentials come from
 * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN; without
 * REGION, from AWS_REGION or AWS_DEFAULT_REGION.
 * Prints the HTTP status; exits 0 on 2xx. The response body goes to stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "sigv4rs.h"

#define CONTENT_TYPE "application/octet-stream"

/* Reads a whole file (or pipe) into memory. */
static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 65536, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf != NULL) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        uint8_t *bigger = realloc(buf, cap * 2);
        if (bigger == NULL) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    if (buf != NULL && ferror(f)) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = n;
    return buf;
}

/* The body as curl reads it; seekable so curl can rewind if it must. */
struct upload {
    const uint8_t *data;
    size_t len;
    size_t pos;
};

static size_t read_cb(char *dst, size_t size, size_t nitems, void *userdata)
{
    struct upload *u = userdata;
    size_t n = size * nitems;
    if (n > u->len - u->pos)
        n = u->len - u->pos;
    memcpy(dst, u->data + u->pos, n);
    u->pos += n;
    return n;
}

static int seek_cb(void *userdata, curl_off_t offset, int origin)
{
    struct upload *u = userdata;
    if (origin != SEEK_SET || offset < 0 || (uint64_t)offset > u->len)
        return CURL_SEEKFUNC_CANTSEEK;
    u->pos = (size_t)offset;
    return CURL_SEEKFUNC_OK;
}

/* Signs the PUT; returns the signer's "Name: value\0..." headers. */
static char *sign_put(const char *url, const char *region, const uint8_t *body, size_t body_len,
                      size_t *out_len)
{
    sigv4rs_signer *signer = NULL;
    sigv4rs_status st = sigv4rs_signer_new_from_env(sigv4rs_cstr(region), sigv4rs_cstr("s3"),
                                                    SIGV4RS_FLAG_S3, &signer);
    if (st != SIGV4RS_STATUS_OK) {
        fprintf(stderr, "error: signer: %s\n", sigv4rs_status_str(st));
        return NULL;
    }
    int64_t now = 0;
    st = sigv4rs_unix_time_now(&now);

    /* Every signed header must be sent exactly as given here. */
    sigv4rs_header headers[1] = {{sigv4rs_cstr("Content-Type"), sigv4rs_cstr(CONTENT_TYPE)}};
    sigv4rs_request req = {0};
    req.method = sigv4rs_cstr("PUT");
    req.url = sigv4rs_cstr(url);
    req.headers = headers;
    req.headers_len = 1;
    req.payload_mode = SIGV4RS_PAYLOAD_MODE_BYTES;
    req.payload.ptr = body;
    req.payload.len = body_len;

    char *out = NULL;
    size_t need = 0;
    if (st == SIGV4RS_STATUS_OK) {
        st = sigv4rs_signer_sign_headers(signer, &req, now, NULL, 0, &need);
        if (st == SIGV4RS_STATUS_BUFFER_TOO_SMALL) {
            out = malloc(need);
            st = out == NULL ? SIGV4RS_STATUS_BUFFER_TOO_SMALL
                             : sigv4rs_signer_sign_headers(signer, &req, now, (uint8_t *)out, need, out_len);
        }
    }
    sigv4rs_signer_free(signer);
    if (st != SIGV4RS_STATUS_OK) {
        fprintf(stderr, "error: signing: %s\n", sigv4rs_status_str(st));
        free(out);
        return NULL;
    }
    return out;
}

/* Sends the PUT; returns the HTTP status, or -1 on a transfer error. */
static long send_put(const char *url, const uint8_t *body, size_t body_len, const char *signed_headers,
                     size_t signed_len)
{
    long code = -1;
    struct upload up = {body, body_len, 0};
    struct curl_slist *list = NULL, *next;
    CURL *curl = curl_easy_init();
    if (curl == NULL) {
        fputs("error: curl_easy_init failed\n", stderr);
        return -1;
    }

    /* Content-Type was signed; an empty "Expect:" stops curl's 100-continue. */
    int ok = (list = curl_slist_append(list, "Content-Type: " CONTENT_TYPE)) != NULL;
    for (size_t i = 0; ok && i < signed_len; i += strlen(signed_headers + i) + 1) {
        next = curl_slist_append(list, signed_headers + i);
        ok = next != NULL;
        if (ok)
            list = next;
    }
    if (ok && (next = curl_slist_append(list, "Expect:")) != NULL)
        list = next;
    else
        ok = 0;

    if (ok) {
        curl_easy_setopt(curl, CURLOPT_URL, url);
        /* Send the path exactly as signed (no dot-segment removal). */
        curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);
        curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_cb);
        curl_easy_setopt(curl, CURLOPT_READDATA, &up);
        curl_easy_setopt(curl, CURLOPT_SEEKFUNCTION, seek_cb);
        curl_easy_setopt(curl, CURLOPT_SEEKDATA, &up);
        /* A known size gives Content-Length instead of chunked encoding. */
        curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)body_len);
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, stderr);
        CURLcode res = curl_easy_perform(curl);
        if (res == CURLE_OK)
            curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
        else
            fprintf(stderr, "error: curl: %s\n", curl_easy_strerror(res));
    } else {
        fputs("error: out of memory\n", stderr);
    }
    curl_slist_free_all(list);
    curl_easy_cleanup(curl);
    return code;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: %s URL FILE [REGION]\n", argv[0]);
        return 2;
    }
    const char *url = argv[1];
    const char *region = argc == 4 ? argv[3] : NULL; /* NULL: from the environment */

    size_t body_len = 0;
    uint8_t *body = read_all(argv[2], &body_len);
    if (body == NULL) {
        perror(argv[2]);
        return 1;
    }

    size_t signed_len = 0;
    char *signed_headers = sign_put(url, region, body, body_len, &signed_len);
    if (signed_headers == NULL) {
        free(body);
        return 1;
    }

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fputs("error: curl_global_init failed\n", stderr);
        free(signed_headers);
        free(body);
        return 1;
    }
    long code = send_put(url, body, body_len, signed_headers, signed_len);
    curl_global_cleanup();
    free(signed_headers);
    free(body);

    if (code < 0)
        return 1;
    printf("HTTP status: %ld\n", code);
    return code >= 200 && code < 300 ? 0 : 1;
}
