/*
 * chain_curl URL [REGION [SERVICE]]: GETs URL signed with credentials from
 * the default chain (environment, shared files and profiles with
 * credential_process, role_arn and web identity, container endpoint,
 * IMDS), libcurl being the HTTPS transport the chain uses for STS. The
 * signer asks the chain again when the credentials near expiry.
 * REGION defaults to AWS_REGION, AWS_DEFAULT_REGION, then us-east-1;
 * SERVICE to execute-api. The body goes to stdout, "HTTP <status>" to
 * stderr; exits 0 on 2xx.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "sigv4rs.h"

/* libcurl's write callback for STS answers: the body goes to the library,
 * which caps it (returning 0 makes curl fail the transfer). */
static size_t sts_body(char *data, size_t size, size_t nitems, void *resp)
{
    size_t len = size * nitems;
    if (sigv4rs_http_response_write(resp, (const uint8_t *)data, len) != SIGV4RS_STATUS_OK)
        return 0;
    return len;
}

/* A NUL-terminated copy of a (pointer, length) string. */
static char *dup_bytes(sigv4rs_bytes b)
{
    char *s = malloc(b.len + 1);
    if (s != NULL) {
        if (b.len > 0)
            memcpy(s, b.ptr, b.len);
        s[b.len] = '\0';
    }
    return s;
}

/* The chain's transport: one exchange, bounded by req->timeout_ms. Header
 * values hold a signature or tokens: wiped, never printed. */
static sigv4rs_status curl_transport(void *user, const sigv4rs_http_request *req,
                                     sigv4rs_http_response *resp)
{
    sigv4rs_status st = SIGV4RS_STATUS_INVALID_ARGUMENT;
    struct curl_slist *headers = NULL;
    char *url = dup_bytes(req->url);
    char *method = dup_bytes(req->method);
    CURL *curl = curl_easy_init();
    size_t i;
    (void)user;
    if (url == NULL || method == NULL || curl == NULL)
        goto done;
    for (i = 0; i < req->headers_len; i++) {
        const sigv4rs_header *h = &req->headers[i];
        size_t n = h->name.len + 2 + h->value.len + 1;
        char *line = malloc(n);
        struct curl_slist *more;
        if (line == NULL)
            goto done;
        snprintf(line, n, "%.*s: %.*s", (int)h->name.len, (const char *)h->name.ptr,
                 (int)h->value.len, (const char *)h->value.ptr);
        more = curl_slist_append(headers, line);
        memset(line, 0, n);
        free(line);
        if (more == NULL)
            goto done;
        headers = more;
    }
    /* No "Expect: 100-continue" round trip. */
    headers = curl_slist_append(headers, "Expect:");
    curl_easy_setopt(curl, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https,http");
#endif
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)req->timeout_ms);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, req->body.len > 0 ? (const char *)req->body.ptr : "");
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body.len);
    if (strcmp(method, "POST") != 0)
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, sts_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, (void *)resp);
    {
        CURLcode rc = curl_easy_perform(curl);
        long code = 0;
        if (rc == CURLE_OK && curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK) {
            resp->status = (uint32_t)code;
            st = SIGV4RS_STATUS_OK;
        } else {
            fprintf(stderr, "chain_curl: STS transport: %s\n", curl_easy_strerror(rc));
        }
    }
done:
    curl_slist_free_all(headers);
    if (curl != NULL)
        curl_easy_cleanup(curl);
    free(url);
    free(method);
    return st;
}

static size_t print_body(char *data, size_t size, size_t nitems, void *userdata)
{
    (void)userdata;
    return fwrite(data, size, nitems, stdout);
}

int main(int argc, char **argv)
{
    const char *region = getenv("AWS_REGION");
    const char *service = "execute-api";
    sigv4rs_chain_options opts;
    sigv4rs_config cfg;
    sigv4rs_request req;
    sigv4rs_chain *chain = NULL;
    sigv4rs_signer *signer = NULL;
    struct curl_slist *headers = NULL;
    uint8_t *out = NULL;
    size_t need = 0, len = 0, i;
    int64_t now = 0;
    long code = 0;
    int ok = 0;
    sigv4rs_status st;
    CURL *curl = NULL;

    if (argc < 2 || argc > 4) {
        fprintf(stderr, "usage: %s URL [REGION [SERVICE]]\n", argv[0]);
        return 2;
    }
    if (region == NULL || region[0] == '\0')
        region = getenv("AWS_DEFAULT_REGION");
    if (region == NULL || region[0] == '\0')
        region = "us-east-1";
    if (argc > 2)
        region = argv[2];
    if (argc > 3)
        service = argv[3];
    curl_global_init(CURL_GLOBAL_DEFAULT);

    /* The chain, with libcurl for STS; a signer without credentials that
     * asks the chain for them (and again 5 minutes before they expire). */
    memset(&opts, 0, sizeof opts);
    opts.transport = curl_transport;
    st = sigv4rs_chain_new(&opts, &chain);
    if (st != SIGV4RS_STATUS_OK) {
        fprintf(stderr, "chain_curl: chain: %s\n", sigv4rs_status_str(st));
        goto done;
    }
    memset(&cfg, 0, sizeof cfg);
    cfg.region = sigv4rs_cstr(region);
    cfg.service = sigv4rs_cstr(service);
    st = sigv4rs_signer_new(&cfg, &signer);
    if (st == SIGV4RS_STATUS_OK)
        st = sigv4rs_signer_set_provider(signer, sigv4rs_chain_resolve, chain,
                                         SIGV4RS_DEFAULT_REFRESH_MARGIN);
    if (st != SIGV4RS_STATUS_OK) {
        fprintf(stderr, "chain_curl: signer: %s\n", sigv4rs_status_str(st));
        goto done;
    }

    memset(&req, 0, sizeof req);
    req.method = sigv4rs_cstr("GET");
    req.url = sigv4rs_cstr(argv[1]);
    sigv4rs_unix_time_now(&now);
    st = sigv4rs_signer_sign_headers(signer, &req, now, NULL, 0, &need);
    if (st == SIGV4RS_STATUS_BUFFER_TOO_SMALL && (out = malloc(need)) != NULL)
        st = sigv4rs_signer_sign_headers(signer, &req, now, out, need, &len);
    if (st != SIGV4RS_STATUS_OK) {
        char why[512];
        size_t n = 0;
        fprintf(stderr, "chain_curl: signing: %s\n", sigv4rs_status_str(st));
        if (sigv4rs_chain_last_error(chain, (uint8_t *)why, sizeof why, &n) == SIGV4RS_STATUS_OK &&
            n > 1)
            fprintf(stderr, "chain_curl: credentials: %s\n", why);
        goto done;
    }
    /* NUL-separated "Name: value" entries, ready for curl. */
    for (i = 0; i < len; i += strlen((const char *)out + i) + 1)
        headers = curl_slist_append(headers, (const char *)out + i);

    curl = curl_easy_init();
    if (curl == NULL)
        goto done;
    curl_easy_setopt(curl, CURLOPT_URL, argv[1]);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, print_body);
    if (curl_easy_perform(curl) == CURLE_OK &&
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK) {
        fprintf(stderr, "HTTP %ld\n", code);
        ok = code >= 200 && code < 300;
    }

done:
    if (curl != NULL)
        curl_easy_cleanup(curl);
    curl_slist_free_all(headers);
    if (out != NULL) {
        memset(out, 0, need); /* it held the session token */
        free(out);
    }
    /* The signer first: it calls into the chain. */
    sigv4rs_signer_free(signer);
    sigv4rs_chain_free(chain);
    curl_global_cleanup();
    return ok ? 0 : 1;
}
