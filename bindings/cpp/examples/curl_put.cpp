// curl_put URL FILE [REGION]: uploads FILE with an HTTP PUT signed under S3
// rules (service s3), libcurl's easy interface in RAII wrappers.
// Credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
// AWS_SESSION_TOKEN; without REGION, from AWS_REGION or AWS_DEFAULT_REGION.
// Prints the HTTP status; exits 0 on 2xx. The response body goes to stderr.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string>

#include <curl/curl.h>

#include "sigv4rs.hpp"

namespace {

const char *const content_type = "application/octet-stream";

// curl_global_init / curl_global_cleanup for the life of main.
class curl_library {
  public:
    curl_library()
    {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
            throw std::runtime_error("curl_global_init failed");
    }
    ~curl_library() { curl_global_cleanup(); }
    curl_library(const curl_library &) = delete;
    curl_library &operator=(const curl_library &) = delete;
};

struct easy_cleanup {
    void operator()(CURL *c) const noexcept { curl_easy_cleanup(c); }
};
using easy_handle = std::unique_ptr<CURL, easy_cleanup>;

// A curl_slist that frees itself.
class header_slist {
  public:
    header_slist() = default;
    ~header_slist() { curl_slist_free_all(list_); }
    header_slist(const header_slist &) = delete;
    header_slist &operator=(const header_slist &) = delete;
    void append(const std::string &line)
    {
        curl_slist *more = curl_slist_append(list_, line.c_str());
        if (more == nullptr)
            throw std::bad_alloc();
        list_ = more;
    }
    curl_slist *get() const noexcept { return list_; }

  private:
    curl_slist *list_ = nullptr;
};

// The body as curl reads it; seekable so curl can rewind if it must.
struct upload {
    const std::string &data;
    std::size_t pos = 0;
};

size_t read_body(char *dst, size_t size, size_t nitems, void *user)
{
    auto *u = static_cast<upload *>(user);
    size_t n = std::min(size * nitems, u->data.size() - u->pos);
    std::memcpy(dst, u->data.data() + u->pos, n);
    u->pos += n;
    return n;
}

int seek_body(void *user, curl_off_t offset, int origin)
{
    auto *u = static_cast<upload *>(user);
    if (origin != SEEK_SET || offset < 0 || static_cast<std::size_t>(offset) > u->data.size())
        return CURL_SEEKFUNC_CANTSEEK;
    u->pos = static_cast<std::size_t>(offset);
    return CURL_SEEKFUNC_OK;
}

size_t to_stderr(char *data, size_t size, size_t nitems, void *)
{
    return std::fwrite(data, size, nitems, stderr);
}

template <class T>
void set(CURL *c, CURLoption opt, T value)
{
    CURLcode rc = curl_easy_setopt(c, opt, value);
    if (rc != CURLE_OK)
        throw std::runtime_error(std::string("curl_easy_setopt: ") + curl_easy_strerror(rc));
}

// Signs and sends the PUT; returns the HTTP status.
long put(const std::string &url, const std::string &body, const char *region)
{
    // Every signed header must be sent exactly as given here.
    const sigv4rs::signer signer = sigv4rs::signer::from_env(region ? region : "", "s3", sigv4rs::flag_s3);
    sigv4rs::request req;
    req.method = "PUT";
    req.url = url;
    req.headers = {{"Content-Type", content_type}};
    req.payload_mode = SIGV4RS_PAYLOAD_MODE_BYTES;
    req.payload = body;

    header_slist headers;
    headers.append(std::string("Content-Type: ") + content_type);
    for (const auto &[name, value] : signer.sign_headers(req, sigv4rs::unix_time_now()))
        headers.append(name + ": " + value);
    headers.append("Expect:"); // no 100-continue round trip

    easy_handle curl(curl_easy_init());
    if (!curl)
        throw std::runtime_error("curl_easy_init failed");
    upload up{body};
    set(curl.get(), CURLOPT_URL, url.c_str());
    set(curl.get(), CURLOPT_PATH_AS_IS, 1L); // the path exactly as signed
    set(curl.get(), CURLOPT_UPLOAD, 1L);
    set(curl.get(), CURLOPT_READFUNCTION, &read_body);
    set(curl.get(), CURLOPT_READDATA, static_cast<void *>(&up));
    set(curl.get(), CURLOPT_SEEKFUNCTION, &seek_body);
    set(curl.get(), CURLOPT_SEEKDATA, static_cast<void *>(&up));
    set(curl.get(), CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(body.size()));
    set(curl.get(), CURLOPT_HTTPHEADER, headers.get());
    set(curl.get(), CURLOPT_WRITEFUNCTION, &to_stderr);
    CURLcode rc = curl_easy_perform(curl.get());
    if (rc != CURLE_OK)
        throw std::runtime_error(std::string("curl: ") + curl_easy_strerror(rc));
    long code = 0;
    curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &code);
    return code;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        std::cerr << "usage: " << argv[0] << " URL FILE [REGION]\n";
        return 2;
    }
    std::ifstream file(argv[2], std::ios::binary);
    if (!file) {
        std::perror(argv[2]);
        return 1;
    }
    const std::string body((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    try {
        curl_library lib;
        long code = put(argv[1], body, argc == 4 ? argv[3] : nullptr);
        std::cout << "HTTP status: " << code << "\n";
        return code >= 200 && code < 300 ? 0 : 1;
    } catch (const sigv4rs::error &e) {
        std::cerr << "error: signing: " << e.what() << "\n";
    } catch (const std::exception &e) {
        std::cerr << "error: " << e.what() << "\n";
    }
    return 1;
}
