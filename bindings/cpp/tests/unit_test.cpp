// Unit tests of every function of include/sigv4rs.hpp: results against
// published AWS values (S3 documentation examples, STS API reference), the
// error paths of each call (throwing and try_ forms, statuses, locations,
// sizes), move semantics of the RAII types, exceptions thrown by callbacks
// (providers, the chain's transport) and what they leave behind, and
// signing from several threads; checksums against botocore/awscrt and S3
// Express One Zone (signing, CreateSession documents) against botocore,
// from the vector files in tests/data; SigV4a's request shape and statuses,
// and its aws-chunked bodies verified with libcrypto (ECDSA P-256).
// No network: the chain's STS is answered by the C++ transport in this
// process; IMDS is disabled.
//
// Usage: unit_test DATA_DIR (tests/data). Prints one FAIL line per failed
// check, then `unit: P/N checks passed`; exits 0 only when every check
// passed.
#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "sigv4rs.hpp"

extern char **environ;

namespace {

int g_checks = 0, g_failures = 0;

void check(bool ok, const std::string &what)
{
    ++g_checks;
    if (!ok) {
        ++g_failures;
        std::printf("FAIL %s\n", what.c_str());
    }
}

template <class A, class B>
void check_eq(const A &got, const B &want, const std::string &what)
{
    bool ok = got == want;
    check(ok, what);
    if (!ok)
        std::printf("  got:  %s\n  want: %s\n", std::string(got).c_str(), std::string(want).c_str());
}

void check_status(sigv4rs_status got, sigv4rs_status want, const std::string &what)
{
    check(got == want, what + ": got " + std::to_string(got) + " (" + sigv4rs::message(got) + "), want " +
                           std::to_string(want) + " (" + sigv4rs::message(want) + ")");
}

// What expect_error caught: the exception (to look inside: nested
// exceptions) and a copy of the sigv4rs::error part.
struct caught {
    std::exception_ptr p;
    std::optional<sigv4rs::error> err;
    explicit operator bool() const { return err.has_value(); }
    const sigv4rs::error *operator->() const { return &*err; }
    // The exception nested in it (std::throw_with_nested), or null.
    std::exception_ptr nested() const
    {
        try {
            if (p)
                std::rethrow_exception(p);
        } catch (const std::nested_exception &n) {
            return n.nested_ptr();
        } catch (...) {
        }
        return nullptr;
    }
};

// Runs f, which must throw sigv4rs::error with `want`.
template <class F>
caught expect_error(sigv4rs_status want, const std::string &what, F &&f)
{
    caught c;
    try {
        f();
    } catch (const sigv4rs::error &e) {
        check_status(e.status(), want, what);
        c.p = std::current_exception();
        c.err = e;
        return c;
    } catch (const std::exception &e) {
        check(false, what + ": threw something else: " + e.what());
        return c;
    }
    check(false, what + ": did not throw");
    return c;
}

// The status of a sigv4rs::error in p (OK when p holds none).
sigv4rs_status status_in(std::exception_ptr p)
{
    try {
        if (p)
            std::rethrow_exception(p);
    } catch (const sigv4rs::error &e) {
        return e.status();
    } catch (...) {
    }
    return SIGV4RS_STATUS_OK;
}

std::string what_of(std::exception_ptr p)
{
    try {
        if (p)
            std::rethrow_exception(p);
    } catch (const std::exception &e) {
        return e.what();
    }
    return "";
}

// --- AWS S3 documentation ("Authenticating Requests: Using the
// Authorization Header", GET object; "... Using Query Parameters").
constexpr std::int64_t DOC_T = 1369353600; // 20130524T000000Z
constexpr const char *DOC_AKID = "AKIAIOSFODNN7EXAMPLE";
constexpr const char *DOC_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr const char *DOC_URL = "https://examplebucket.s3.amazonaws.com/test.txt";
constexpr const char *DOC_GET_SIG = "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41";
constexpr const char *DOC_PRESIGN_SIG = "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";

sigv4rs::config doc_config()
{
    sigv4rs::config c;
    c.access_key_id = DOC_AKID;
    c.secret_access_key = DOC_SECRET;
    c.region = "us-east-1";
    c.service = "s3";
    c.flags = sigv4rs::flag_s3;
    return c;
}

sigv4rs::config region_only()
{
    sigv4rs::config c = doc_config();
    c.access_key_id = c.secret_access_key = {};
    return c;
}

sigv4rs::request doc_get()
{
    sigv4rs::request r;
    r.method = "GET";
    r.url = DOC_URL;
    r.headers = {{"Range", "bytes=0-9"}};
    return r;
}

std::string value_of(const sigv4rs::header_list &h, const std::string &name)
{
    for (const auto &nv : h)
        if (nv.first == name)
            return nv.second;
    return "";
}

std::string signature_of(const sigv4rs::header_list &h)
{
    std::string auth = value_of(h, "Authorization");
    std::size_t at = auth.find("Signature=");
    return at == std::string::npos ? "" : auth.substr(at + 10);
}

std::string get_sig(const sigv4rs::signer &s, std::int64_t t)
{
    return signature_of(s.sign_headers(doc_get(), t));
}

// ---------------------------------------------------------------------------

void test_basics()
{
    check_eq(sigv4rs::version(), std::to_string(SIGV4RS_VERSION_MAJOR) + "." + std::to_string(SIGV4RS_VERSION_MINOR) + "." +
                                     std::to_string(SIGV4RS_VERSION_PATCH),
             "version() matches the header's macros");
    check_eq(std::string(sigv4rs::message(SIGV4RS_STATUS_INVALID_URL)), "invalid URL", "message()");
    check_eq(std::string(sigv4rs::category().name()), "sigv4rs", "category name");
    std::error_code ec = sigv4rs::make_error_code(SIGV4RS_STATUS_BUSY);
    check(ec.value() == 142 && &ec.category() == &sigv4rs::category() && ec.message() == "busy", "make_error_code");
    sigv4rs::error e(SIGV4RS_STATUS_INVALID_HEADER_VALUE, 0, sigv4rs_location{SIGV4RS_FIELD_HEADER_VALUE, 1, 5});
    check_eq(std::string(e.what()), "sigv4rs: invalid header value (status 118; header 1 value, byte 5)", "error::what with a location");
    check(e.code() == sigv4rs::make_error_code(SIGV4RS_STATUS_INVALID_HEADER_VALUE), "error::code");
    check(e.location().field == SIGV4RS_FIELD_HEADER_VALUE && e.needed() == 0, "error::location, needed");
    const std::runtime_error &base = e;
    check(std::string(base.what()).find("invalid header value") != std::string::npos, "error is a std::runtime_error");
    check_eq(std::string(sigv4rs::error(SIGV4RS_STATUS_BUFFER_TOO_SMALL, 70).what()),
             "sigv4rs: output buffer too small (status 2)", "error::what without a location");
    check(sigv4rs::error(SIGV4RS_STATUS_BUFFER_TOO_SMALL, 70).needed() == 70, "error::needed");

    // result<T> and result<void>.
    sigv4rs::result<int> good(7);
    check(good.ok() && static_cast<bool>(good) && *good == 7 && good.status() == SIGV4RS_STATUS_OK && !good.error_code(),
          "result ok");
    sigv4rs::detail::failure f;
    f.status = SIGV4RS_STATUS_INVALID_TIME;
    sigv4rs::result<int> bad(f);
    check(!bad.ok() && bad.status() == SIGV4RS_STATUS_INVALID_TIME && bad.value_or(3) == 3 && bad.error_code().value() == 120,
          "result failed");
    expect_error(SIGV4RS_STATUS_INVALID_TIME, "result::value on failure", [&] { (void)bad.value(); });
    expect_error(SIGV4RS_STATUS_INVALID_TIME, "result::operator* on failure", [&] { (void)*bad; });
    sigv4rs::result<void> vok;
    check(vok.ok(), "result<void> ok");
    vok.value();
    sigv4rs::result<void> vbad(f);
    expect_error(SIGV4RS_STATUS_INVALID_TIME, "result<void>::value on failure", [&] { vbad.value(); });
    sigv4rs::result<std::string> moved(std::string("text"));
    std::string taken = std::move(moved).value();
    check_eq(taken, "text", "result<T>::value() &&");
}

void test_sign_and_presign()
{
    sigv4rs::signer s(doc_config());
    check(static_cast<bool>(s) && s.get() != nullptr, "heap signer");
    sigv4rs::header_list h = s.sign_headers(doc_get(), DOC_T);
    check_eq(signature_of(h), DOC_GET_SIG, "documented GET signature");
    check_eq(value_of(h, "X-Amz-Date"), "20130524T000000Z", "X-Amz-Date");
    check_eq(value_of(h, "X-Amz-Content-SHA256"), sigv4rs::sha256_hex(""), "X-Amz-Content-SHA256 (S3)");
    check(h.back().first == "Authorization", "Authorization last");

    // The caller-buffer form: the same lines, read without allocating.
    char raw[2048];
    std::size_t n = s.sign_headers_into(doc_get(), DOC_T, raw);
    std::size_t i = 0;
    for (std::string_view line : sigv4rs::header_lines(raw, n)) {
        auto nv = sigv4rs::split_header(line);
        check(i < h.size() && nv.first == h[i].first && nv.second == h[i].second, "header_lines/split_header line " + std::to_string(i));
        ++i;
    }
    check(i == h.size(), "header_lines count");
    check(sigv4rs::split_header("no separator").second.empty(), "split_header without ': '");
    check(sigv4rs::header_lines("", 0).begin() == sigv4rs::header_lines("", 0).end(), "header_lines of nothing");

    // Every kind of buffer.
    std::array<unsigned char, 2048> arr{};
    std::vector<std::uint8_t> vec(2048);
    std::string str(2048, '\0');
    std::vector<char> cvec(2048);
    check(s.sign_headers_into(doc_get(), DOC_T, arr) == n && std::memcmp(arr.data(), raw, n) == 0, "std::array buffer");
    check(s.sign_headers_into(doc_get(), DOC_T, vec) == n && std::memcmp(vec.data(), raw, n) == 0, "std::vector<uint8_t> buffer");
    check(s.sign_headers_into(doc_get(), DOC_T, str) == n && std::memcmp(str.data(), raw, n) == 0, "std::string buffer");
    check(s.sign_headers_into(doc_get(), DOC_T, cvec) == n, "std::vector<char> buffer");
    check(s.sign_headers_into(doc_get(), DOC_T, sigv4rs::buffer(vec.data(), n)) == n, "(pointer, size) buffer");

    // Too small: BUFFER_TOO_SMALL with the size, nothing written.
    std::vector<std::uint8_t> small(n - 1, 0xA5);
    auto e = expect_error(SIGV4RS_STATUS_BUFFER_TOO_SMALL, "sign_headers_into one byte short",
                          [&] { (void)s.sign_headers_into(doc_get(), DOC_T, small); });
    check(e && e->needed() == n, "error::needed is the size");
    check(std::all_of(small.begin(), small.end(), [](std::uint8_t b) { return b == 0xA5; }), "nothing written when too small");
    auto q = s.try_sign_headers_into(doc_get(), DOC_T, sigv4rs::buffer(nullptr, 0));
    check(q.status() == SIGV4RS_STATUS_BUFFER_TOO_SMALL && q.needed() == n, "size query through try_sign_headers_into");

    // Presigned URL (86,400 s).
    sigv4rs::request pr;
    pr.method = "GET";
    pr.url = DOC_URL;
    std::string url = s.presign(pr, DOC_T, 86400);
    check(url.size() > 16 && url.substr(url.size() - 64) == DOC_PRESIGN_SIG, "documented presigned URL");
    check(url.compare(0, std::strlen(DOC_URL) + 1, std::string(DOC_URL) + "?") == 0, "presigned URL prefix");
    std::vector<char> ubuf(url.size() + 1);
    check(s.presign_into(pr, DOC_T, 86400, ubuf) == url.size() + 1 && std::string(ubuf.data()) == url, "presign_into");
    check(s.try_presign(pr, DOC_T, 86400).value() == url, "try_presign");

    // Debug outputs: the documentation's canonical request and string to sign.
    std::string creq = s.canonical_request(doc_get(), DOC_T);
    check_eq(creq,
             "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
             "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
             "x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n"
             "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
             "documented canonical request");
    check_eq(s.string_to_sign(doc_get(), DOC_T),
             "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
             "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972",
             "documented string to sign");
    std::string pcreq = s.canonical_request(pr, DOC_T, SIGV4RS_AUTH_PRESIGN, 86400);
    check(pcreq.find("X-Amz-Expires=86400") != std::string::npos && pcreq.substr(pcreq.size() - 16) == "UNSIGNED-PAYLOAD",
          "presign canonical request");
    std::vector<char> cbuf(creq.size() + 1);
    check(s.canonical_request_into(doc_get(), DOC_T, SIGV4RS_AUTH_HEADERS, 0, cbuf) == creq.size() + 1 && std::string(cbuf.data()) == creq,
          "canonical_request_into");
    std::string sts = s.string_to_sign(pr, DOC_T, SIGV4RS_AUTH_PRESIGN, 86400);
    std::vector<char> sbuf(sts.size() + 1);
    check(s.string_to_sign_into(pr, DOC_T, SIGV4RS_AUTH_PRESIGN, 86400, sbuf) == sts.size() + 1 && std::string(sbuf.data()) == sts,
          "string_to_sign_into");
    check(s.try_canonical_request_into(doc_get(), DOC_T, SIGV4RS_AUTH_HEADERS, 0, cbuf).value_or(0) == creq.size() + 1,
          "try_canonical_request_into");
    check(s.try_string_to_sign_into(pr, DOC_T, SIGV4RS_AUTH_PRESIGN, 86400, sbuf).value_or(0) == sts.size() + 1,
          "try_string_to_sign_into");
    auto sq = s.try_string_to_sign_into(pr, DOC_T, SIGV4RS_AUTH_PRESIGN, 86400, sigv4rs::buffer(sbuf.data(), 10));
    check(sq.status() == SIGV4RS_STATUS_BUFFER_TOO_SMALL && sq.needed() == sts.size() + 1, "string_to_sign_into too small");
    check(s.try_canonical_request(pr, DOC_T, SIGV4RS_AUTH_PRESIGN, 86400).value() == pcreq, "try_canonical_request");
    check(s.try_string_to_sign(pr, DOC_T, SIGV4RS_AUTH_PRESIGN, 86400).value() == sts, "try_string_to_sign");

    // The C structs directly.
    sigv4rs_header ch{sigv4rs_cstr("Range"), sigv4rs_cstr("bytes=0-9")};
    sigv4rs_request cr{};
    cr.method = sigv4rs_cstr("GET");
    cr.url = sigv4rs_cstr(DOC_URL);
    cr.headers = &ch;
    cr.headers_len = 1;
    check_eq(signature_of(s.sign_headers(cr, DOC_T)), DOC_GET_SIG, "sign_headers(sigv4rs_request)");
    check(s.canonical_request(cr, DOC_T) == creq && s.string_to_sign(cr, DOC_T) == s.string_to_sign(doc_get(), DOC_T),
          "debug outputs of sigv4rs_request");

    // A signer from a sigv4rs_config; a host/path/query request; payload modes.
    sigv4rs::config dc = doc_config();
    sigv4rs_config raw_cfg{};
    raw_cfg.access_key_id = sigv4rs::detail::bytes(dc.access_key_id);
    raw_cfg.secret_access_key = sigv4rs::detail::bytes(dc.secret_access_key);
    raw_cfg.region = sigv4rs_cstr("us-east-1");
    raw_cfg.service = sigv4rs_cstr("s3");
    raw_cfg.flags = SIGV4RS_FLAG_S3;
    sigv4rs::signer s2(raw_cfg);
    sigv4rs::request parts = doc_get();
    parts.url = {};
    parts.host = "examplebucket.s3.amazonaws.com";
    parts.path = "/test.txt";
    check_eq(get_sig(s2, DOC_T), DOC_GET_SIG, "signer(sigv4rs_config)");
    check_eq(signature_of(s2.sign_headers(parts, DOC_T)), DOC_GET_SIG, "host, path and query parts");
}

void test_payloads_and_hasher()
{
    sigv4rs::payload_hasher h;
    h.update("a").update("bc");
    check_eq(h.finish(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "SHA-256 of abc, in pieces");
    expect_error(SIGV4RS_STATUS_NOT_INITIALIZED, "finish twice", [&] { (void)h.finish(); });
    expect_error(SIGV4RS_STATUS_NOT_INITIALIZED, "update after finish", [&] { h.update("x"); });
    check(h.try_update("x").status() == SIGV4RS_STATUS_NOT_INITIALIZED, "try_update after finish");
    h.reset();
    h.update("ab");
    sigv4rs::payload_hasher fork = h; // copying forks the hash
    h.update("c");
    fork.update("d");
    check_eq(h.finish(), sigv4rs::sha256_hex("abc"), "original after a fork");
    check_eq(fork.finish(), sigv4rs::sha256_hex("abd"), "the fork");
    sigv4rs::payload_hasher g;
    char small[64];
    auto r = g.try_finish_into(small);
    check(r.status() == SIGV4RS_STATUS_BUFFER_TOO_SMALL && r.needed() == 65, "finish_into too small: 65 needed");
    char hex[65];
    check(g.finish_into(hex) == 65 && std::string(hex) == sigv4rs::sha256_hex(""), "finish_into after a too-small try");
    check(g.native() != nullptr, "payload_hasher::native");

    // A precomputed hash signs as the bytes do.
    sigv4rs::signer s(doc_config());
    const std::string body = "{\"query\":{\"match_all\":{}}}";
    sigv4rs::request r1;
    r1.method = "POST";
    r1.url = "https://examplebucket.s3.amazonaws.com/data.json";
    r1.payload_mode = SIGV4RS_PAYLOAD_MODE_BYTES;
    r1.payload = body;
    sigv4rs::request r2 = r1;
    const std::string digest = sigv4rs::sha256_hex(body);
    r2.payload_mode = SIGV4RS_PAYLOAD_MODE_SHA256_HEX;
    r2.payload = digest;
    check_eq(signature_of(s.sign_headers(r1, DOC_T)), signature_of(s.sign_headers(r2, DOC_T)), "SHA256_HEX mode = BYTES mode");
    r2.payload = "not hex";
    auto e = expect_error(SIGV4RS_STATUS_INVALID_PAYLOAD_HASH, "bad payload hash", [&] { (void)s.sign_headers(r2, DOC_T); });
    check(e && e->location().field == SIGV4RS_FIELD_PAYLOAD, "bad payload hash: located at the payload");
}

void test_errors()
{
    sigv4rs::config bad = doc_config();
    bad.region = "bad region";
    expect_error(SIGV4RS_STATUS_INVALID_REGION, "signer with a bad region", [&] { sigv4rs::signer s(bad); });
    auto r = sigv4rs::signer::try_create(bad);
    check(!r.ok() && r.status() == SIGV4RS_STATUS_INVALID_REGION, "try_create with a bad region");
    bad = doc_config();
    bad.flags = 1u << 30;
    check(sigv4rs::signer::try_create(bad).status() == SIGV4RS_STATUS_INVALID_ARGUMENT, "unknown flags");
    bad = doc_config();
    bad.unsigned_headers = {"bad name"};
    check(sigv4rs::signer::try_create(bad).status() == SIGV4RS_STATUS_INVALID_UNSIGNED_HEADER, "bad unsigned header name");

    sigv4rs::signer s(doc_config());
    // A header value with a LF: the error says which header and byte.
    sigv4rs::request req = doc_get();
    req.headers.push_back({"X-Note", "ok\nno"});
    auto e = expect_error(SIGV4RS_STATUS_INVALID_HEADER_VALUE, "LF in a header value", [&] { (void)s.sign_headers(req, DOC_T); });
    check(e && e->location().field == SIGV4RS_FIELD_HEADER_VALUE && e->location().index == 1 && e->location().offset == 2,
          "LF located: header 1 value, byte 2");
    check(e && std::string(e->what()).find("header 1 value, byte 2") != std::string::npos, "located in what()");
    auto tr = s.try_sign_headers(req, DOC_T);
    check(!tr.ok() && tr.status() == SIGV4RS_STATUS_INVALID_HEADER_VALUE && tr.location().index == 1, "try_sign_headers error");
    check(!tr.cause(), "no callback, no cause");
    sigv4rs_location at = sigv4rs::locate(req, SIGV4RS_STATUS_INVALID_HEADER_VALUE);
    check(at.field == SIGV4RS_FIELD_HEADER_VALUE && at.index == 1 && at.offset == 2, "locate()");
    check(sigv4rs::locate(req, SIGV4RS_STATUS_INVALID_TIME).field == SIGV4RS_FIELD_NONE, "locate() of a status about no input");

    sigv4rs::request url = doc_get();
    url.url = "ftp://examplebucket/test.txt";
    e = expect_error(SIGV4RS_STATUS_INVALID_URL, "bad scheme", [&] { (void)s.presign(url, DOC_T, 60); });
    check(e && e->location().field == SIGV4RS_FIELD_URL, "bad URL located");
    expect_error(SIGV4RS_STATUS_INVALID_EXPIRES, "presign for 0 s", [&] { (void)s.presign(doc_get(), DOC_T, 0); });
    expect_error(SIGV4RS_STATUS_INVALID_EXPIRES, "presign over 7 days",
                 [&] { (void)s.presign(doc_get(), DOC_T, SIGV4RS_MAX_EXPIRES + 1); });
    expect_error(SIGV4RS_STATUS_INVALID_ARGUMENT, "header-mode canonical request with an expiry",
                 [&] { (void)s.canonical_request(doc_get(), DOC_T, SIGV4RS_AUTH_HEADERS, 60); });
    expect_error(SIGV4RS_STATUS_INVALID_TIME, "time before 1970", [&] { (void)s.string_to_sign(doc_get(), -1); });
    sigv4rs::request reserved = doc_get();
    reserved.url = "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Signature=1";
    expect_error(SIGV4RS_STATUS_RESERVED_QUERY_PARAMETER, "presign with an X-Amz- parameter", [&] { (void)s.presign(reserved, DOC_T, 60); });
    sigv4rs::request nomethod = doc_get();
    nomethod.method = "";
    check(s.try_presign(nomethod, DOC_T, 60).location().field == SIGV4RS_FIELD_METHOD, "empty method located");

    // More headers than a stack array holds: the heap path, then TOO_MANY_HEADERS.
    sigv4rs::request many = doc_get();
    std::vector<std::string> names;
    for (int k = 0; k < SIGV4RS_MAX_HEADERS + 1; ++k)
        names.push_back("X-H" + std::to_string(k));
    for (const auto &nm : names)
        many.headers.push_back({nm, "v"});
    e = expect_error(SIGV4RS_STATUS_TOO_MANY_HEADERS, "65 headers", [&] { (void)s.sign_headers(many, DOC_T); });
    check(e && e->location().field == SIGV4RS_FIELD_HEADERS, "too many headers located at the headers");
    many.headers.resize(SIGV4RS_MAX_HEADERS);
    check(s.try_sign_headers(many, DOC_T).ok(), "64 headers sign");

    // Unsigned header names from the config.
    sigv4rs::config uc = doc_config();
    uc.unsigned_headers = {"range"};
    sigv4rs::signer us(uc);
    std::string auth = value_of(us.sign_headers(doc_get(), DOC_T), "Authorization");
    check(auth.find("SignedHeaders=host;x-amz-content-sha256;x-amz-date,") != std::string::npos, "unsigned_headers leave Range out");
}

void test_large_outputs()
{
    // A 16 KiB session token: outputs beyond the first guess (header lines
    // beyond the 4 KiB stack scratch, a URL beyond its guess).
    const std::string token(SIGV4RS_MAX_SESSION_TOKEN_LEN, 'T');
    sigv4rs::config c = doc_config();
    c.session_token = token;
    sigv4rs::signer s(c);
    sigv4rs::header_list h = s.sign_headers(doc_get(), DOC_T);
    check(value_of(h, "X-Amz-Security-Token") == token, "16 KiB token in the headers");
    std::size_t need = s.try_sign_headers_into(doc_get(), DOC_T, sigv4rs::buffer(nullptr, 0)).needed();
    std::vector<char> raw(need);
    check(s.sign_headers_into(doc_get(), DOC_T, raw) == need && need > 16384, "header lines over 16 KiB");
    std::string url = s.presign(doc_get(), DOC_T, 60);
    check(url.find("X-Amz-Security-Token=" + token) != std::string::npos, "16 KiB token in the URL");
    check(s.canonical_request(doc_get(), DOC_T).find(token) != std::string::npos, "16 KiB token in the canonical request");
    c.session_token = std::string(SIGV4RS_MAX_SESSION_TOKEN_LEN + 1, 'T');
    check(sigv4rs::signer::try_create(c).status() == SIGV4RS_STATUS_INVALID_SESSION_TOKEN, "token too long");
}

sigv4rs_signer_storage g_storage;

bool all_zero(const sigv4rs_signer_storage &st)
{
    const auto *p = reinterpret_cast<const unsigned char *>(&st);
    return std::all_of(p, p + sizeof st, [](unsigned char b) { return b == 0; });
}

void test_move_and_storage()
{
    sigv4rs::signer a(doc_config());
    const sigv4rs_signer *handle = a.get();
    sigv4rs::signer b(std::move(a));
    check(!a && a.get() == nullptr && b.get() == handle, "move construction moves the handle");
    check_eq(get_sig(b, DOC_T), DOC_GET_SIG, "moved-to signer signs");
    auto e = expect_error(SIGV4RS_STATUS_NULL_ARGUMENT, "moved-from signer", [&] { (void)a.sign_headers(doc_get(), DOC_T); });
    check(a.try_presign(doc_get(), DOC_T, 60).status() == SIGV4RS_STATUS_NULL_ARGUMENT, "moved-from signer, try_ form");
    sigv4rs::signer c;
    check(!c, "default signer is empty");
    c = std::move(b);
    check(c.get() == handle && !b, "move assignment");
    sigv4rs::signer other(doc_config());
    c = std::move(other); // frees the first (valgrind/ASan: no leak)
    check(c.get() != handle && c.get() != nullptr, "move assignment over a live signer");
    sigv4rs::signer &self = c;
    c = std::move(self);
    check(static_cast<bool>(c), "self move assignment keeps the signer");
    std::vector<sigv4rs::signer> many;
    for (int i = 0; i < 20; ++i)
        many.emplace_back(doc_config()); // reallocations move them
    check(std::all_of(many.begin(), many.end(), [](const sigv4rs::signer &s) { return get_sig(s, DOC_T) == DOC_GET_SIG; }),
          "signers moved by a growing vector");
    std::swap(many[0], many[1]);
    check_eq(get_sig(many[0], DOC_T), DOC_GET_SIG, "std::swap");

    // Caller storage: no heap in the library; the destructor zeroes it.
    {
        sigv4rs::signer st(g_storage, doc_config());
        check(!all_zero(g_storage), "storage holds the signer");
        check(reinterpret_cast<const void *>(st.get()) >= static_cast<const void *>(&g_storage) &&
                  reinterpret_cast<const void *>(st.get()) < static_cast<const void *>(&g_storage + 1),
              "the signer lives in the storage");
        check_eq(get_sig(st, DOC_T), DOC_GET_SIG, "storage signer signs");
        sigv4rs::signer moved(std::move(st));
        check_eq(get_sig(moved, DOC_T), DOC_GET_SIG, "moved storage signer signs");
        check(!all_zero(g_storage), "moving does not deinit");
    }
    check(all_zero(g_storage), "storage zeroed when the signer is destroyed");
    sigv4rs::config bad = doc_config();
    bad.service = "";
    expect_error(SIGV4RS_STATUS_INVALID_SERVICE, "storage signer with no service", [&] { sigv4rs::signer st(g_storage, bad); });
    check(all_zero(g_storage), "a refused init leaves the storage zeroed");
    auto r = sigv4rs::signer::try_create(g_storage, doc_config());
    check(r.ok(), "try_create in storage");
    sigv4rs::signer fromr = std::move(r).value();
    check_eq(get_sig(fromr, DOC_T), DOC_GET_SIG, "storage signer from a result");
    fromr = sigv4rs::signer(); // deinit now
    check(all_zero(g_storage), "assigning over a storage signer zeroes the storage");

    // A heap signer made from a raw storage config type too.
    sigv4rs_config rc{};
    rc.region = sigv4rs_cstr("us-east-1");
    rc.service = sigv4rs_cstr("s3");
    sigv4rs::signer empty_creds(g_storage, rc);
    expect_error(SIGV4RS_STATUS_MISSING_CREDENTIALS, "storage signer without credentials", [&] { (void)get_sig(empty_creds, DOC_T); });
}

// --- The environment (AWS_* variables, HOME and the shared files).

std::filesystem::path g_home;

void clear_aws_env()
{
    std::vector<std::string> names;
    for (char **e = environ; *e != nullptr; ++e)
        if (std::strncmp(*e, "AWS_", 4) == 0)
            names.emplace_back(*e, std::strcspn(*e, "="));
    for (const auto &n : names)
        unsetenv(n.c_str());
    setenv("HOME", g_home.c_str(), 1);
    setenv("AWS_CONFIG_FILE", (g_home / "config").c_str(), 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", (g_home / "credentials").c_str(), 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    std::filesystem::remove(g_home / "config");
    std::filesystem::remove(g_home / "credentials");
}

void write_file(const std::string &name, const std::string &text)
{
    std::ofstream(g_home / name) << text;
}

void test_from_env_and_time()
{
    clear_aws_env();
    check(sigv4rs::signer::try_from_env("us-east-1", "s3", sigv4rs::flag_s3).status() == SIGV4RS_STATUS_MISSING_CREDENTIALS,
          "from_env without variables");
    setenv("AWS_ACCESS_KEY_ID", DOC_AKID, 1);
    setenv("AWS_SECRET_ACCESS_KEY", DOC_SECRET, 1);
    setenv("AWS_REGION", "us-east-1", 1);
    sigv4rs::signer s = sigv4rs::signer::from_env("", "s3", sigv4rs::flag_s3);
    check_eq(get_sig(s, DOC_T), DOC_GET_SIG, "from_env with the region from AWS_REGION");
    expect_error(SIGV4RS_STATUS_INVALID_SERVICE, "from_env with a bad service", [&] { (void)sigv4rs::signer::from_env("", "s 3"); });
    clear_aws_env();

    std::int64_t now = sigv4rs::unix_time_now();
    std::int64_t sys = static_cast<std::int64_t>(std::time(nullptr));
    check(now >= sys - 5 && now <= sys + 5, "unix_time_now");
    check(sigv4rs::try_unix_time_now().ok(), "try_unix_time_now");
    check(sigv4rs::unix_time(std::chrono::system_clock::time_point(std::chrono::seconds(DOC_T))) == DOC_T, "unix_time(time_point)");
}

void test_rotation()
{
    sigv4rs::config oc = doc_config();
    oc.access_key_id = "AKIDOTHER";
    oc.secret_access_key = "other secret";
    sigv4rs::signer s(oc);
    check(get_sig(s, DOC_T) != DOC_GET_SIG, "other credentials sign otherwise");
    check(s.expiration() == 0, "expiration 0: never");
    sigv4rs::credentials doc{DOC_AKID, DOC_SECRET, {}, DOC_T + 3600};
    s.rotate(doc);
    check_eq(get_sig(s, DOC_T), DOC_GET_SIG, "rotate");
    check(s.expiration() == DOC_T + 3600, "expiration after rotate");
    sigv4rs::credentials slash{"AKID/SLASH", "secret", {}, 0};
    expect_error(SIGV4RS_STATUS_INVALID_ACCESS_KEY_ID, "rotate to a bad key id", [&] { s.rotate(slash); });
    check(s.try_rotate(slash).status() == SIGV4RS_STATUS_INVALID_ACCESS_KEY_ID, "try_rotate to a bad key id");
    check_eq(get_sig(s, DOC_T), DOC_GET_SIG, "a refused rotation changes nothing");
    expect_error(SIGV4RS_STATUS_CREDENTIALS_EXPIRED, "signing at the expiration", [&] { (void)get_sig(s, DOC_T + 3600); });

    // The AWS IoT credentials provider's document, in caller storage.
    static const std::string iot = std::string("{\"credentials\":{\"accessKeyId\":\"") + DOC_AKID +
                                   "\",\"secretAccessKey\":\"wJalrXUtnFEMI\\/K7MDENG\\/bPxRfiCYEXAMPLEKEY\","
                                   "\"sessionToken\":null,\"expiration\":\"2013-05-24T01:00:00Z\"}}";
    sigv4rs::signer st(g_storage, region_only());
    expect_error(SIGV4RS_STATUS_MISSING_CREDENTIALS, "expiration before any credentials", [&] { (void)st.expiration(); });
    check(st.try_expiration().status() == SIGV4RS_STATUS_MISSING_CREDENTIALS, "try_expiration before any credentials");
    st.rotate_json(iot);
    check_eq(get_sig(st, DOC_T), DOC_GET_SIG, "rotate_json");
    check(st.expiration() == DOC_T + 3600, "the document's expiration");
    expect_error(SIGV4RS_STATUS_INVALID_CREDENTIALS_DOCUMENT, "rotate_json of a non-document", [&] { st.rotate_json("{\"credentials\":"); });
    check(st.try_rotate_json("[]").status() == SIGV4RS_STATUS_INVALID_CREDENTIALS_DOCUMENT, "try_rotate_json");
    check_eq(get_sig(st, DOC_T), DOC_GET_SIG, "a refused document changes nothing");
}

void test_providers()
{
    // A provider asked on the first signature, with the signing time.
    struct seen {
        int calls = 0;
        std::int64_t last = 0;
    };
    auto p = std::make_shared<seen>();
    std::int64_t expires = DOC_T + 3600;
    bool failing = false;
    const sigv4rs::signer ref(doc_config());
    sigv4rs::signer s(region_only());
    s.set_provider([p, &expires, &failing](std::int64_t t, sigv4rs::credentials_sink &sink) {
        ++p->calls;
        p->last = t;
        if (failing)
            throw std::runtime_error("provider down");
        sink.put({DOC_AKID, DOC_SECRET, {}, expires});
    });
    check(p.use_count() == 2, "the signer keeps the provider");
    check_eq(get_sig(s, DOC_T), DOC_GET_SIG, "signature with the provider's credentials");
    check(p->calls == 1 && p->last == DOC_T, "provider asked once, with the signing time");
    check(s.expiration() == expires, "the provider's expiration");

    // Within the margin, a throwing provider: the old set still signs, and
    // no exception comes out.
    failing = true;
    check_eq(get_sig(s, expires - SIGV4RS_DEFAULT_REFRESH_MARGIN - 1), get_sig(ref, expires - SIGV4RS_DEFAULT_REFRESH_MARGIN - 1),
             "before the margin");
    check(p->calls == 1, "not asked before the margin");
    check_eq(get_sig(s, expires - SIGV4RS_DEFAULT_REFRESH_MARGIN), get_sig(ref, expires - SIGV4RS_DEFAULT_REFRESH_MARGIN),
             "throwing provider, valid set");
    check(p->calls == 2, "asked at the margin");
    // A later failure unrelated to the provider carries no stale cause.
    sigv4rs::request bad = doc_get();
    bad.method = "G T";
    auto e = expect_error(SIGV4RS_STATUS_INVALID_METHOD, "bad method after a provider failure", [&] { (void)s.sign_headers(bad, DOC_T); });
    check(e && !e.nested(), "no stale callback exception");
    // Expired, provider throwing: the error nests the provider's exception.
    e = expect_error(SIGV4RS_STATUS_CREDENTIALS_EXPIRED, "expired, provider throwing", [&] { (void)get_sig(s, expires); });
    check(e && what_of(e.nested()) == "provider down", "the provider's exception is nested");
    try {
        (void)get_sig(s, expires + SIGV4RS_PROVIDER_RETRY_SECS);
        check(false, "rethrow_if_nested: no error");
    } catch (const sigv4rs::error &err) {
        try {
            std::rethrow_if_nested(err);
            check(false, "rethrow_if_nested: nothing nested");
        } catch (const std::runtime_error &inner) {
            check_eq(std::string(inner.what()), "provider down", "std::rethrow_if_nested gives the provider's exception");
        }
    }
    auto tr = s.try_sign_headers(doc_get(), expires + 2 * SIGV4RS_PROVIDER_RETRY_SECS);
    check(tr.status() == SIGV4RS_STATUS_CREDENTIALS_EXPIRED && what_of(tr.cause()) == "provider down", "try_ form: cause()");
    std::vector<char> buf(4096);
    auto ti = s.try_sign_headers_into(doc_get(), expires + 3 * SIGV4RS_PROVIDER_RETRY_SECS, buf);
    check(ti.status() == SIGV4RS_STATUS_CREDENTIALS_EXPIRED && ti.cause(), "try_*_into: cause()");
    auto tp = s.try_presign(doc_get(), expires + 4 * SIGV4RS_PROVIDER_RETRY_SECS, 60);
    check(tp.status() == SIGV4RS_STATUS_CREDENTIALS_EXPIRED && tp.cause(), "try_presign: cause()");
    // It recovers.
    failing = false;
    expires = 0;
    const std::int64_t later = DOC_T + 7200 + 10 * SIGV4RS_PROVIDER_RETRY_SECS;
    check_eq(get_sig(s, later), get_sig(ref, later), "provider works again");

    // Replacing the provider destroys the old callable; clearing it too.
    s.set_provider([](std::int64_t, sigv4rs::credentials_sink &) {}, 60);
    check(p.use_count() == 1, "replaced provider destroyed");
    s.clear_provider();
    check(s.try_clear_provider().ok(), "try_clear_provider");

    // A provider that puts nothing: MISSING_CREDENTIALS, no cause.
    sigv4rs::signer n(region_only());
    int calls = 0;
    n.set_provider([&calls](std::int64_t, sigv4rs::credentials_sink &) { ++calls; });
    auto nr = n.try_sign_headers(doc_get(), DOC_T);
    check(nr.status() == SIGV4RS_STATUS_MISSING_CREDENTIALS && !nr.cause() && calls == 1, "provider without a put");
    n.clear_provider();
    check(n.try_sign_headers(doc_get(), DOC_T + 100).status() == SIGV4RS_STATUS_MISSING_CREDENTIALS && calls == 1,
          "cleared provider not asked");

    // A refused put throws inside the provider: the nested cause is that
    // sigv4rs::error.
    sigv4rs::signer r(region_only());
    r.set_provider([](std::int64_t, sigv4rs::credentials_sink &sink) { sink.put({"AKID/SLASH", DOC_SECRET, {}, 0}); });
    e = expect_error(SIGV4RS_STATUS_MISSING_CREDENTIALS, "provider whose put is refused", [&] { (void)get_sig(r, DOC_T); });
    check_status(status_in(e.nested()), SIGV4RS_STATUS_INVALID_ACCESS_KEY_ID, "refused put: the nested error");
    // try_put reports instead; a rotation from inside the provider is BUSY.
    sigv4rs::signer b(region_only());
    sigv4rs_status put_bad = SIGV4RS_STATUS_OK, rotate_inside = SIGV4RS_STATUS_OK;
    b.set_provider([&](std::int64_t, sigv4rs::credentials_sink &sink) {
        put_bad = sink.try_put({"", DOC_SECRET, {}, 0}).status();
        rotate_inside = b.try_rotate({DOC_AKID, DOC_SECRET, {}, 0}).status();
        check(sink.native() != nullptr, "credentials_sink::native");
        sink.put({DOC_AKID, DOC_SECRET, {}, 0});
    });
    check_eq(get_sig(b, DOC_T), DOC_GET_SIG, "provider after a refused try_put");
    check_status(put_bad, SIGV4RS_STATUS_INVALID_ACCESS_KEY_ID, "try_put of an empty key id");
    check_status(rotate_inside, SIGV4RS_STATUS_BUSY, "rotate inside the provider");

    // Move-only callables; a provider survives moving the signer.
    auto owned = std::make_unique<std::string>(DOC_SECRET);
    sigv4rs::signer m(region_only());
    m.set_provider([o = std::move(owned)](std::int64_t, sigv4rs::credentials_sink &sink) { sink.put({DOC_AKID, *o, {}, 0}); });
    sigv4rs::signer moved = std::move(m);
    check_eq(get_sig(moved, DOC_T), DOC_GET_SIG, "move-only provider, signer moved");
    check(m.try_set_provider([](std::int64_t, sigv4rs::credentials_sink &) {}).status() == SIGV4RS_STATUS_NULL_ARGUMENT,
          "set_provider on a moved-from signer");
    // A provider on a storage signer.
    sigv4rs::signer st(g_storage, region_only());
    st.set_provider([](std::int64_t, sigv4rs::credentials_sink &sink) { sink.put({DOC_AKID, DOC_SECRET, {}, 0}); });
    check_eq(get_sig(st, DOC_T), DOC_GET_SIG, "provider on a storage signer");
}

// --- The default chain, with STS answered by the C++ transport.

constexpr const char *SOURCE_AKID = "AKIDSOURCEEXAMPLE";
constexpr const char *SOURCE_SECRET = "sourceSecret/K7MDENG+bPxRfiCYEXAMPLEKEY";
// The AssumeRole example of the STS API reference.
constexpr const char *ROLE_AKID = "ASIAIOSFODNN7EXAMPLE";
constexpr const char *ROLE_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY";
constexpr const char *ROLE_TOKEN =
    "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/"
    "qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38x"
    "Vqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";

std::string rfc3339(std::int64_t t)
{
    std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string assume_role_xml(std::int64_t exp)
{
    return std::string("<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n<AssumeRoleResult>\n"
                       "<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/demo/TestAR</Arn>"
                       "<AssumedRoleId>ARO123EXAMPLE123:TestAR</AssumedRoleId></AssumedRoleUser>\n<Credentials>\n<AccessKeyId>") +
           ROLE_AKID + "</AccessKeyId>\n<SecretAccessKey>" + ROLE_SECRET + "</SecretAccessKey>\n<SessionToken>" + ROLE_TOKEN +
           "</SessionToken>\n<Expiration>" + rfc3339(exp) +
           "</Expiration>\n</Credentials>\n<PackedPolicySize>6</PackedPolicySize>\n</AssumeRoleResult>\n"
           "<ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>\n"
           "</AssumeRoleResponse>\n";
}

void write_role_profile()
{
    write_file("credentials", std::string("[base]\naws_access_key_id = ") + SOURCE_AKID + "\naws_secret_access_key = " + SOURCE_SECRET + "\n");
    write_file("config", "[profile role]\nrole_arn = arn:aws:iam::123456789012:role/demo\nsource_profile = base\n"
                         "role_session_name = cpp-wrapper\n");
}

sigv4rs::signer chain_signer(sigv4rs::chain &c)
{
    sigv4rs::signer s(region_only());
    s.set_provider(c);
    return s;
}

void test_chain()
{
    // The environment step.
    clear_aws_env();
    setenv("AWS_ACCESS_KEY_ID", DOC_AKID, 1);
    setenv("AWS_SECRET_ACCESS_KEY", DOC_SECRET, 1);
    {
        sigv4rs::chain c;
        check(static_cast<bool>(c) && c.get() != nullptr, "chain from the environment");
        sigv4rs::signer s = chain_signer(c);
        check_eq(get_sig(s, DOC_T), DOC_GET_SIG, "chain: environment credentials");
        check_eq(c.last_error(), "", "last_error after a success");
        check(c.try_last_error().ok(), "try_last_error");
    }

    // Nothing anywhere: MISSING_CREDENTIALS, and the chain says why.
    clear_aws_env();
    {
        sigv4rs::chain c;
        sigv4rs::signer s = chain_signer(c);
        expect_error(SIGV4RS_STATUS_MISSING_CREDENTIALS, "chain: no credentials anywhere", [&] { (void)get_sig(s, DOC_T); });
        std::string why = c.last_error();
        check(why.find("NotFound") != std::string::npos, "last_error says NotFound: " + why);
        // Your own provider sees the reason as a status (and may log last_error).
        sigv4rs_status seen = SIGV4RS_STATUS_OK;
        sigv4rs::signer mine(region_only());
        mine.set_provider([&](std::int64_t t, sigv4rs::credentials_sink &sink) {
            seen = c.try_resolve(t, sink).status();
            c.resolve(t, sink); // throws: the signer gets the failure
        });
        auto e = expect_error(SIGV4RS_STATUS_MISSING_CREDENTIALS, "own provider around the chain", [&] { (void)get_sig(mine, DOC_T); });
        check_status(seen, SIGV4RS_STATUS_CREDENTIALS_NOT_FOUND, "chain::try_resolve status");
        check_status(status_in(e.nested()), SIGV4RS_STATUS_CREDENTIALS_NOT_FOUND, "chain::resolve throws the reason");
    }

    // Options: a missing profile, a bad region.
    {
        sigv4rs::chain_options o;
        o.region = "bad region";
        check(sigv4rs::chain::try_create(o).status() == SIGV4RS_STATUS_INVALID_REGION, "chain with a bad region");
        expect_error(SIGV4RS_STATUS_INVALID_REGION, "chain constructor with a bad region", [&] { sigv4rs::chain c(o); });
        o.region = {};
        o.profile = "nosuch";
        sigv4rs::chain c(o);
        sigv4rs::signer s(region_only());
        sigv4rs_status seen = SIGV4RS_STATUS_OK;
        s.set_provider([&](std::int64_t t, sigv4rs::credentials_sink &sink) { seen = c.try_resolve(t, sink).status(); });
        (void)s.try_sign_headers(doc_get(), DOC_T);
        check_status(seen, SIGV4RS_STATUS_CREDENTIALS_CONFIG, "a profile that does not exist");
    }

    // role_arn without a transport: NO_TRANSPORT.
    clear_aws_env();
    write_role_profile();
    {
        sigv4rs::chain_options o;
        o.profile = "role";
        sigv4rs::chain c(o);
        sigv4rs::signer s(region_only());
        sigv4rs_status seen = SIGV4RS_STATUS_OK;
        s.set_provider([&](std::int64_t t, sigv4rs::credentials_sink &sink) { seen = c.try_resolve(t, sink).status(); });
        (void)s.try_sign_headers(doc_get(), DOC_T);
        check_status(seen, SIGV4RS_STATUS_NO_TRANSPORT, "role profile without a transport");
    }

    // role_arn through the C++ transport, STS answered here.
    setenv("AWS_ENDPOINT_URL_STS", "https://sts.test.invalid", 1);
    const std::int64_t now = sigv4rs::unix_time_now();
    const std::int64_t exp = now + 3600;
    int calls = 0;
    std::string method, url, body, auth;
    std::uint32_t timeout = 0;
    sigv4rs::chain_options o;
    o.profile = "role";
    o.transport = [&](const sigv4rs::http_request &req, sigv4rs::http_response &resp) {
        ++calls;
        method = std::string(req.method());
        url = std::string(req.url());
        body = std::string(req.body());
        timeout = req.timeout_ms();
        for (const auto &h : req.headers())
            if (h.name == "Authorization" || h.name == "authorization")
                auth = std::string(h.value);
        check(req.native().timeout_ms == req.timeout_ms() && resp.native() != nullptr, "native() of the transport's views");
        resp.set_status(200);
        check(resp.http_status() == 200, "http_response::http_status");
        const std::string xml = assume_role_xml(exp);
        for (std::size_t at = 0; at < xml.size(); at += 100) // as libcurl's write callback would
            resp.write(std::string_view(xml).substr(at, 100));
    };
    sigv4rs::chain c0(o);
    sigv4rs::chain c = std::move(c0); // the transport moves with it
    check(!c0 && c, "chain move");
    {
        sigv4rs::signer s = chain_signer(c);
        sigv4rs::header_list h = s.sign_headers(doc_get(), now);
        sigv4rs::header_list h2 = s.sign_headers(doc_get(), now + 60);
        check(calls == 1, "one STS call for two signatures");
        check(method == "POST" && url.compare(0, 24, "https://sts.test.invalid") == 0 && timeout > 0, "the STS request");
        check(body.find("Action=AssumeRole") != std::string::npos &&
                  body.find("RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fdemo") != std::string::npos &&
                  body.find("RoleSessionName=cpp-wrapper") != std::string::npos,
              "AssumeRole body: " + body);
        check(auth.find(std::string("Credential=") + SOURCE_AKID + "/") != std::string::npos && auth.find("/sts/aws4_request") != std::string::npos,
              "AssumeRole signed with the source profile's key");
        check_eq(value_of(h, "X-Amz-Security-Token"), ROLE_TOKEN, "the role's session token");
        sigv4rs::config rc = doc_config();
        rc.access_key_id = ROLE_AKID;
        rc.secret_access_key = ROLE_SECRET;
        rc.session_token = ROLE_TOKEN;
        sigv4rs::signer direct(rc);
        check_eq(signature_of(h), get_sig(direct, now), "signed with the assumed role's credentials");
        check_eq(signature_of(h2), get_sig(direct, now + 60), "second signature, same credentials");
        check(s.expiration() == exp, "the STS answer's expiration");
        check_eq(c.last_error(), "", "no error");
    }

    // A transport that throws: the signing error nests its exception.
    setenv("AWS_MAX_ATTEMPTS", "1", 1); // no retries, no backoff
    {
        sigv4rs::chain_options t;
        t.profile = "role";
        t.transport = [](const sigv4rs::http_request &, sigv4rs::http_response &) { throw std::runtime_error("network down"); };
        sigv4rs::chain tc(t);
        sigv4rs::signer s = chain_signer(tc);
        auto e = expect_error(SIGV4RS_STATUS_MISSING_CREDENTIALS, "throwing transport", [&] { (void)get_sig(s, now); });
        check(e && what_of(e.nested()) == "network down", "the transport's exception is nested");
        std::string why = tc.last_error();
        check(why.find("AssumeRole") != std::string::npos && why.find(SOURCE_SECRET) == std::string::npos,
              "last_error names AssumeRole, no secret: " + why);
        auto tr = s.try_sign_headers(doc_get(), now + SIGV4RS_PROVIDER_RETRY_SECS);
        check(tr.status() == SIGV4RS_STATUS_MISSING_CREDENTIALS && what_of(tr.cause()) == "network down", "try_ form: the transport's cause");
    }
    // A transport writing more than SIGV4RS_MAX_HTTP_RESPONSE_LEN: write throws.
    {
        sigv4rs_status second = SIGV4RS_STATUS_OK;
        sigv4rs::chain_options t;
        t.profile = "role";
        t.transport = [&](const sigv4rs::http_request &, sigv4rs::http_response &resp) {
            resp.set_status(200);
            const std::string mib(SIGV4RS_MAX_HTTP_RESPONSE_LEN, 'x');
            resp.write(mib);
            second = resp.try_write("y").status();
            resp.write("y");
        };
        sigv4rs::chain tc(t);
        sigv4rs::signer s = chain_signer(tc);
        auto e = expect_error(SIGV4RS_STATUS_MISSING_CREDENTIALS, "oversized STS answer", [&] { (void)get_sig(s, now); });
        check_status(second, SIGV4RS_STATUS_INPUT_TOO_LONG, "http_response::try_write past the limit");
        check_status(status_in(e.nested()), SIGV4RS_STATUS_INPUT_TOO_LONG, "http_response::write past the limit throws");
    }
    clear_aws_env();
}

// --- aws-chunked: both AWS S3 documentation examples, byte for byte.

void test_chunked()
{
    const sigv4rs::stream shape{SIGV4RS_STREAM_MODE_SIGNED, SIGV4RS_CHECKSUM_NONE, 66560, 65536};
    check(sigv4rs::encoded_length(shape) == 66824, "encoded_length of the documentation example");
    sigv4rs::stream wrong = shape;
    wrong.checksum = SIGV4RS_CHECKSUM_CRC32;
    expect_error(SIGV4RS_STATUS_INVALID_ARGUMENT, "encoded_length: checksum without a trailer mode", [&] { (void)sigv4rs::encoded_length(wrong); });
    check(sigv4rs::try_encoded_length(wrong).status() == SIGV4RS_STATUS_INVALID_ARGUMENT, "try_encoded_length");

    sigv4rs::signer s(doc_config());
    sigv4rs::request req;
    req.method = "PUT";
    req.url = "https://s3.amazonaws.com/examplebucket/chunkObject.txt";
    req.headers = {{"x-amz-storage-class", "REDUCED_REDUNDANCY"}};
    const std::string data(66560, 'a');

    sigv4rs::chunked_upload up(s);
    check(up.try_sign_chunk("x").status() == SIGV4RS_STATUS_NOT_INITIALIZED, "sign_chunk before begin");
    sigv4rs::header_list h = up.begin(req, DOC_T, shape);
    check_eq(value_of(h, "Content-Length"), "66824", "Content-Length");
    check_eq(value_of(h, "X-Amz-Decoded-Content-Length"), "66560", "X-Amz-Decoded-Content-Length");
    check_eq(value_of(h, "Content-Encoding"), "aws-chunked", "Content-Encoding");
    std::string a = value_of(h, "Authorization");
    check(a.size() > 64 && a.substr(a.size() - 64) == "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9", "seed signature");
    expect_error(SIGV4RS_STATUS_INVALID_CHUNK_SIZE, "a short chunk first", [&] { (void)up.sign_chunk(std::string_view(data).substr(0, 100)); });
    std::string body = up.sign_chunk(std::string_view(data).substr(0, 65536));
    body += data.substr(0, 65536) + "\r\n";
    sigv4rs::chunked_upload moved(std::move(up)); // mid-stream
    check(up.try_finish().status() == SIGV4RS_STATUS_NULL_ARGUMENT, "moved-from upload");
    expect_error(SIGV4RS_STATUS_INCOMPLETE_PAYLOAD, "finish before the last chunk", [&] { (void)moved.finish(); });
    char tiny[8];
    auto ts = moved.try_sign_chunk_into(std::string_view(data).substr(65536), tiny);
    check(ts.status() == SIGV4RS_STATUS_BUFFER_TOO_SMALL && ts.needed() == 86, "sign_chunk_into too small: needed");
    char line[SIGV4RS_CHUNK_HEADER_MAX_LEN];
    std::size_t n = moved.sign_chunk_into(std::string_view(data).substr(65536), line);
    body += std::string(line, n) + data.substr(65536) + "\r\n";
    auto tf = moved.try_finish_into(tiny);
    check(tf.status() == SIGV4RS_STATUS_BUFFER_TOO_SMALL && tf.needed() == 86, "finish_into too small: needed");
    body += moved.finish();
    expect_error(SIGV4RS_STATUS_NOT_INITIALIZED, "finish twice", [&] { (void)moved.finish(); });
    std::string want = "10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n" +
                       std::string(65536, 'a') +
                       "\r\n400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n" +
                       std::string(1024, 'a') +
                       "\r\n0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n";
    check(body == want, "the documentation's aws-chunked body, byte for byte");
    check(body.size() == 66824, "body length = Content-Length");

    // With a CRC32C trailer (that example does not sign Content-Length),
    // through begin_into and the C request.
    sigv4rs::config tc = doc_config();
    tc.unsigned_headers = {"content-length"};
    sigv4rs::signer ts2(tc);
    sigv4rs::chunked_upload t(ts2);
    sigv4rs_header sc{sigv4rs_cstr("x-amz-storage-class"), sigv4rs_cstr("REDUCED_REDUNDANCY")};
    sigv4rs_request cr{};
    cr.method = sigv4rs_cstr("PUT");
    cr.url = sigv4rs_cstr("https://s3.amazonaws.com/examplebucket/chunkObject.txt");
    cr.headers = &sc;
    cr.headers_len = 1;
    const sigv4rs::stream tshape{SIGV4RS_STREAM_MODE_SIGNED_TRAILER, SIGV4RS_CHECKSUM_CRC32C, 66560, 65536};
    char hb[1024];
    n = t.begin_into(cr, DOC_T, tshape, hb);
    std::string trailer_auth, trailer_hdr;
    for (std::string_view l : sigv4rs::header_lines(hb, n)) {
        auto nv = sigv4rs::split_header(l);
        if (nv.first == "Authorization")
            trailer_auth = std::string(nv.second);
        if (nv.first == "X-Amz-Trailer")
            trailer_hdr = std::string(nv.second);
    }
    check(trailer_hdr == "x-amz-checksum-crc32c", "X-Amz-Trailer");
    check(trailer_auth.size() > 64 && trailer_auth.substr(trailer_auth.size() - 64) ==
                                          "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e",
          "trailer example: seed signature");
    std::string tb = t.sign_chunk(std::string_view(data).substr(0, 65536));
    tb += t.sign_chunk(std::string_view(data).substr(65536));
    char fin[SIGV4RS_CHUNKED_FINISH_MAX_LEN];
    n = t.finish_into(fin);
    tb += std::string(fin, n);
    check(tb.find("b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2") != std::string::npos &&
              tb.find("1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7") != std::string::npos &&
              tb.find("2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992") != std::string::npos,
          "trailer example: chunk signatures");
    const std::string tail = "\r\nx-amz-checksum-crc32c:sOO8/Q==\r\n"
                             "x-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n\r\n";
    check(tb.size() > tail.size() && tb.substr(tb.size() - tail.size()) == tail, "trailer example: signed trailer");
    check(t.native() != nullptr, "chunked_upload::native");

    // A bad seed request: the error locates it; the state stays idle.
    sigv4rs::chunked_upload bad(s);
    sigv4rs::request br = req;
    br.headers.push_back({"Bad Name", "v"});
    auto e = expect_error(SIGV4RS_STATUS_INVALID_HEADER_NAME, "begin with a bad header name", [&] { (void)bad.begin(br, DOC_T, shape); });
    check(e && e->location().field == SIGV4RS_FIELD_HEADER_NAME && e->location().index == 1 && e->location().offset == 3,
          "begin: located at header 1's name, byte 3");
    check(bad.try_finish().status() == SIGV4RS_STATUS_NOT_INITIALIZED, "a failed begin leaves the state idle");
    check(bad.try_begin(req, DOC_T, wrong).status() == SIGV4RS_STATUS_INVALID_ARGUMENT, "try_begin with a bad shape");
    sigv4rs::chunked_upload assigned(s);
    assigned = sigv4rs::chunked_upload(s);
    auto sq = assigned.try_begin_into(req, DOC_T, shape, sigv4rs::buffer(nullptr, 0));
    check(sq.status() == SIGV4RS_STATUS_BUFFER_TOO_SMALL && sq.needed() > 0, "begin_into size query");
    std::vector<char> seed(sq.needed());
    check(assigned.begin_into(req, DOC_T, shape, seed) == seed.size(), "begin_into(sigv4rs::request)");
    std::string seed_auth;
    for (std::string_view l : sigv4rs::header_lines(seed.data(), seed.size()))
        if (sigv4rs::split_header(l).first == "Authorization")
            seed_auth = std::string(sigv4rs::split_header(l).second);
    check(seed_auth == a, "begin_into gives the seed signature of begin");
}

void test_threads()
{
    const sigv4rs::signer s(doc_config());
    std::atomic<int> wrong{0};
    std::vector<std::thread> ts;
    for (int k = 0; k < 4; ++k)
        ts.emplace_back([&] {
            for (int i = 0; i < 50; ++i)
                if (get_sig(s, DOC_T) != DOC_GET_SIG || s.presign(doc_get(), DOC_T, 86400).empty())
                    ++wrong;
        });
    // Rotations meanwhile (same keys): signing never waits, never mixes sets.
    for (int i = 0; i < 50; ++i) {
        auto r = s.try_rotate({DOC_AKID, DOC_SECRET, {}, 0});
        if (!r.ok() && r.status() != SIGV4RS_STATUS_BUSY)
            ++wrong;
    }
    for (auto &t : ts)
        t.join();
    check(wrong == 0, "4 threads share a signer while it rotates");
}

// ---------------------------------------------------------------------------
// Vector files in JSON (tests/data): a reader for what they use.

struct json {
    enum kind_t { null, boolean, number, string, array, object } kind = null;
    bool b = false;
    long long n = 0;
    std::string s;
    std::vector<json> items;       // array elements, object values
    std::vector<std::string> keys; // object keys

    const json &operator[](const std::string &key) const
    {
        static const json none;
        for (std::size_t i = 0; i < keys.size(); ++i)
            if (keys[i] == key)
                return items[i];
        return none;
    }
    const std::string &str(const std::string &key) const { return (*this)[key].s; }
};

class json_reader {
  public:
    explicit json_reader(std::string text) : t_(std::move(text)) {}
    // False on a syntax error.
    bool parse(json &out)
    {
        bool ok = value(out);
        ws();
        return ok && i_ == t_.size();
    }

  private:
    void ws()
    {
        while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\n' || t_[i_] == '\r' || t_[i_] == '\t'))
            ++i_;
    }
    bool eat(char ch)
    {
        ws();
        if (i_ < t_.size() && t_[i_] == ch) {
            ++i_;
            return true;
        }
        return false;
    }
    bool word(const char *w)
    {
        std::size_t n = std::strlen(w);
        if (t_.compare(i_, n, w) != 0)
            return false;
        i_ += n;
        return true;
    }
    bool string_(std::string &out)
    {
        if (!eat('"'))
            return false;
        for (; i_ < t_.size() && t_[i_] != '"'; ++i_) {
            if (t_[i_] != '\\') {
                out += t_[i_];
                continue;
            }
            if (++i_ >= t_.size())
                return false;
            switch (t_[i_]) {
            case 'n': out += '\n'; break;
            case 't': out += '\t'; break;
            case 'r': out += '\r'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'u': {
                // Code points below U+0800 suffice here (UTF-8, 1-2 bytes).
                unsigned cp = static_cast<unsigned>(std::strtoul(t_.substr(i_ + 1, 4).c_str(), nullptr, 16));
                if (cp >= 0x800)
                    return false;
                if (cp < 0x80)
                    out += static_cast<char>(cp);
                else {
                    out += static_cast<char>(0xC0 | (cp >> 6));
                    out += static_cast<char>(0x80 | (cp & 0x3F));
                }
                i_ += 4;
                break;
            }
            default: out += t_[i_]; // \" \\ \/
            }
        }
        return eat('"');
    }
    bool value(json &v)
    {
        ws();
        if (i_ >= t_.size())
            return false;
        char ch = t_[i_];
        if (ch == '"') {
            v.kind = json::string;
            return string_(v.s);
        }
        if (ch == '[') {
            v.kind = json::array;
            ++i_;
            if (eat(']'))
                return true;
            do {
                v.items.emplace_back();
                if (!value(v.items.back()))
                    return false;
            } while (eat(','));
            return eat(']');
        }
        if (ch == '{') {
            v.kind = json::object;
            ++i_;
            if (eat('}'))
                return true;
            do {
                v.keys.emplace_back();
                v.items.emplace_back();
                if (!string_(v.keys.back()) || !eat(':') || !value(v.items.back()))
                    return false;
            } while (eat(','));
            return eat('}');
        }
        if (word("null"))
            return true;
        if (word("true") || word("false")) {
            v.kind = json::boolean;
            v.b = t_[i_ - 1] == 'e' && t_[i_ - 2] == 'u';
            return true;
        }
        char *end = nullptr;
        v.kind = json::number;
        v.n = std::strtoll(t_.c_str() + i_, &end, 10);
        if (end == t_.c_str() + i_ || *end == '.' || *end == 'e' || *end == 'E')
            return false; // integers only
        i_ = static_cast<std::size_t>(end - t_.c_str());
        return true;
    }
    std::string t_;
    std::size_t i_ = 0;
};

std::string g_data; // tests/data

json load_json(const std::string &name)
{
    std::ifstream f(g_data + "/" + name, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    json doc;
    check(f.good() || f.eof(), "read " + name);
    check(json_reader(text).parse(doc) && doc["cases"].kind == json::array, "parse " + name);
    return doc;
}

std::string unhex(const std::string &hex)
{
    std::string out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
    return out;
}

// ---------------------------------------------------------------------------
// Checksums against botocore/awscrt (tests/data/checksum-vectors.json).

void test_checksums()
{
    const json doc = load_json("checksum-vectors.json");
    const std::pair<const char *, sigv4rs_checksum> kinds[] = {
        {"crc32", SIGV4RS_CHECKSUM_CRC32},         {"crc32c", SIGV4RS_CHECKSUM_CRC32C}, {"crc64nvme", SIGV4RS_CHECKSUM_CRC64NVME},
        {"sha1", SIGV4RS_CHECKSUM_SHA1},           {"sha256", SIGV4RS_CHECKSUM_SHA256},
    };
    int matched = 0, total = 0;
    for (const json &c : doc["cases"].items) {
        std::string data = unhex(c.str("payload_hex"));
        for (long long k = 0; k < c["count"].n; ++k)
            data += unhex(c.str("repeat_hex"));
        for (const auto &kind : kinds) {
            const std::string &want = c.str(kind.first);
            // Uneven pieces; a copy made a third of the way forks the checksum.
            sigv4rs::checksum ck(kind.second);
            const std::string_view all(data);
            ck.update(all.substr(0, all.size() / 3));
            sigv4rs::checksum fork = ck;
            for (std::size_t at = all.size() / 3; at < all.size(); at += 997)
                ck.update(all.substr(at, 997));
            sigv4rs::checksum_header h = ck.finish();
            sigv4rs::checksum_header f = fork.update(all.substr(all.size() / 3)).finish();
            sigv4rs::checksum_header once = sigv4rs::checksum_of(kind.second, data);
            const std::string name = std::string("x-amz-checksum-") + kind.first;
            bool ok = !want.empty() && h.value == want && f.value == want && once.value == want && h.name == name &&
                      once.name == name;
            ++total;
            matched += ok;
            if (!ok)
                std::printf("FAIL checksum %s of \"%s\": got %s %s (fork %s), want %s %s\n", kind.first, c.str("name").c_str(),
                            std::string(h.name).c_str(), h.value.c_str(), f.value.c_str(), name.c_str(), want.c_str());
        }
    }
    check(total >= 150 && matched == total,
          "checksums match botocore/awscrt: " + std::to_string(matched) + "/" + std::to_string(total));

    // Names, errors, caller memory, reuse.
    check_eq(std::string(sigv4rs::checksum_header_name(SIGV4RS_CHECKSUM_CRC64NVME)), "x-amz-checksum-crc64nvme", "checksum_header_name");
    check(sigv4rs::checksum_header_name(SIGV4RS_CHECKSUM_NONE).empty() &&
              sigv4rs::checksum_header_name(static_cast<sigv4rs_checksum>(6)).empty(),
          "checksum_header_name of NONE and an unknown kind: empty");
    check(sigv4rs::checksum::try_create(SIGV4RS_CHECKSUM_NONE).status() == SIGV4RS_STATUS_INVALID_ARGUMENT,
          "checksum::try_create(NONE)");
    expect_error(SIGV4RS_STATUS_INVALID_ARGUMENT, "checksum of an unknown kind",
                 [] { sigv4rs::checksum ck(static_cast<sigv4rs_checksum>(6)); });
    check(sigv4rs::try_checksum_of(SIGV4RS_CHECKSUM_NONE, "x").status() == SIGV4RS_STATUS_INVALID_ARGUMENT, "try_checksum_of(NONE)");
    const json &check9 = doc["cases"].items.at(1); // "123456789"
    sigv4rs::checksum ck(SIGV4RS_CHECKSUM_SHA256);
    check(ck.kind() == SIGV4RS_CHECKSUM_SHA256 && ck.header_name() == "x-amz-checksum-sha256", "checksum::kind, header_name");
    ck.update(unhex(check9.str("payload_hex")));
    const std::string want = check9.str("sha256");
    char small[SIGV4RS_CHECKSUM_MAX_LEN + 1];
    auto r = ck.try_finish_into(sigv4rs::buffer(small, want.size()));
    check(r.status() == SIGV4RS_STATUS_BUFFER_TOO_SMALL && r.needed() == want.size() + 1, "finish_into one byte short");
    std::size_t n = ck.finish_into(small);
    check(n == want.size() + 1 && std::string(small) == want, "finish_into after a short buffer: the same checksum");
    check(ck.try_finish().status() == SIGV4RS_STATUS_NOT_INITIALIZED, "finish twice");
    check(ck.try_update("x").status() == SIGV4RS_STATUS_NOT_INITIALIZED, "update after finish");
    ck.reset();
    check_eq(ck.finish().value, doc["cases"].items.at(0).str("sha256"), "reset: the checksum of nothing");

    // The header goes into the request before signing, and is signed.
    sigv4rs::signer s(doc_config());
    sigv4rs::request req = doc_get();
    sigv4rs::checksum_header h = sigv4rs::checksum_of(SIGV4RS_CHECKSUM_CRC32, unhex(check9.str("payload_hex")));
    req.headers.push_back({h.name, h.value});
    std::string creq = s.canonical_request(req, DOC_T);
    check(creq.find("\nx-amz-checksum-crc32:" + check9.str("crc32") + "\n") != std::string::npos &&
              creq.find(";x-amz-checksum-crc32;") != std::string::npos,
          "a checksum header is signed");
}

// ---------------------------------------------------------------------------
// S3 Express One Zone against botocore (tests/data/s3express-vectors.json).

sigv4rs::config express_config(const json &c)
{
    sigv4rs::config cfg;
    cfg.access_key_id = c.str("access_key_id");
    cfg.secret_access_key = c.str("secret_access_key");
    cfg.session_token = c.str("session_token");
    cfg.region = c.str("region");
    cfg.service = c.str("service");
    cfg.flags = sigv4rs::flag_s3express; // S3 rules are implied
    return cfg;
}

// A header's value, its name in any case ("" when absent).
std::string value_ci(const sigv4rs::header_list &h, std::string name)
{
    auto low = [](std::string v) {
        for (char &ch : v)
            ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        return v;
    };
    for (const auto &nv : h)
        if (low(nv.first) == low(name))
            return nv.second;
    return "";
}

bool starts_with(const std::string &s, const std::string &prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

std::vector<std::string> lowered_pairs(const std::vector<std::pair<std::string, std::string>> &h)
{
    std::vector<std::string> v;
    for (const auto &nv : h) {
        std::string name = nv.first;
        for (char &ch : name)
            ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        v.push_back(name + ":" + nv.second);
    }
    std::sort(v.begin(), v.end());
    return v;
}

void test_s3express()
{
    const json doc = load_json("s3express-vectors.json");
    int matched = 0, total = 0;
    for (const json &c : doc["cases"].items) {
        const bool presign = c.str("mode") == "presign";
        const std::int64_t t = c["unix_time"].n;
        const auto expires = static_cast<std::uint32_t>(c["expires"].n);
        sigv4rs::request req;
        req.method = c.str("method");
        req.url = c.str("url");
        for (const json &h : c["headers"].items)
            req.headers.push_back({h.items.at(0).s, h.items.at(1).s});
        req.payload = c.str("body");
        req.payload_mode = presign                      ? SIGV4RS_PAYLOAD_MODE_AUTO
                           : c["payload_signing"].b ? SIGV4RS_PAYLOAD_MODE_BYTES
                                                        : SIGV4RS_PAYLOAD_MODE_UNSIGNED;
        const sigv4rs_auth auth = presign ? SIGV4RS_AUTH_PRESIGN : SIGV4RS_AUTH_HEADERS;
        sigv4rs::signer s(express_config(c));
        bool ok = s.canonical_request(req, t, auth, presign ? expires : 0) == c.str("canonical_request") &&
                  s.string_to_sign(req, t, auth, presign ? expires : 0) == c.str("string_to_sign");
        if (presign) {
            ok = ok && s.presign(req, t, expires) == c.str("presigned_url");
        } else {
            std::vector<std::pair<std::string, std::string>> want;
            for (const json &h : c["output_headers"].items)
                want.emplace_back(h.items.at(0).s, h.items.at(1).s);
            ok = ok && lowered_pairs(s.sign_headers(req, t)) == lowered_pairs(want);
        }
        ++total;
        matched += ok;
        if (!ok)
            std::printf("FAIL s3express %s differs from botocore\n", c.str("id").c_str());
    }
    check(total >= 200 && matched == total, "s3express matches botocore: " + std::to_string(matched) + "/" + std::to_string(total));

    // The flag's rules.
    const json &seed = doc["cases"].items.at(0);
    sigv4rs::config no_token = express_config(seed);
    no_token.session_token = {};
    check(sigv4rs::signer::try_create(no_token).status() == SIGV4RS_STATUS_INVALID_SESSION_TOKEN, "s3express without a token");
    sigv4rs::config both = express_config(seed);
    both.flags |= sigv4rs::flag_sigv4a;
    expect_error(SIGV4RS_STATUS_INVALID_ARGUMENT, "s3express with sigv4a", [&] { sigv4rs::signer bad(both); });

    // CreateSession documents, read as botocore reads them.
    sigv4rs::request get;
    get.method = "GET";
    get.url = seed.str("url");
    get.payload_mode = SIGV4RS_PAYLOAD_MODE_UNSIGNED;
    int docs = 0;
    for (const json &d : doc["create_session"].items) {
        const std::string id = "rotate_xml " + d.str("id");
        sigv4rs::signer s(express_config(seed));
        const std::string before = value_of(s.sign_headers(get, seed["unix_time"].n), "Authorization");
        const json &want = d["credentials"];
        if (want.kind == json::null) {
            expect_error(SIGV4RS_STATUS_INVALID_CREDENTIALS_DOCUMENT, id, [&] { s.rotate_xml(d.str("xml")); });
            check(s.try_rotate_xml(d.str("xml")).status() == SIGV4RS_STATUS_INVALID_CREDENTIALS_DOCUMENT, "try_" + id);
            check_eq(value_of(s.sign_headers(get, seed["unix_time"].n), "Authorization"), before, id + ": credentials kept");
            continue;
        }
        s.rotate_xml(d.str("xml"));
        const std::int64_t exp = want["expiration"].n;
        check(s.expiration() == exp, id + ": expiration");
        sigv4rs::config ref = express_config(seed);
        ref.access_key_id = want.str("access_key_id");
        ref.secret_access_key = want.str("secret_access_key");
        ref.session_token = want.str("session_token");
        sigv4rs::header_list got = s.sign_headers(get, exp - 60);
        check(got == sigv4rs::signer(ref).sign_headers(get, exp - 60) &&
                  value_ci(got, "x-amz-s3session-token") == want.str("session_token") && value_ci(got, "x-amz-security-token").empty(),
              id + ": signs with botocore's credentials, token in x-amz-s3session-token");
        expect_error(SIGV4RS_STATUS_CREDENTIALS_EXPIRED, id + ": expired", [&] { (void)s.sign_headers(get, exp); });
        ++docs;
    }
    check(docs >= 5, "CreateSession documents checked");
}

// ---------------------------------------------------------------------------
// SigV4a through the wrapper: the request's shape (the official suite,
// suite_test, verifies the signatures).

void test_sigv4a()
{
    sigv4rs::config cfg = doc_config();
    cfg.region = "*";
    cfg.flags |= sigv4rs::flag_sigv4a;
    sigv4rs::signer s(cfg);
    sigv4rs::header_list h = s.sign_headers(doc_get(), DOC_T);
    const std::string auth = value_of(h, "Authorization"), sig = signature_of(h);
    check_eq(value_of(h, "X-Amz-Region-Set"), "*", "sigv4a: X-Amz-Region-Set");
    check(starts_with(auth, std::string("AWS4-ECDSA-P256-SHA256 Credential=") + DOC_AKID + "/20130524/s3/aws4_request, "),
          "sigv4a: algorithm and a scope without region: " + auth);
    check(!sig.empty() && sig.size() % 2 == 0 && sig.size() <= sigv4rs::sigv4a_signature_max_len &&
              sig.find_first_not_of("0123456789abcdef") == std::string::npos && sig.compare(0, 2, "30") == 0,
          "sigv4a: hex DER signature: " + sig);
    check(starts_with(s.string_to_sign(doc_get(), DOC_T), "AWS4-ECDSA-P256-SHA256\n20130524T000000Z\n20130524/s3/aws4_request\n"),
          "sigv4a: string to sign");
    std::string url = s.presign(doc_get(), DOC_T, 60);
    check(url.find("X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256") != std::string::npos && url.find("X-Amz-Region-Set=%2A") != std::string::npos,
          "sigv4a: presigned URL: " + url);
    // Caller memory sized by the constant: a header-mode Authorization fits
    // its fixed part plus SIGV4RS_SIGV4A_SIGNATURE_MAX_LEN.
    std::array<char, 1024> buf;
    check(s.sign_headers_into(doc_get(), DOC_T, buf) > 0, "sigv4a: sign_headers_into");

    sigv4rs::config empty = cfg;
    empty.region = {};
    expect_error(SIGV4RS_STATUS_INVALID_REGION_SET, "sigv4a: empty region set", [&] { sigv4rs::signer bad(empty); });
    check(sigv4rs::signer::try_create(g_storage, empty).status() == SIGV4RS_STATUS_INVALID_REGION_SET, "sigv4a: try_create, storage");
}

// ---------------------------------------------------------------------------
// SigV4a aws-chunked: the user's mode names (SIGNED, SIGNED_TRAILER,
// UNSIGNED_TRAILER) on a SigV4a signer. ECDSA signatures cannot be compared,
// so the test parses each body and verifies every chunk and trailer
// signature with libcrypto, under the official suite's public key (for its
// AKIDEXAMPLE credentials) and aws-c-auth's key for the documentation
// credentials, over strings to sign built here from aws-c-auth's rules
// (tests/test_chunked_signing.c): "AWS4-ECDSA-P256-SHA256-PAYLOAD" /
// "-TRAILER", the scope without region, the previous signature unpadded,
// each wire signature hex DER padded with '*' to 144 characters. Trailer
// values are computed here too (bitwise CRCs, libcrypto's SHA-1/SHA-256).

namespace v4a_chunked {

constexpr const char *DATE = "20130524T000000Z";
constexpr const char *SCOPE = "20130524/s3/aws4_request";
constexpr const char *EMPTY_SHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
// aws-c-auth's public key for DOC_AKID / DOC_SECRET (s_chunked_test_ecc_pub_x / _y).
constexpr const char *DOC_PUB_X = "18b7d04643359f6ec270dcbab8dce6d169d66ddc9778c75cfb08dfdb701637ab";
constexpr const char *DOC_PUB_Y = "fa36b35e4fe67e3112261d2e17a956ef85b06e44712d2850bcd3c2161e9993f2";

struct pkey_free {
    void operator()(EVP_PKEY *k) const { EVP_PKEY_free(k); }
};
using pkey = std::unique_ptr<EVP_PKEY, pkey_free>;

pkey p256_key(const std::string &x_hex, const std::string &y_hex)
{
    std::string point = std::string(1, '\x04') + unhex(x_hex) + unhex(y_hex);
    char group[] = "prime256v1";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, &point[0], point.size()),
        OSSL_PARAM_construct_end(),
    };
    std::unique_ptr<EVP_PKEY_CTX, void (*)(EVP_PKEY_CTX *)> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr), EVP_PKEY_CTX_free);
    EVP_PKEY *k = nullptr;
    if (point.size() != 65 || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &k, EVP_PKEY_PUBLIC_KEY, params) != 1)
        return nullptr;
    return pkey(k);
}

bool is_hex(const std::string &s) { return !s.empty() && s.size() % 2 == 0 && s.find_first_not_of("0123456789abcdef") == std::string::npos; }

// Whether `sig_hex` (hex DER ECDSA) signs `msg` under `key`.
bool verifies(EVP_PKEY *key, const std::string &msg, const std::string &sig_hex)
{
    if (key == nullptr || !is_hex(sig_hex))
        return false;
    std::string der = unhex(sig_hex);
    std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX *)> md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    return md && EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha256(), nullptr, key) == 1 &&
           EVP_DigestVerify(md.get(), reinterpret_cast<const unsigned char *>(der.data()), der.size(),
                            reinterpret_cast<const unsigned char *>(msg.data()), msg.size()) == 1;
}

std::string digest(const EVP_MD *md, std::string_view data)
{
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(data.data(), data.size(), out, &n, md, nullptr);
    return std::string(reinterpret_cast<const char *>(out), n);
}

std::string hex(const std::string &bytes)
{
    static const char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char b : bytes)
        out += std::string{digits[b >> 4], digits[b & 15]};
    return out;
}

std::string base64(const std::string &bytes)
{
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char *>(&out[0]), reinterpret_cast<const unsigned char *>(bytes.data()),
                            static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

// A reflected CRC, bit by bit (init and final xor all ones), big-endian bytes.
std::string crc(std::uint64_t poly, int bits, std::string_view data)
{
    const std::uint64_t mask = bits == 64 ? ~std::uint64_t(0) : (std::uint64_t(1) << bits) - 1;
    std::uint64_t c = mask;
    for (unsigned char b : data) {
        c ^= b;
        for (int k = 0; k < 8; ++k)
            c = (c & 1) != 0 ? (c >> 1) ^ poly : c >> 1;
    }
    c ^= mask;
    std::string out;
    for (int shift = bits - 8; shift >= 0; shift -= 8)
        out += static_cast<char>((c >> shift) & 0xff);
    return out;
}

// The trailer line's name and base64 value for `kind` over `data`.
std::pair<std::string, std::string> trailer_of(sigv4rs_checksum kind, std::string_view data)
{
    switch (kind) {
    case SIGV4RS_CHECKSUM_CRC32: return {"x-amz-checksum-crc32", base64(crc(0xEDB88320, 32, data))};
    case SIGV4RS_CHECKSUM_CRC32C: return {"x-amz-checksum-crc32c", base64(crc(0x82F63B78, 32, data))};
    case SIGV4RS_CHECKSUM_SHA256: return {"x-amz-checksum-sha256", base64(digest(EVP_sha256(), data))};
    case SIGV4RS_CHECKSUM_CRC64NVME: return {"x-amz-checksum-crc64nvme", base64(crc(0x9A6C9329AC4BC9B5, 64, data))};
    case SIGV4RS_CHECKSUM_SHA1: return {"x-amz-checksum-sha1", base64(digest(EVP_sha1(), data))};
    default: return {};
    }
}

// A wire signature: hex DER, '*'-padded to exactly 144 characters; "" if not.
std::string unpad(const std::string &field)
{
    if (field.size() != SIGV4RS_SIGV4A_SIGNATURE_MAX_LEN)
        return "";
    std::string sig = field.substr(0, field.find('*'));
    if (field.find_first_not_of('*', sig.size()) != std::string::npos || !is_hex(sig))
        return "";
    return sig;
}

// Checks an aws-chunked body of `mode` (the user's name) signed from `seed`:
// every signature under `key`, the trailer's value, the framing. Returns ""
// and the decoded bytes in `data`, or what is wrong; `sigs` counts the
// signatures verified.
std::string verify_body(const std::string &body, const std::string &seed, sigv4rs_stream_mode mode, sigv4rs_checksum kind,
                        EVP_PKEY *key, std::string &data, int &sigs)
{
    const bool signed_chunks = mode != SIGV4RS_STREAM_MODE_UNSIGNED_TRAILER;
    std::string prev = seed;
    std::size_t at = 0;
    data.clear();
    sigs = 0;
    for (;;) {
        std::size_t eol = body.find("\r\n", at);
        if (eol == std::string::npos)
            return "no chunk header line";
        std::string line = body.substr(at, eol - at), size_hex = line, field;
        at = eol + 2;
        std::size_t semi = line.find(";chunk-signature=");
        if (semi != std::string::npos) {
            size_hex = line.substr(0, semi);
            field = line.substr(semi + 17);
        }
        if (size_hex.empty() || size_hex.size() > 8 || size_hex.find_first_not_of("0123456789abcdef") != std::string::npos)
            return "chunk size: " + line;
        const std::size_t size = std::stoul(size_hex, nullptr, 16);
        if (body.size() - at < size)
            return "short chunk";
        const std::string chunk = body.substr(at, size);
        if (!signed_chunks && semi != std::string::npos)
            return "a signature in the unsigned mode";
        if (signed_chunks) {
            std::string sig = unpad(field);
            if (sig.empty())
                return "chunk signature not 144 padded characters: " + field;
            std::string sts = std::string("AWS4-ECDSA-P256-SHA256-PAYLOAD\n") + DATE + "\n" + SCOPE + "\n" + prev + "\n" + EMPTY_SHA + "\n" +
                              hex(digest(EVP_sha256(), chunk));
            if (!verifies(key, sts, sig))
                return "chunk of " + std::to_string(size) + " bytes at " + std::to_string(data.size()) + ": signature does not verify";
            ++sigs;
            prev = sig;
        }
        data += chunk;
        at += size;
        if (size == 0)
            break;
        if (body.compare(at, 2, "\r\n") != 0)
            return "no CRLF after chunk data";
        at += 2;
    }
    const std::string rest = body.substr(at);
    if (mode == SIGV4RS_STREAM_MODE_SIGNED || mode == SIGV4RS_STREAM_MODE_SIGNED_V4A)
        return rest == "\r\n" ? "" : "bad end: " + rest;
    auto want = trailer_of(kind, data);
    const std::string trailer = want.first + ":" + want.second;
    if (rest.compare(0, trailer.size() + 2, trailer + "\r\n") != 0)
        return "trailer: want " + trailer + ", body ends " + rest;
    std::size_t next = trailer.size() + 2;
    if (signed_chunks) {
        const std::string prefix = "x-amz-trailer-signature:";
        std::size_t eol = rest.find("\r\n", next);
        if (rest.compare(next, prefix.size(), prefix) != 0 || eol == std::string::npos)
            return "no trailer signature";
        std::string sig = unpad(rest.substr(next + prefix.size(), eol - next - prefix.size()));
        std::string sts = std::string("AWS4-ECDSA-P256-SHA256-TRAILER\n") + DATE + "\n" + SCOPE + "\n" + prev + "\n" +
                          hex(digest(EVP_sha256(), trailer + "\n"));
        if (sig.empty() || !verifies(key, sts, sig))
            return "trailer signature does not verify";
        ++sigs;
        next = eol + 2;
    }
    return rest.substr(next) == "\r\n" ? "" : "no closing blank line";
}

// The first `key value` of the suite's v4a vector file.
std::string suite_value(const std::string &text, const std::string &key)
{
    std::size_t at = text.find("\n" + key + " ");
    if (at == std::string::npos)
        return "";
    at += key.size() + 2;
    return text.substr(at, text.find('\n', at) - at);
}

// Byte i of the object: (i*31+7) % 251.
std::string object(std::size_t n)
{
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i)
        s[i] = static_cast<char>((i % 251 * 31 + 7) % 251);
    return s;
}

const char *mode_name(sigv4rs_stream_mode m)
{
    switch (m) {
    case SIGV4RS_STREAM_MODE_SIGNED: return "signed";
    case SIGV4RS_STREAM_MODE_SIGNED_TRAILER: return "signed trailer";
    case SIGV4RS_STREAM_MODE_UNSIGNED_TRAILER: return "unsigned trailer";
    case SIGV4RS_STREAM_MODE_SIGNED_V4A: return "SIGNED_V4A";
    default: return "SIGNED_TRAILER_V4A";
    }
}

// The body the wrapper makes: chunks of shape.chunk_size, the last short.
// `into`: the _into forms in buffers of the wrapper's max sizes.
std::string upload(sigv4rs::chunked_upload &up, const std::string &data, std::uint32_t chunk_size, bool into)
{
    std::string body;
    for (std::size_t off = 0; off < data.size(); off += chunk_size) {
        std::string_view piece = std::string_view(data).substr(off, chunk_size);
        if (into) {
            char line[sigv4rs::chunked_upload::chunk_header_max_len];
            body.append(line, up.sign_chunk_into(piece, line));
        } else {
            body += up.sign_chunk(piece);
        }
        body.append(piece.data(), piece.size());
        body += "\r\n";
    }
    if (into) {
        char tail[sigv4rs::chunked_upload::finish_max_len];
        body.append(tail, up.finish_into(tail));
    } else {
        body += up.finish();
    }
    return body;
}

} // namespace v4a_chunked

void chunked_v4a_cases()
{
    using namespace v4a_chunked;
    std::ifstream f(g_data + "/suite-v4a-vectors.txt", std::ios::binary);
    const std::string suite((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    const std::string akid = suite_value(suite, "access_key_id"), secret = suite_value(suite, "secret_access_key");
    pkey suite_key = p256_key(suite_value(suite, "public_key_x"), suite_value(suite, "public_key_y"));
    pkey doc_key = p256_key(DOC_PUB_X, DOC_PUB_Y);
    check(akid == "AKIDEXAMPLE" && suite_key && doc_key, "v4a chunked: the suite's credentials and public keys");
    // The test's own CRCs against the catalogue check values of "123456789".
    check(hex(crc(0xEDB88320, 32, "123456789")) == "cbf43926" && hex(crc(0x82F63B78, 32, "123456789")) == "e3069283" &&
              hex(crc(0x9A6C9329AC4BC9B5, 64, "123456789")) == "ae8b14860a799888",
          "v4a chunked: the verifier's CRC32, CRC32C, CRC64NVME check values");

    sigv4rs::config cfg{akid, secret, {}, "us-east-1", "s3"};
    cfg.flags = sigv4rs::flag_s3 | sigv4rs::flag_sigv4a;
    const sigv4rs::signer s(cfg);
    check(s.sigv4a(), "signer::sigv4a");
    sigv4rs::request req;
    req.method = "PUT";
    req.url = "https://examplebucket.s3.amazonaws.com/chunkObject.txt";
    const std::uint32_t chunk = 8192;
    const std::string data = object(3 * chunk + 1000); // three full chunks and a short one

    struct variant {
        sigv4rs_stream_mode mode;
        sigv4rs_checksum kind;
        const char *content_sha256;
    };
    const char *signed_payload = "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD";
    const char *signed_trailer = "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER";
    const char *unsigned_trailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
    std::vector<variant> variants = {{SIGV4RS_STREAM_MODE_SIGNED, SIGV4RS_CHECKSUM_NONE, signed_payload}};
    for (sigv4rs_checksum k : {SIGV4RS_CHECKSUM_CRC32, SIGV4RS_CHECKSUM_CRC32C, SIGV4RS_CHECKSUM_SHA256, SIGV4RS_CHECKSUM_CRC64NVME,
                               SIGV4RS_CHECKSUM_SHA1}) {
        variants.push_back({SIGV4RS_STREAM_MODE_SIGNED_TRAILER, k, signed_trailer});
        variants.push_back({SIGV4RS_STREAM_MODE_UNSIGNED_TRAILER, k, unsigned_trailer});
    }
    // The C names are accepted as they are.
    variants.push_back({SIGV4RS_STREAM_MODE_SIGNED_V4A, SIGV4RS_CHECKSUM_NONE, signed_payload});
    variants.push_back({SIGV4RS_STREAM_MODE_SIGNED_TRAILER_V4A, SIGV4RS_CHECKSUM_CRC64NVME, signed_trailer});

    std::string kept_body, kept_seed; // a signed CRC64NVME upload, to tamper with
    int index = 0;
    for (const variant &v : variants) {
        const bool into = index++ % 2 == 1; // every other upload through the _into forms
        const std::string what = std::string("v4a chunked ") + mode_name(v.mode) + " " + std::to_string(v.kind) + (into ? " (_into)" : "");
        const sigv4rs::stream shape{v.mode, v.kind, data.size(), chunk};
        sigv4rs::chunked_upload up(s);
        const std::uint64_t declared = up.encoded_length(shape);
        check(sigv4rs::encoded_length(s, shape) == declared, what + ": encoded_length(signer, shape)");
        sigv4rs::header_list h;
        if (into) {
            std::array<char, 2048> hb;
            std::size_t n = up.begin_into(req, DOC_T, shape, hb);
            for (std::string_view l : sigv4rs::header_lines(hb.data(), n))
                h.emplace_back(std::string(sigv4rs::split_header(l).first), std::string(sigv4rs::split_header(l).second));
        } else {
            h = up.begin(req, DOC_T, shape);
        }
        check(h.size() <= SIGV4RS_SIGV4A_MAX_OUTPUT_HEADERS && value_of(h, "X-Amz-Region-Set") == "us-east-1" &&
                  value_of(h, "X-Amz-Decoded-Content-Length") == std::to_string(data.size()),
              what + ": seed headers");
        check_eq(value_of(h, "X-Amz-Content-SHA256"), v.content_sha256, what + ": X-Amz-Content-SHA256");
        check(starts_with(value_of(h, "Authorization"), "AWS4-ECDSA-P256-SHA256 "), what + ": SigV4a seed");
        const std::string body = upload(up, data, chunk, into);
        check(value_of(h, "Content-Length") == std::to_string(declared) && declared == body.size(),
              what + ": Content-Length " + value_of(h, "Content-Length") + ", encoded_length " + std::to_string(declared) +
                  ", bytes sent " + std::to_string(body.size()));
        std::string decoded;
        int sigs = 0;
        std::string err = verify_body(body, signature_of(h), v.mode, v.kind, suite_key.get(), decoded, sigs);
        check(err.empty() && decoded == data, what + ": " + (err.empty() ? "decoded bytes differ" : err));
        const bool signed_mode = v.mode != SIGV4RS_STREAM_MODE_UNSIGNED_TRAILER;
        const int want_sigs = signed_mode ? 5 + (v.kind != SIGV4RS_CHECKSUM_NONE) : 0;
        check(sigs == want_sigs, what + ": " + std::to_string(sigs) + " signatures verified");
        if (signed_mode && v.kind != SIGV4RS_CHECKSUM_NONE)
            check_eq(value_of(h, "X-Amz-Trailer"), trailer_of(v.kind, "").first, what + ": X-Amz-Trailer");
        if (v.mode == SIGV4RS_STREAM_MODE_SIGNED_TRAILER && v.kind == SIGV4RS_CHECKSUM_CRC64NVME) {
            kept_body = body;
            kept_seed = signature_of(h);
        }
    }

    // The verifier fails what it must: a byte of the second chunk, the
    // trailer's value, the seed, the key.
    std::string decoded;
    int sigs = 0;
    std::string tampered = kept_body;
    std::size_t second = tampered.find("\r\n", tampered.find("\r\n") + 2 + chunk + 2) + 2 + 100;
    tampered[second] = static_cast<char>(tampered[second] ^ 1);
    check(verify_body(tampered, kept_seed, SIGV4RS_STREAM_MODE_SIGNED_TRAILER, SIGV4RS_CHECKSUM_CRC64NVME, suite_key.get(), decoded, sigs)
              .find("chunk of 8192 bytes at 8192: signature does not verify") == 0,
          "v4a chunked: a tampered chunk fails verification");
    tampered = kept_body;
    std::size_t value = tampered.find("x-amz-checksum-crc64nvme:") + 25;
    tampered[value] = tampered[value] == 'A' ? 'B' : 'A';
    check(!verify_body(tampered, kept_seed, SIGV4RS_STREAM_MODE_SIGNED_TRAILER, SIGV4RS_CHECKSUM_CRC64NVME, suite_key.get(), decoded, sigs)
               .empty(),
          "v4a chunked: a tampered trailer fails verification");
    std::string seed = kept_seed;
    seed[10] = seed[10] == 'a' ? 'b' : 'a';
    check(!verify_body(kept_body, seed, SIGV4RS_STREAM_MODE_SIGNED_TRAILER, SIGV4RS_CHECKSUM_CRC64NVME, suite_key.get(), decoded, sigs).empty(),
          "v4a chunked: another seed fails verification");
    check(!verify_body(kept_body, kept_seed, SIGV4RS_STREAM_MODE_SIGNED_TRAILER, SIGV4RS_CHECKSUM_CRC64NVME, doc_key.get(), decoded, sigs)
               .empty(),
          "v4a chunked: another key fails verification");

    // aws-c-auth's credentials and key from caller storage; a session token
    // and an upper-case host: the most seed lines (a Host line too).
    sigv4rs::config dc{DOC_AKID, DOC_SECRET, "session-token", "*", "s3"};
    dc.flags = sigv4rs::flag_s3 | sigv4rs::flag_sigv4a;
    sigv4rs::signer ds(g_storage, dc);
    sigv4rs::chunked_upload moved(ds);
    sigv4rs::chunked_upload du(std::move(moved));
    const sigv4rs::stream dshape{SIGV4RS_STREAM_MODE_SIGNED_TRAILER, SIGV4RS_CHECKSUM_SHA1, data.size(), chunk};
    sigv4rs::request hreq;
    hreq.method = "PUT";
    hreq.host = "ExampleBucket.s3.amazonaws.com";
    hreq.path = "/chunkObject.txt";
    sigv4rs::header_list dh = du.begin(hreq, DOC_T, dshape);
    check(dh.size() == SIGV4RS_SIGV4A_MAX_OUTPUT_HEADERS && value_of(dh, "X-Amz-Security-Token") == "session-token" &&
              value_of(dh, "Host") == "examplebucket.s3.amazonaws.com",
          "v4a chunked: token seed, " + std::to_string(dh.size()) + " lines");
    std::string dbody = upload(du, data, chunk, false);
    check(dbody.size() == sigv4rs::encoded_length(ds, dshape) && value_of(dh, "Content-Length") == std::to_string(dbody.size()),
          "v4a chunked: documentation credentials, Content-Length");
    std::string err = verify_body(dbody, signature_of(dh), dshape.mode, dshape.checksum, doc_key.get(), decoded, sigs);
    check(err.empty() && decoded == data && sigs == 6, "v4a chunked: aws-c-auth's key verifies: " + err);

    // Lengths: a SigV4a signer's body is the _V4A mode's, longer than SigV4's.
    const sigv4rs::stream plain{SIGV4RS_STREAM_MODE_SIGNED, SIGV4RS_CHECKSUM_NONE, data.size(), chunk};
    sigv4rs::stream v4a_mode = plain;
    v4a_mode.mode = SIGV4RS_STREAM_MODE_SIGNED_V4A;
    check(sigv4rs::encoded_length(s, plain) == sigv4rs::encoded_length(v4a_mode) &&
              sigv4rs::encoded_length(s, plain) > sigv4rs::encoded_length(plain),
          "v4a chunked: encoded_length by signer");
    // A SigV4 signer keeps the SigV4 modes; the _V4A ones are the library's INVALID_ARGUMENT.
    sigv4rs::signer v4(doc_config());
    check(!v4.sigv4a() && sigv4rs::encoded_length(v4, plain) == sigv4rs::encoded_length(plain), "v4 signer: SigV4 lengths");
    sigv4rs::chunked_upload v4up(v4);
    check(v4up.try_begin(req, DOC_T, v4a_mode).status() == SIGV4RS_STATUS_INVALID_ARGUMENT, "v4 signer refuses SIGNED_V4A");
}

void test_chunked_v4a()
{
    try {
        chunked_v4a_cases();
    } catch (const std::exception &e) {
        check(false, std::string("v4a chunked: ") + e.what());
    }
}

} // namespace

int main(int argc, char **argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s DATA_DIR (tests/data)\n", argv[0]);
        return 2;
    }
    g_data = argv[1];
    char tmpl[] = "/tmp/sigv4rs-cpp-unit-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) {
        std::perror("mkdtemp");
        return 2;
    }
    g_home = tmpl;
    clear_aws_env();
    test_basics();
    test_sign_and_presign();
    test_payloads_and_hasher();
    test_errors();
    test_large_outputs();
    test_move_and_storage();
    test_from_env_and_time();
    test_rotation();
    test_providers();
    test_chain();
    test_chunked();
    test_threads();
    test_checksums();
    test_s3express();
    test_sigv4a();
    test_chunked_v4a();
    std::filesystem::remove_all(g_home);
    std::printf("unit: %d/%d checks passed\n", g_checks - g_failures, g_checks);
    return g_failures == 0 ? 0 : 1;
}
