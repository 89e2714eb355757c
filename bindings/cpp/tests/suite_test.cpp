// The AWS SigV4 test suite through the C++ wrapper, from the vector file
// that tests/tools/suite_vectors.py writes (tests/data/suite-v4-vectors.txt;
// its header describes the format). Cases alternate between heap and
// caller-storage signers and between sigv4rs::request and sigv4rs_request;
// every std::string result is also checked against the caller-buffer form
// (exact size, and one byte short: BUFFER_TOO_SMALL with the size, nothing
// written) and the try_ form.
//
// The SigV4a half (tests/data/suite-v4a-vectors.txt, recognised by its
// public keys) runs with sigv4rs::flag_sigv4a; ECDSA signatures cannot be
// compared, so ours and the suite's two samples are verified with the
// suite's public key (OpenSSL's libcrypto) and the Authorization header is
// compared up to `Signature=`.
//
// Usage: suite_test VECTOR_FILE. Prints one FAIL line per difference, then
//   suite v4: header H/38, query Q/38, partial P/2
// or, for the v4a file,
//   c++ suite v4a: header H/38, query Q/38
// Exits 0 only when everything passed.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <memory>
#include <vector>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "sigv4rs.hpp"

namespace {

constexpr int full_cases = 38;
int partial_cases = 2; // the v4a file has none

// Whether the vector file is the v4a one.
bool v4a = false;

using field = std::pair<std::string, std::string>;
using vcase = std::vector<field>;

int hex_digit(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

// Unescapes `\\`, `\n` and `\xHH`; false on a bad escape.
bool unescape(const std::string &in, std::string &out)
{
    out.clear();
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '\\') {
            out += in[i];
        } else if (i + 1 < in.size() && (in[i + 1] == '\\' || in[i + 1] == 'n')) {
            out += in[i + 1] == 'n' ? '\n' : '\\';
            ++i;
        } else if (i + 3 < in.size() && in[i + 1] == 'x' && hex_digit(in[i + 2]) >= 0 && hex_digit(in[i + 3]) >= 0) {
            out += static_cast<char>(hex_digit(in[i + 2]) * 16 + hex_digit(in[i + 3]));
            i += 3;
        } else {
            return false;
        }
    }
    return true;
}

// All cases of the file; false on a malformed file.
bool read_cases(const char *path, std::vector<vcase> &cases)
{
    std::ifstream f(path, std::ios::binary);
    if (!f)
        return false;
    std::string line;
    vcase cur;
    bool in_case = false;
    while (std::getline(f, line)) {
        if (line.empty() || line[0] == '#')
            continue;
        std::size_t sp = line.find(' ');
        std::string key = line.substr(0, sp), value;
        if (!unescape(sp == std::string::npos ? std::string() : line.substr(sp + 1), value) || in_case != (key != "case")) {
            std::printf("FAIL vector file: bad line \"%s\"\n", line.c_str());
            return false;
        }
        if (key == "end") {
            cases.push_back(std::move(cur));
            cur.clear();
            in_case = false;
            continue;
        }
        in_case = true;
        cur.emplace_back(key, value);
    }
    if (in_case)
        std::printf("FAIL vector file: last case has no end\n");
    return !in_case;
}

const std::string *get(const vcase &c, const std::string &key)
{
    for (const auto &f : c)
        if (f.first == key)
            return &f.second;
    return nullptr;
}

std::string str(const vcase &c, const std::string &key)
{
    const std::string *v = get(c, key);
    return v ? *v : std::string();
}

std::vector<std::string> all(const vcase &c, const std::string &key)
{
    std::vector<std::string> out;
    for (const auto &f : c)
        if (f.first == key)
            out.push_back(f.second);
    return out;
}

std::string lower(std::string s)
{
    for (char &ch : s)
        if (ch >= 'A' && ch <= 'Z')
            ch = static_cast<char>(ch - 'A' + 'a');
    return s;
}

std::string escaped(const std::string &s)
{
    std::string o = "\"";
    for (unsigned char ch : s) {
        char buf[8];
        if (ch == '\n')
            o += "\\n";
        else if (ch == '"' || ch == '\\')
            o += std::string("\\") + static_cast<char>(ch);
        else if (ch < 0x20 || ch > 0x7e) {
            std::snprintf(buf, sizeof buf, "\\x%02X", ch);
            o += buf;
        } else
            o += static_cast<char>(ch);
    }
    return o + "\"";
}

// ---------------------------------------------------------------------------
// SigV4a: ECDSA P-256 / SHA-256 verification with libcrypto

struct pkey_free {
    void operator()(EVP_PKEY *k) const { EVP_PKEY_free(k); }
};
using pkey = std::unique_ptr<EVP_PKEY, pkey_free>;

// Hex (either case) to bytes; false on an odd length or a non-hex digit.
bool unhex(const std::string &hex, std::string &out)
{
    auto nibble = [](char ch) { return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : hex_digit(ch); };
    out.clear();
    if (hex.size() % 2 != 0)
        return false;
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out += static_cast<char>(hi * 16 + lo);
    }
    return true;
}

// The P-256 key of an uncompressed point given as hex x and y; null if it
// is not one.
pkey p256_key(const std::string &x_hex, const std::string &y_hex)
{
    std::string x, y;
    if (!unhex(x_hex, x) || !unhex(y_hex, y) || x.size() != 32 || y.size() != 32)
        return nullptr;
    std::string point = std::string(1, '\x04') + x + y;
    char group[] = "prime256v1";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, &point[0], point.size()),
        OSSL_PARAM_construct_end(),
    };
    std::unique_ptr<EVP_PKEY_CTX, void (*)(EVP_PKEY_CTX *)> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr), EVP_PKEY_CTX_free);
    EVP_PKEY *k = nullptr;
    if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 || EVP_PKEY_fromdata(ctx.get(), &k, EVP_PKEY_PUBLIC_KEY, params) != 1)
        return nullptr;
    return pkey(k);
}

// Whether `sig_hex` (hex DER ECDSA) signs `msg` under `key`.
bool verifies(EVP_PKEY *key, const std::string &msg, const std::string &sig_hex)
{
    std::string der;
    if (key == nullptr || !unhex(sig_hex, der) || der.empty())
        return false;
    std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX *)> md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    return md && EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha256(), nullptr, key) == 1 &&
           EVP_DigestVerify(md.get(), reinterpret_cast<const unsigned char *>(der.data()), der.size(),
                            reinterpret_cast<const unsigned char *>(msg.data()), msg.size()) == 1;
}

// One case in one mode; any failure fails it.
struct run {
    std::string name, mode;
    int failures = 0;
    void fail(const std::string &what)
    {
        std::printf("FAIL %s [%s]: %s\n", name.c_str(), mode.c_str(), what.c_str());
        ++failures;
    }
    void text(const vcase &c, const std::string &key, const std::string &actual)
    {
        const std::string *want = get(c, key);
        if (want != nullptr && *want == actual)
            return;
        fail(key + " differs: expected " + escaped(want ? *want : "") + " actual " + escaped(actual));
    }
    void multiset(const std::string &what, std::vector<std::string> want, std::vector<std::string> got)
    {
        std::sort(want.begin(), want.end());
        std::sort(got.begin(), got.end());
        if (want == got)
            return;
        std::string msg = what + " differ: expected";
        for (const auto &s : want)
            msg += " " + escaped(s);
        msg += "; actual";
        for (const auto &s : got)
            msg += " " + escaped(s);
        fail(msg);
    }
};

// SigV4a: `sig` (ours, of `mode` "header" or "query") and the suite's two
// samples must verify over the suite's string to sign of that mode.
void check_v4a_signatures(run &r, const vcase &c, const std::string &mode, const std::string &sig)
{
    pkey key = p256_key(str(c, "public_key_x"), str(c, "public_key_y"));
    const std::string *sts = get(c, mode + "_sts");
    if (!key || sts == nullptr) {
        r.fail("no usable public key or " + mode + "_sts in the vector file");
        return;
    }
    if (sig.size() > sigv4rs::sigv4a_signature_max_len)
        r.fail("signature longer than sigv4a_signature_max_len: " + sig);
    if (!verifies(key.get(), *sts, sig))
        r.fail("our signature does not verify with the suite's public key: " + sig);
    for (const char *suffix : {"_sig", "_sig_alt"})
        if (!verifies(key.get(), *sts, str(c, mode + suffix)))
            r.fail("the suite's " + mode + suffix + " does not verify");
}

// SigV4a: Authorization cut after `Signature=` (the suite's is a sample).
void cut_signatures(std::vector<std::string> &headers)
{
    for (auto &h : headers) {
        std::size_t at = h.find("Signature=");
        if (h.compare(0, 14, "authorization:") == 0 && at != std::string::npos)
            h.resize(at + 10);
    }
}

// The checks above must be able to fail: a string to sign one byte off, a
// signature one digit off and another valid key must not verify the first
// case's sample. Returns the failures (printed).
int verification_can_fail(const vcase &c)
{
    pkey key = p256_key(str(c, "public_key_x"), str(c, "public_key_y"));
    std::string sts = str(c, "header_sts"), sig = str(c, "header_sig");
    if (!key || sts.empty() || sig.empty() || !verifies(key.get(), sts, sig)) {
        std::printf("FAIL verification control: the first case's header_sig does not verify\n");
        return 1;
    }
    int failures = 0;
    std::string bad_sts = sts, bad_sig = sig;
    bad_sts.back() = static_cast<char>(bad_sts.back() ^ 1);
    bad_sig.back() = bad_sig.back() == '0' ? '1' : '0';
    // The generator point of P-256: a valid key, not the suite's.
    pkey other = p256_key("6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296",
                          "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5");
    const std::pair<bool, const char *> controls[] = {
        {verifies(key.get(), bad_sts, sig), "a tampered string to sign verifies"},
        {verifies(key.get(), sts, bad_sig), "a tampered signature verifies"},
        {!other || verifies(other.get(), sts, sig), "another key verifies (or the P-256 generator is refused)"},
    };
    for (const auto &ctl : controls)
        if (ctl.first) {
            std::printf("FAIL verification control: %s\n", ctl.second);
            ++failures;
        }
    return failures;
}

// The caller-buffer form of a text output must agree with the std::string
// form: one byte short is BUFFER_TOO_SMALL with the size and no write; the
// exact size gives the same bytes plus the NUL.
template <class Into>
void check_into(run &r, const char *what, const std::string &want, std::size_t want_len, Into &&into)
{
    const std::size_t need = want_len;
    std::vector<unsigned char> small(need - 1, 0xA5);
    auto short_res = into(sigv4rs::buffer(small));
    if (short_res.ok() || short_res.status() != SIGV4RS_STATUS_BUFFER_TOO_SMALL || short_res.needed() != need)
        r.fail(std::string(what) + ": one byte short: status " + std::to_string(short_res.status()) + ", needed " +
               std::to_string(short_res.needed()) + ", expected " + std::to_string(need));
    if (std::any_of(small.begin(), small.end(), [](unsigned char b) { return b != 0xA5; }))
        r.fail(std::string(what) + ": a buffer one byte short was written");
    std::vector<char> exact(need, '\x5A');
    auto res = into(sigv4rs::buffer(exact));
    if (!res.ok() || *res != need || std::string(exact.data(), need) != want)
        r.fail(std::string(what) + ": caller buffer form differs from the std::string form");
}

// Header mode: canonical request, string to sign, sign_headers.
void header_mode(run &r, const vcase &c, const sigv4rs::signer &s, const sigv4rs::request &cpp_req, const sigv4rs_request &c_req,
                 bool use_c)
{
    const std::int64_t t = std::strtoll(str(c, "time").c_str(), nullptr, 10);
    const std::int64_t creq_t = std::strtoll(str(c, "creq_time").c_str(), nullptr, 10);
    try {
        std::string creq = use_c ? s.canonical_request(c_req, creq_t) : s.canonical_request(cpp_req, creq_t);
        r.text(c, "header_creq", creq);
        check_into(r, "canonical_request_into", creq + '\0', creq.size() + 1, [&](sigv4rs::buffer b) {
            return s.try_canonical_request_into(c_req, creq_t, SIGV4RS_AUTH_HEADERS, 0, b);
        });
        if (get(c, "header_sts") != nullptr) {
            std::string sts = use_c ? s.string_to_sign(c_req, t) : s.string_to_sign(cpp_req, t);
            r.text(c, "header_sts", sts);
            check_into(r, "string_to_sign_into", sts + '\0', sts.size() + 1, [&](sigv4rs::buffer b) {
                return s.try_string_to_sign_into(c_req, t, SIGV4RS_AUTH_HEADERS, 0, b);
            });
        }
        sigv4rs::header_list out = use_c ? s.sign_headers(c_req, t) : s.sign_headers(cpp_req, t);
        auto again = s.try_sign_headers(cpp_req, t);
        if (!again.ok() || *again != out)
            r.fail("try_sign_headers differs from sign_headers");

        // The raw form: the same lines, NUL-terminated.
        std::string raw;
        for (const auto &h : out)
            raw += h.first + ": " + h.second + '\0';
        check_into(r, "sign_headers_into", raw, raw.size(),
                   [&](sigv4rs::buffer b) { return s.try_sign_headers_into(cpp_req, t, b); });

        std::vector<std::string> produced, got;
        std::string sig;
        for (const auto &h : out) {
            produced.push_back(lower(h.first) + ":" + h.second);
            if (lower(h.first) == "authorization" && h.second.find("Signature=") != std::string::npos)
                sig = h.second.substr(h.second.find("Signature=") + 10);
        }
        if (sig.empty())
            r.fail("sign_headers: no Authorization header with a Signature");
        else if (v4a)
            check_v4a_signatures(r, c, "header", sig);
        else
            r.text(c, "header_sig", sig);
        // The signer's headers replace the request's of the same name.
        for (const auto &h : all(c, "header")) {
            std::string name = lower(h.substr(0, h.find(':')));
            bool replaced = std::any_of(produced.begin(), produced.end(),
                                        [&](const std::string &p) { return p.compare(0, name.size() + 1, name + ":") == 0; });
            if (!replaced)
                got.push_back(name + h.substr(h.find(':')));
        }
        got.insert(got.end(), produced.begin(), produced.end());
        std::vector<std::string> want;
        for (const auto &h : all(c, "signed_header"))
            want.push_back(lower(h.substr(0, h.find(':'))) + h.substr(h.find(':')));
        if (v4a) {
            cut_signatures(want);
            cut_signatures(got);
        }
        r.multiset("signed request headers", want, got);
    } catch (const sigv4rs::error &e) {
        r.fail(e.what());
    }
}

// Query mode: canonical request, string to sign, presigned URL.
void query_mode(run &r, const vcase &c, const sigv4rs::signer &s, const sigv4rs::request &cpp_req, const sigv4rs_request &c_req,
                bool use_c)
{
    const std::int64_t t = std::strtoll(str(c, "time").c_str(), nullptr, 10);
    const long expires = std::strtol(str(c, "expires").c_str(), nullptr, 10);
    if (expires < 1 || expires > SIGV4RS_MAX_EXPIRES) {
        r.fail("expires out of range");
        return;
    }
    const auto x = static_cast<std::uint32_t>(expires);
    try {
        std::string creq = s.canonical_request(cpp_req, t, SIGV4RS_AUTH_PRESIGN, x);
        r.text(c, "query_creq", creq);
        std::string sts = s.string_to_sign(c_req, t, SIGV4RS_AUTH_PRESIGN, x);
        r.text(c, "query_sts", sts);
        std::string url = use_c ? s.presign(c_req, t, x) : s.presign(cpp_req, t, x);
        check_into(r, "presign_into", url + '\0', url.size() + 1,
                   [&](sigv4rs::buffer b) { return s.try_presign_into(cpp_req, t, x, b); });
        std::size_t q = url.find('?');
        if (q == std::string::npos) {
            r.fail("presigned URL has no query: " + url);
            return;
        }
        r.text(c, "presign_prefix", url.substr(0, q + 1));
        std::vector<std::string> got;
        std::string sig;
        std::istringstream params(url.substr(q + 1));
        for (std::string p; std::getline(params, p, '&');) {
            const bool is_sig = p.compare(0, 16, "X-Amz-Signature=") == 0;
            if (is_sig)
                sig = p.substr(16);
            if (!(v4a && is_sig)) // the v4a file lists the parameters without it
                got.push_back(p);
        }
        if (sig.empty())
            r.fail("presigned URL has no X-Amz-Signature: " + url);
        else if (v4a)
            check_v4a_signatures(r, c, "query", sig);
        else
            r.text(c, "query_sig", sig);
        r.multiset("presigned URL parameters", all(c, "presign_param"), got);
    } catch (const sigv4rs::error &e) {
        r.fail(e.what());
    }
}

// Caller storage for every other case, to cover both kinds of signer.
sigv4rs_signer_storage storage;

// Runs one case; h and q (when not null) get whether that mode passed.
void run_case(const vcase &c, int index, bool *h, bool *q)
{
    const std::string name = str(c, "case");
    run hr{name, q ? "header" : "partial"}, qr{name, "query"};
    std::vector<sigv4rs_header> c_headers;
    sigv4rs::request req;
    const auto headers = all(c, "header");
    const std::string method = str(c, "method"), path = str(c, "path"), query = str(c, "query"), body = str(c, "body");
    for (const auto &hdr : headers) {
        std::size_t colon = hdr.find(':');
        std::string_view hv(hdr);
        req.headers.push_back({hv.substr(0, colon), hv.substr(colon + 1)});
    }
    for (const auto &hdr : req.headers)
        c_headers.push_back({sigv4rs::detail::bytes(hdr.name), sigv4rs::detail::bytes(hdr.value)});
    const bool sign_body = str(c, "sign_body") == "1";
    req.method = method;
    req.path = path;
    req.query = query;
    req.payload_mode = sign_body ? SIGV4RS_PAYLOAD_MODE_BYTES : SIGV4RS_PAYLOAD_MODE_AUTO;
    req.payload = body;
    sigv4rs_request c_req{};
    c_req.method = sigv4rs::detail::bytes(req.method);
    c_req.path = sigv4rs::detail::bytes(req.path);
    c_req.query = sigv4rs::detail::bytes(req.query);
    c_req.headers = c_headers.data();
    c_req.headers_len = c_headers.size();
    c_req.payload_mode = req.payload_mode;
    c_req.payload = sigv4rs::detail::bytes(req.payload);

    const std::string akid = str(c, "access_key_id"), secret = str(c, "secret_access_key"), token = str(c, "session_token"),
                      region = str(c, "region"), service = str(c, "service");
    sigv4rs::config cfg;
    cfg.access_key_id = akid;
    cfg.secret_access_key = secret;
    cfg.session_token = token;
    cfg.region = region;
    cfg.service = service;
    cfg.flags = (str(c, "normalize") == "1" ? 0u : sigv4rs::flag_no_path_normalization) |
                (sign_body ? sigv4rs::flag_content_sha256_header : 0u) |
                (str(c, "omit_session_token") == "1" ? sigv4rs::flag_unsigned_session_token : 0u) |
                (v4a ? sigv4rs::flag_sigv4a : 0u);
    auto s = index % 2 == 0 ? sigv4rs::signer::try_create(storage, cfg) : sigv4rs::signer::try_create(cfg);
    if (!s.ok()) {
        hr.fail(std::string("signer: ") + sigv4rs::message(s.status()));
        qr.fail(std::string("signer: ") + sigv4rs::message(s.status()));
    } else {
        const bool use_c = index % 4 >= 2;
        header_mode(hr, c, *s, req, c_req, use_c);
        if (q != nullptr)
            query_mode(qr, c, *s, req, c_req, use_c);
    }
    *h = hr.failures == 0;
    if (q != nullptr)
        *q = qr.failures == 0;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s VECTOR_FILE (tests/data/suite-v4-vectors.txt or suite-v4a-vectors.txt)\n", argv[0]);
        return 2;
    }
    std::vector<vcase> cases;
    if (!read_cases(argv[1], cases)) {
        std::fprintf(stderr, "suite_test: cannot read %s\n", argv[1]);
        return 2;
    }
    // Only the v4a file gives public keys.
    v4a = !cases.empty() && get(cases[0], "public_key_x") != nullptr;
    if (v4a)
        partial_cases = 0;
    const int controls = v4a ? verification_can_fail(cases[0]) : 0;
    int header_pass = 0, query_pass = 0, partial_pass = 0, full = 0, partial = 0, index = 0;
    for (const auto &c : cases) {
        bool h = false, q = false;
        if (str(c, "kind") == "complete") {
            run_case(c, index++, &h, &q);
            header_pass += h;
            query_pass += q;
            ++full;
        } else {
            run_case(c, index++, &h, nullptr);
            partial_pass += h;
            ++partial;
        }
    }
    if (full != full_cases || partial != partial_cases)
        std::printf("FAIL suite: %d complete and %d partial cases, expected %d and %d\n", full, partial, full_cases, partial_cases);
    if (v4a)
        std::printf("c++ suite v4a: header %d/%d, query %d/%d\n", header_pass, full_cases, query_pass, full_cases);
    else
        std::printf("suite v4: header %d/%d, query %d/%d, partial %d/%d\n", header_pass, full_cases, query_pass, full_cases,
                    partial_pass, partial_cases);
    return controls == 0 && full == full_cases && partial == partial_cases && header_pass == full_cases && query_pass == full_cases &&
                   partial_pass == partial_cases
               ? 0
               : 1;
}
