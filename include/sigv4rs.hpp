/*
 * sigv4rs.hpp: C++17 wrapper over the C API in sigv4rs.h. Header-only,
 * hand-written; link the same library (libsigv4rs.so or .a).
 *
 * - Inputs are std::string_view (copied by the library only where the C API
 *   copies them: signer creation, rotation); nothing needs a NUL.
 * - Each operation comes in two forms: `x(...)` throws sigv4rs::error (a
 *   std::runtime_error carrying the status), `try_x(...)` returns a
 *   sigv4rs::result<T> instead (only std::bad_alloc can escape it).
 * - Text results are std::string (sized with the library's size query);
 *   `x_into(..., buffer)` writes into caller memory instead and returns
 *   the C API's `*out_len` (NULs included), as the C calls do.
 * - Callbacks (credential providers, the chain's HTTPS transport) are C++
 *   callables; their exceptions never cross into C: the callback fails and
 *   a signing call that fails because of it throws sigv4rs::error with the
 *   callback's exception nested (std::rethrow_if_nested).
 * - Threads as in C: const member functions of signer may run concurrently.
 * - Built with -fno-exceptions, the throwing forms abort on error; use the
 *   try_ forms. With SIGV4RS_NO_STD (firmware) only caller storage signers
 *   exist, as in C.
 */
#ifndef SIGV4RS_HPP
#define SIGV4RS_HPP

#include "sigv4rs.h"

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

// The wrapper mirrors the 0.3 ABI's structs and statuses: a new minor
// version must be reviewed here before it compiles.
static_assert(SIGV4RS_VERSION_MAJOR == 0 && SIGV4RS_VERSION_MINOR == 3,
              "sigv4rs.hpp wraps the 0.3 ABI of sigv4rs.h");

#if defined(__cpp_exceptions)
#define SIGV4RS_HPP_EXCEPTIONS 1
#endif

namespace sigv4rs {

// ---------------------------------------------------------------------------
// Constants, messages, version

inline constexpr std::uint32_t flag_s3 = SIGV4RS_FLAG_S3;
inline constexpr std::uint32_t flag_no_path_normalization = SIGV4RS_FLAG_NO_PATH_NORMALIZATION;
inline constexpr std::uint32_t flag_single_encode_path = SIGV4RS_FLAG_SINGLE_ENCODE_PATH;
inline constexpr std::uint32_t flag_content_sha256_header = SIGV4RS_FLAG_CONTENT_SHA256_HEADER;
inline constexpr std::uint32_t flag_unsigned_session_token = SIGV4RS_FLAG_UNSIGNED_SESSION_TOKEN;
/// S3 Express One Zone: the session token (required) goes in
/// x-amz-s3session-token; credentials come from CreateSession (rotate_xml).
inline constexpr std::uint32_t flag_s3express = SIGV4RS_FLAG_S3EXPRESS;
/// SigV4a (AWS4-ECDSA-P256-SHA256): config::region is the region set
/// ("us-east-1", "*"); signatures are hex DER, up to sigv4a_signature_max_len.
inline constexpr std::uint32_t flag_sigv4a = SIGV4RS_FLAG_SIGV4A;
inline constexpr std::size_t sigv4a_signature_max_len = SIGV4RS_SIGV4A_SIGNATURE_MAX_LEN;
inline constexpr std::uint32_t default_refresh_margin = SIGV4RS_DEFAULT_REFRESH_MARGIN;

/// The library's static message for a status ("invalid header value").
inline const char *message(sigv4rs_status st) noexcept { return sigv4rs_status_str(st); }

/// The version of the library linked at run time ("0.3.0").
inline std::string_view version() noexcept { return sigv4rs_version(); }

// ---------------------------------------------------------------------------
// Errors

/// The std::error_category of sigv4rs statuses (name "sigv4rs").
class status_category : public std::error_category {
  public:
    const char *name() const noexcept override { return "sigv4rs"; }
    std::string message(int code) const override { return sigv4rs_status_str(static_cast<std::uint32_t>(code)); }
};

inline const std::error_category &category() noexcept
{
    static const status_category c;
    return c;
}

inline std::error_code make_error_code(sigv4rs_status st) noexcept
{
    return std::error_code(static_cast<int>(st), category());
}

/// "No input of the request is to blame."
inline constexpr sigv4rs_location no_location{SIGV4RS_FIELD_NONE, 0, SIGV4RS_NO_OFFSET};

namespace detail {

inline const char *field_name(std::uint32_t field) noexcept
{
    switch (field) {
    case SIGV4RS_FIELD_METHOD: return "method";
    case SIGV4RS_FIELD_URL: return "url";
    case SIGV4RS_FIELD_HOST: return "host";
    case SIGV4RS_FIELD_PATH: return "path";
    case SIGV4RS_FIELD_QUERY: return "query";
    case SIGV4RS_FIELD_HEADERS: return "headers";
    case SIGV4RS_FIELD_HEADER_NAME: return "name";
    case SIGV4RS_FIELD_HEADER_VALUE: return "value";
    case SIGV4RS_FIELD_PAYLOAD_MODE: return "payload mode";
    case SIGV4RS_FIELD_PAYLOAD: return "payload";
    default: return "";
    }
}

// "sigv4rs: invalid header value (status 118; header 1 value, byte 5)".
inline std::string describe(sigv4rs_status st, const sigv4rs_location &at)
{
    std::string s = "sigv4rs: ";
    s += sigv4rs_status_str(st);
    s += " (status " + std::to_string(static_cast<std::uint32_t>(st));
    if (at.field != SIGV4RS_FIELD_NONE) {
        s += "; ";
        if (at.field == SIGV4RS_FIELD_HEADER_NAME || at.field == SIGV4RS_FIELD_HEADER_VALUE)
            s += "header " + std::to_string(at.index) + " ";
        s += field_name(at.field);
        if (at.offset != SIGV4RS_NO_OFFSET)
            s += ", byte " + std::to_string(at.offset);
    }
    return s + ")";
}

} // namespace detail

/// A failed call: the status, and for BUFFER_TOO_SMALL the size needed; for
/// a bad request, which input is to blame (sigv4rs_request_locate).
class error : public std::runtime_error {
  public:
    explicit error(sigv4rs_status st, std::size_t needed = 0, sigv4rs_location where = no_location)
        : std::runtime_error(detail::describe(st, where)), status_(st), needed_(needed), where_(where)
    {
    }
    sigv4rs_status status() const noexcept { return status_; }
    std::error_code code() const noexcept { return make_error_code(status_); }
    /// Bytes needed, when status() is SIGV4RS_STATUS_BUFFER_TOO_SMALL.
    std::size_t needed() const noexcept { return needed_; }
    /// The request input at fault (field NONE when the status is not about one).
    const sigv4rs_location &location() const noexcept { return where_; }

  private:
    sigv4rs_status status_;
    std::size_t needed_;
    sigv4rs_location where_;
};

namespace detail {

struct failure {
    sigv4rs_status status = SIGV4RS_STATUS_OK;
    std::size_t needed = 0;
    sigv4rs_location where = no_location;
#if defined(SIGV4RS_HPP_EXCEPTIONS)
    std::exception_ptr cause; // what a callback threw during the call
#endif
};

#if defined(SIGV4RS_HPP_EXCEPTIONS)
// A callback's exception, kept on the thread that ran it (the signing
// thread: the library calls back synchronously) for the wrapper call that
// is waiting there.
inline std::exception_ptr &pending_cause() noexcept
{
    static thread_local std::exception_ptr p;
    return p;
}
inline void clear_cause() noexcept { pending_cause() = nullptr; }
inline std::exception_ptr take_cause() noexcept { return std::exchange(pending_cause(), nullptr); }
#else
inline void clear_cause() noexcept {}
#endif

[[noreturn]] inline void raise(const failure &f)
{
#if defined(SIGV4RS_HPP_EXCEPTIONS)
    if (f.cause) {
        try {
            std::rethrow_exception(f.cause);
        } catch (...) {
            std::throw_with_nested(error(f.status, f.needed, f.where));
        }
    }
    throw error(f.status, f.needed, f.where);
#else
    (void)f;
    std::abort();
#endif
}

} // namespace detail

/// The value of a try_ call, or why it failed. [[nodiscard]]: a status
/// must not be dropped silently.
template <class T>
class [[nodiscard]] result {
  public:
    using value_type = T;
    result(T v) : value_(std::move(v)) {}
    result(detail::failure f) : fail_(std::move(f)) {}

    bool ok() const noexcept { return value_.has_value(); }
    explicit operator bool() const noexcept { return ok(); }
    /// SIGV4RS_STATUS_OK on success.
    sigv4rs_status status() const noexcept { return fail_.status; }
    std::error_code error_code() const noexcept { return make_error_code(fail_.status); }
    std::size_t needed() const noexcept { return fail_.needed; }
    const sigv4rs_location &location() const noexcept { return fail_.where; }
#if defined(SIGV4RS_HPP_EXCEPTIONS)
    /// What a callback (provider, transport) threw during the call, if anything.
    std::exception_ptr cause() const noexcept { return fail_.cause; }
#endif

    /// The value; throws sigv4rs::error when the call failed.
    T &value() &
    {
        check();
        return *value_;
    }
    const T &value() const &
    {
        check();
        return *value_;
    }
    T &&value() &&
    {
        check();
        return std::move(*value_);
    }
    T &operator*() & { return value(); }
    const T &operator*() const & { return value(); }
    T &&operator*() && { return std::move(*this).value(); }
    T *operator->() { return &value(); }
    const T *operator->() const { return &value(); }
    template <class U>
    T value_or(U &&other) const &
    {
        return ok() ? *value_ : static_cast<T>(std::forward<U>(other));
    }
    template <class U>
    T value_or(U &&other) &&
    {
        return ok() ? std::move(*value_) : static_cast<T>(std::forward<U>(other));
    }

  private:
    void check() const
    {
        if (!ok())
            detail::raise(fail_);
    }
    std::optional<T> value_;
    detail::failure fail_;
};

template <>
class [[nodiscard]] result<void> {
  public:
    using value_type = void;
    result() noexcept = default;
    result(detail::failure f) : fail_(std::move(f)) {}

    bool ok() const noexcept { return fail_.status == SIGV4RS_STATUS_OK; }
    explicit operator bool() const noexcept { return ok(); }
    sigv4rs_status status() const noexcept { return fail_.status; }
    std::error_code error_code() const noexcept { return make_error_code(fail_.status); }
    std::size_t needed() const noexcept { return fail_.needed; }
    const sigv4rs_location &location() const noexcept { return fail_.where; }
#if defined(SIGV4RS_HPP_EXCEPTIONS)
    std::exception_ptr cause() const noexcept { return fail_.cause; }
#endif
    /// Throws sigv4rs::error when the call failed.
    void value() const
    {
        if (!ok())
            detail::raise(fail_);
    }

  private:
    detail::failure fail_;
};

// ---------------------------------------------------------------------------
// Inputs

/// One request header (the strings are read during the call only).
struct header {
    std::string_view name{};
    std::string_view value{};
};

/// A request to sign; what sigv4rs_request means, with string_views. Give
/// `url`, or `host`, `path` and `query`, as they go on the wire.
struct request {
    std::string_view method{};
    std::string_view url{};
    std::string_view host{};
    std::string_view path{};
    std::string_view query{};
    std::vector<header> headers{};
    sigv4rs_payload_mode payload_mode = SIGV4RS_PAYLOAD_MODE_AUTO;
    std::string_view payload{};
};

/// Signer settings (sigv4rs_config); the library copies the strings.
/// Access key id, secret and token all empty: no credentials yet.
struct config {
    std::string_view access_key_id{};
    std::string_view secret_access_key{};
    std::string_view session_token{};
    std::string_view region{};
    std::string_view service{};
    std::uint32_t flags = 0;
    std::vector<std::string_view> unsigned_headers{};
    std::int64_t expiration = 0;
};

/// One set of credentials (sigv4rs_credentials); copied by the library.
struct credentials {
    std::string_view access_key_id{};
    std::string_view secret_access_key{};
    std::string_view session_token{};
    std::int64_t expiration = 0;
};

/// The shape of an aws-chunked upload (sigv4rs_stream). The mode is
/// SIGNED, SIGNED_TRAILER or UNSIGNED_TRAILER for both kinds of signer:
/// chunked_upload turns the signed modes into their _V4A form for a SigV4a
/// signer (the _V4A values are accepted as they are).
struct stream {
    sigv4rs_stream_mode mode = SIGV4RS_STREAM_MODE_SIGNED;
    sigv4rs_checksum checksum = SIGV4RS_CHECKSUM_NONE;
    std::uint64_t decoded_length = 0;
    std::uint32_t chunk_size = 65536;
};

/// Header lines to add: (name, value) in the library's order.
using header_list = std::vector<std::pair<std::string, std::string>>;

/// Caller memory for an output: a pointer and a capacity. Made from a byte
/// array, or a std::string / std::vector / std::array of bytes (its size()).
class buffer {
  public:
    buffer(void *data, std::size_t size) noexcept : data_(static_cast<std::uint8_t *>(data)), size_(size) {}
    template <class B, std::size_t N, std::enable_if_t<sizeof(B) == 1 && !std::is_const_v<B>, int> = 0>
    buffer(B (&array)[N]) noexcept : data_(reinterpret_cast<std::uint8_t *>(array)), size_(N)
    {
    }
    template <class C, class P = decltype(std::declval<C &>().data()),
              std::enable_if_t<std::is_pointer_v<P> && sizeof(std::remove_pointer_t<P>) == 1 &&
                                   !std::is_const_v<std::remove_pointer_t<P>> && !std::is_same_v<std::decay_t<C>, buffer>,
                               int> = 0>
    buffer(C &container) noexcept : data_(reinterpret_cast<std::uint8_t *>(container.data())), size_(container.size())
    {
    }
    std::uint8_t *data() const noexcept { return data_; }
    std::size_t size() const noexcept { return size_; }

  private:
    std::uint8_t *data_;
    std::size_t size_;
};

/// The "Name: value\0Name: value\0" lines of sign_headers_into (and
/// chunked_upload::begin_into), without allocating:
/// `for (std::string_view line : header_lines(buf, n))`.
class header_lines {
  public:
    class iterator {
      public:
        using value_type = std::string_view;
        using difference_type = std::ptrdiff_t;
        using pointer = const std::string_view *;
        using reference = const std::string_view &;
        using iterator_category = std::forward_iterator_tag;
        iterator() noexcept = default;
        explicit iterator(std::string_view rest) noexcept : rest_(rest) { load(); }
        reference operator*() const noexcept { return line_; }
        pointer operator->() const noexcept { return &line_; }
        iterator &operator++() noexcept
        {
            rest_.remove_prefix(line_.size() < rest_.size() ? line_.size() + 1 : rest_.size());
            load();
            return *this;
        }
        iterator operator++(int) noexcept
        {
            iterator old = *this;
            ++*this;
            return old;
        }
        bool operator==(const iterator &o) const noexcept { return rest_.size() == o.rest_.size(); }
        bool operator!=(const iterator &o) const noexcept { return !(*this == o); }

      private:
        void load() noexcept { line_ = rest_.substr(0, rest_.find('\0')); }
        std::string_view rest_;
        std::string_view line_;
    };
    header_lines(const void *data, std::size_t len) noexcept : text_(static_cast<const char *>(data), len) {}
    explicit header_lines(std::string_view text) noexcept : text_(text) {}
    iterator begin() const noexcept { return iterator(text_); }
    iterator end() const noexcept { return iterator(text_.substr(text_.size())); }

  private:
    std::string_view text_;
};

/// Splits "Name: value" into its name and value.
inline std::pair<std::string_view, std::string_view> split_header(std::string_view line) noexcept
{
    std::size_t at = line.find(": ");
    if (at == std::string_view::npos)
        return {line, std::string_view()};
    return {line.substr(0, at), line.substr(at + 2)};
}

// ---------------------------------------------------------------------------
// Plumbing

namespace detail {

inline sigv4rs_bytes bytes(std::string_view s) noexcept
{
    sigv4rs_bytes b;
    b.ptr = reinterpret_cast<const std::uint8_t *>(s.data());
    b.len = s.size();
    return b;
}

inline std::string_view view(const sigv4rs_bytes &b) noexcept
{
    return b.len == 0 ? std::string_view() : std::string_view(reinterpret_cast<const char *>(b.ptr), b.len);
}

// Zeroes memory that held a signature or a session token, in a way the
// compiler keeps.
inline void wipe(void *p, std::size_t n) noexcept
{
    volatile unsigned char *v = static_cast<volatile unsigned char *>(p);
    while (n-- > 0)
        *v++ = 0;
}

// A sigv4rs_request over a sigv4rs::request: the headers in a stack array
// up to SIGV4RS_MAX_HEADERS (no heap when signing), beyond that on the heap
// (the library then says TOO_MANY_HEADERS).
class c_request {
  public:
    explicit c_request(const request &r)
    {
        sigv4rs_header *hs = stack_.data();
        if (r.headers.size() > stack_.size()) {
            heap_.resize(r.headers.size());
            hs = heap_.data();
        }
        for (std::size_t i = 0; i < r.headers.size(); ++i) {
            hs[i].name = bytes(r.headers[i].name);
            hs[i].value = bytes(r.headers[i].value);
        }
        req_.method = bytes(r.method);
        req_.url = bytes(r.url);
        req_.host = bytes(r.host);
        req_.path = bytes(r.path);
        req_.query = bytes(r.query);
        req_.headers = r.headers.empty() ? nullptr : hs;
        req_.headers_len = r.headers.size();
        req_.payload_mode = r.payload_mode;
        req_.payload = bytes(r.payload);
    }
    c_request(const c_request &) = delete;
    c_request &operator=(const c_request &) = delete;
    const sigv4rs_request &get() const noexcept { return req_; }

  private:
    sigv4rs_request req_{};
    std::array<sigv4rs_header, SIGV4RS_MAX_HEADERS> stack_;
    std::vector<sigv4rs_header> heap_;
};

class c_config {
  public:
    explicit c_config(const config &c) : names_(c.unsigned_headers.size())
    {
        for (std::size_t i = 0; i < names_.size(); ++i)
            names_[i] = bytes(c.unsigned_headers[i]);
        cfg_.access_key_id = bytes(c.access_key_id);
        cfg_.secret_access_key = bytes(c.secret_access_key);
        cfg_.session_token = bytes(c.session_token);
        cfg_.region = bytes(c.region);
        cfg_.service = bytes(c.service);
        cfg_.flags = c.flags;
        cfg_.unsigned_headers = names_.empty() ? nullptr : names_.data();
        cfg_.unsigned_headers_len = names_.size();
        cfg_.expiration = c.expiration;
    }
    c_config(const c_config &) = delete;
    c_config &operator=(const c_config &) = delete;
    const sigv4rs_config &get() const noexcept { return cfg_; }

  private:
    std::vector<sigv4rs_bytes> names_;
    sigv4rs_config cfg_{};
};

inline sigv4rs_credentials c_credentials(const credentials &c) noexcept
{
    sigv4rs_credentials out{};
    out.access_key_id = bytes(c.access_key_id);
    out.secret_access_key = bytes(c.secret_access_key);
    out.session_token = bytes(c.session_token);
    out.expiration = c.expiration;
    return out;
}

// `sigv4a`: the signer signs SigV4a, whose signed modes are the _V4A ones.
inline sigv4rs_stream c_stream(const stream &s, bool sigv4a = false) noexcept
{
    sigv4rs_stream out{};
    out.mode = s.mode;
    if (sigv4a && s.mode == SIGV4RS_STREAM_MODE_SIGNED)
        out.mode = SIGV4RS_STREAM_MODE_SIGNED_V4A;
    else if (sigv4a && s.mode == SIGV4RS_STREAM_MODE_SIGNED_TRAILER)
        out.mode = SIGV4RS_STREAM_MODE_SIGNED_TRAILER_V4A;
    out.checksum = s.checksum;
    out.decoded_length = s.decoded_length;
    out.chunk_size = s.chunk_size;
    return out;
}

// A failed call's report. `req`: the request to blame, if any; `callbacks`:
// the call may have run a provider or transport on this thread.
inline failure fail(sigv4rs_status st, std::size_t needed = 0, const sigv4rs_request *req = nullptr,
                    bool callbacks = false)
{
    failure f;
    f.status = st;
    f.needed = st == SIGV4RS_STATUS_BUFFER_TOO_SMALL ? needed : 0;
    if (req != nullptr && st != SIGV4RS_STATUS_BUFFER_TOO_SMALL)
        (void)sigv4rs_request_locate(req, st, &f.where);
#if defined(SIGV4RS_HPP_EXCEPTIONS)
    if (callbacks)
        f.cause = take_cause();
#else
    (void)callbacks;
#endif
    return f;
}

inline result<void> done(sigv4rs_status st, const sigv4rs_request *req = nullptr, bool callbacks = false)
{
    if (st == SIGV4RS_STATUS_OK) {
        if (callbacks)
            clear_cause();
        return {};
    }
    return fail(st, 0, req, callbacks);
}

inline result<std::size_t> sized(sigv4rs_status st, std::size_t len, const sigv4rs_request *req = nullptr,
                                 bool callbacks = false)
{
    if (st == SIGV4RS_STATUS_OK) {
        if (callbacks)
            clear_cause();
        return len;
    }
    return fail(st, len, req, callbacks);
}

// A text output (NUL-terminated by the library) as a std::string: written
// into a first guess, and on BUFFER_TOO_SMALL once more at the size the
// library asked for (again if a rotation changed it meanwhile).
template <class Call>
result<std::string> text(Call &&call, std::size_t guess, const sigv4rs_request *req, bool callbacks)
{
    if (callbacks)
        clear_cause();
    std::string s(guess, '\0');
    std::size_t len = 0;
    sigv4rs_status st = SIGV4RS_STATUS_BUFFER_TOO_SMALL;
    for (int attempt = 0; attempt < 4 && st == SIGV4RS_STATUS_BUFFER_TOO_SMALL; ++attempt) {
        if (attempt > 0)
            s.assign(len, '\0');
        len = 0;
        st = call(reinterpret_cast<std::uint8_t *>(&s[0]), s.size(), &len);
    }
    if (st != SIGV4RS_STATUS_OK)
        return fail(st, len, req, callbacks);
    if (callbacks)
        clear_cause();
    s.resize(len > 0 ? len - 1 : 0);
    return result<std::string>(std::move(s));
}

// Header lines into a header_list, through a stack scratch (or the heap
// when a long session token needs more); the scratch is wiped.
template <class Call>
result<header_list> headers(Call &&call, const sigv4rs_request *req)
{
    clear_cause();
    std::array<std::uint8_t, 4096> scratch;
    std::vector<std::uint8_t> big;
    std::uint8_t *out = scratch.data();
    std::size_t cap = scratch.size(), len = 0;
    sigv4rs_status st = SIGV4RS_STATUS_BUFFER_TOO_SMALL;
    for (int attempt = 0; attempt < 4 && st == SIGV4RS_STATUS_BUFFER_TOO_SMALL; ++attempt) {
        if (attempt > 0) {
            wipe(big.data(), big.size());
            big.assign(len, 0);
            out = big.data();
            cap = big.size();
        }
        len = 0;
        st = call(out, cap, &len);
    }
    if (st != SIGV4RS_STATUS_OK)
        return fail(st, len, req, true);
    clear_cause();
    header_list list;
    for (std::string_view line : header_lines(out, len)) {
        auto nv = split_header(line);
        list.emplace_back(std::string(nv.first), std::string(nv.second));
    }
    wipe(out, len);
    return result<header_list>(std::move(list));
}

// Rough output sizes for a first guess (a wrong guess costs one more call).
inline std::size_t guess_for(const sigv4rs_request &r) noexcept
{
    std::size_t n = 512 + 2 * (r.url.len + r.host.len + r.path.len + r.query.len);
    for (std::size_t i = 0; r.headers != nullptr && i < r.headers_len && i < SIGV4RS_MAX_HEADERS; ++i)
        n += r.headers[i].name.len + r.headers[i].value.len + 2;
    return n;
}

} // namespace detail

/// Where `st` (from a call given `req`) puts the blame: sigv4rs_request_locate.
inline sigv4rs_location locate(const sigv4rs_request &req, sigv4rs_status st) noexcept
{
    sigv4rs_location at = no_location;
    (void)sigv4rs_request_locate(&req, st, &at);
    return at;
}
inline sigv4rs_location locate(const request &req, sigv4rs_status st)
{
    detail::c_request c(req);
    return locate(c.get(), st);
}

#if defined(SIGV4RS_STD)
/// The current time, seconds since 1970 (sigv4rs_unix_time_now).
inline result<std::int64_t> try_unix_time_now()
{
    std::int64_t t = 0;
    sigv4rs_status st = sigv4rs_unix_time_now(&t);
    if (st != SIGV4RS_STATUS_OK)
        return detail::fail(st);
    return t;
}
inline std::int64_t unix_time_now() { return try_unix_time_now().value(); }
#endif

/// A std::chrono time as the `unix_time` the signing calls take.
inline std::int64_t unix_time(std::chrono::system_clock::time_point tp) noexcept
{
    return std::chrono::duration_cast<std::chrono::seconds>(tp.time_since_epoch()).count();
}

namespace detail {
inline result<std::uint64_t> encoded_length(const stream &s, bool sigv4a)
{
    sigv4rs_stream c = c_stream(s, sigv4a);
    std::uint64_t n = 0;
    sigv4rs_status st = sigv4rs_chunked_encoded_length(&c, &n);
    if (st != SIGV4RS_STATUS_OK)
        return fail(st);
    return n;
}
} // namespace detail

/// Content-Length of the aws-chunked body of `s` (sigv4rs_chunked_encoded_length),
/// its mode taken as is (SigV4a: the _V4A modes, or encoded_length(signer, s)).
inline result<std::uint64_t> try_encoded_length(const stream &s) { return detail::encoded_length(s, false); }
inline std::uint64_t encoded_length(const stream &s) { return try_encoded_length(s).value(); }

// ---------------------------------------------------------------------------
// Payload hashing

/// SHA-256 of a body that arrives in pieces, for SIGV4RS_PAYLOAD_MODE_SHA256_HEX.
/// Copying forks the hash (as memcpy does in C).
class payload_hasher {
  public:
    payload_hasher() noexcept { reset(); }
    /// Starts a new hash (also after finish).
    void reset() noexcept { (void)sigv4rs_payload_hasher_init(&h_); }
    payload_hasher &update(std::string_view data)
    {
        try_update(data).value();
        return *this;
    }
    result<void> try_update(std::string_view data) { return detail::done(sigv4rs_payload_hasher_update(&h_, detail::bytes(data))); }
    /// The 64 lower-case hex digits; the hasher must be reset before reuse.
    std::string finish() { return try_finish().value(); }
    result<std::string> try_finish()
    {
        char hex[SIGV4RS_SHA256_HEX_LEN + 1];
        std::size_t len = 0;
        sigv4rs_status st = sigv4rs_payload_hasher_finish(&h_, reinterpret_cast<std::uint8_t *>(hex), sizeof hex, &len);
        if (st != SIGV4RS_STATUS_OK)
            return detail::fail(st, len);
        return std::string(hex, len - 1);
    }
    /// Into caller memory (65 bytes with the NUL); returns the bytes written.
    std::size_t finish_into(buffer out) { return try_finish_into(out).value(); }
    result<std::size_t> try_finish_into(buffer out)
    {
        std::size_t len = 0;
        sigv4rs_status st = sigv4rs_payload_hasher_finish(&h_, out.data(), out.size(), &len);
        return detail::sized(st, len);
    }
    sigv4rs_payload_hasher *native() noexcept { return &h_; }

  private:
    sigv4rs_payload_hasher h_;
};

/// SHA-256 of `data` as 64 hex digits.
inline std::string sha256_hex(std::string_view data) { return payload_hasher().update(data).finish(); }

// ---------------------------------------------------------------------------
// Checksums (x-amz-checksum-*)

/// The header a checksum kind goes in ("x-amz-checksum-crc64nvme"); empty
/// for SIGV4RS_CHECKSUM_NONE, unknown kinds and kinds the build lacks.
inline std::string_view checksum_header_name(sigv4rs_checksum kind) noexcept
{
    const char *name = sigv4rs_checksum_header_name(kind);
    return name != nullptr ? std::string_view(name) : std::string_view();
}

/// A finished checksum: the header to add to the request before signing
/// (`req.headers.push_back({h.name, h.value})`).
struct checksum_header {
    std::string_view name{}; // the library's static name
    std::string value{};     // base64, as S3 wants it
};

/// A whole-body checksum over sigv4rs_checksum_state (inline, no heap):
/// update() with the body's pieces, then finish(). Copying forks it (as
/// memcpy does in C); after finish(), reset() starts over.
class checksum {
  public:
    /// SIGV4RS_CHECKSUM_CRC32, _CRC32C, _SHA256, _CRC64NVME or _SHA1.
    explicit checksum(sigv4rs_checksum kind) : checksum(try_create(kind).value()) {}
    static result<checksum> try_create(sigv4rs_checksum kind)
    {
        checksum c(kind, 0);
        sigv4rs_status st = sigv4rs_checksum_init(&c.state_, kind);
        if (st != SIGV4RS_STATUS_OK)
            return detail::fail(st);
        return c;
    }
    sigv4rs_checksum kind() const noexcept { return kind_; }
    std::string_view header_name() const noexcept { return checksum_header_name(kind_); }
    /// Starts again (also after finish).
    void reset() noexcept { (void)sigv4rs_checksum_init(&state_, kind_); }
    checksum &update(std::string_view data)
    {
        try_update(data).value();
        return *this;
    }
    result<void> try_update(std::string_view data) { return detail::done(sigv4rs_checksum_update(&state_, detail::bytes(data))); }
    /// The header name and value; reset() before reuse.
    checksum_header finish() { return try_finish().value(); }
    result<checksum_header> try_finish()
    {
        char value[SIGV4RS_CHECKSUM_MAX_LEN + 1];
        std::size_t len = 0;
        sigv4rs_status st = sigv4rs_checksum_finish(&state_, reinterpret_cast<std::uint8_t *>(value), sizeof value, &len);
        if (st != SIGV4RS_STATUS_OK)
            return detail::fail(st, len);
        return checksum_header{header_name(), std::string(value, len > 0 ? len - 1 : 0)};
    }
    /// The value into caller memory (NUL included, at most
    /// SIGV4RS_CHECKSUM_MAX_LEN + 1 bytes); returns the bytes written.
    std::size_t finish_into(buffer out) { return try_finish_into(out).value(); }
    result<std::size_t> try_finish_into(buffer out)
    {
        std::size_t len = 0;
        sigv4rs_status st = sigv4rs_checksum_finish(&state_, out.data(), out.size(), &len);
        return detail::sized(st, len);
    }
    sigv4rs_checksum_state *native() noexcept { return &state_; }

  private:
    explicit checksum(sigv4rs_checksum kind, int) noexcept : kind_(kind) {}
    sigv4rs_checksum kind_;
    sigv4rs_checksum_state state_{};
};

/// The checksum header of a whole body in one call.
inline result<checksum_header> try_checksum_of(sigv4rs_checksum kind, std::string_view data)
{
    result<checksum> c = checksum::try_create(kind);
    if (!c)
        return detail::fail(c.status());
    result<void> u = c->try_update(data);
    if (!u)
        return detail::fail(u.status());
    return c->try_finish();
}
inline checksum_header checksum_of(sigv4rs_checksum kind, std::string_view data) { return try_checksum_of(kind, data).value(); }

// ---------------------------------------------------------------------------
// Credential providers

/// Where a provider puts the credentials it fetched; valid during the
/// provider call only.
class credentials_sink {
  public:
    explicit credentials_sink(sigv4rs_credentials_sink *sink) noexcept : sink_(sink) {}
    /// Validates and stores a copy; a later put replaces an earlier one.
    void put(const credentials &c) { try_put(c).value(); }
    result<void> try_put(const credentials &c)
    {
        sigv4rs_credentials cc = detail::c_credentials(c);
        return detail::done(sigv4rs_credentials_sink_put(sink_, &cc));
    }
    sigv4rs_credentials_sink *native() const noexcept { return sink_; }

  private:
    sigv4rs_credentials_sink *sink_;
};

namespace detail {

// A provider callable, type-erased (move-only callables welcome).
class provider_box {
  public:
    virtual ~provider_box() = default;
    virtual void call(std::int64_t unix_time, credentials_sink &sink) = 0;
};

template <class F>
class provider_of final : public provider_box {
  public:
    template <class G>
    explicit provider_of(G &&f) : f_(std::forward<G>(f))
    {
    }
    void call(std::int64_t unix_time, credentials_sink &sink) override { f_(unix_time, sink); }

  private:
    F f_;
};

// Returned to the library when a callback threw something other than a
// sigv4rs::error (any non-OK status fails the callback).
inline sigv4rs_status status_of_current_exception(sigv4rs_status otherwise) noexcept
{
#if defined(SIGV4RS_HPP_EXCEPTIONS)
    try {
        throw;
    } catch (const error &e) {
        if (e.status() != SIGV4RS_STATUS_OK)
            return e.status();
    } catch (...) {
    }
#endif
    return otherwise;
}

inline sigv4rs_status call_provider(void *user, std::int64_t unix_time, sigv4rs_credentials_sink *sink) noexcept
{
    credentials_sink s(sink);
#if defined(SIGV4RS_HPP_EXCEPTIONS)
    try {
        static_cast<provider_box *>(user)->call(unix_time, s);
        return SIGV4RS_STATUS_OK;
    } catch (...) {
        pending_cause() = std::current_exception();
        return status_of_current_exception(SIGV4RS_STATUS_MISSING_CREDENTIALS);
    }
#else
    static_cast<provider_box *>(user)->call(unix_time, s);
    return SIGV4RS_STATUS_OK;
#endif
}

} // namespace detail

// ---------------------------------------------------------------------------
// The default credential chain (hosted builds)

#if defined(SIGV4RS_STD)

/// An STS request the chain asks the transport to send; valid during the
/// transport call. Header values and the body may hold credentials.
class http_request {
  public:
    explicit http_request(const sigv4rs_http_request &r) noexcept : r_(&r) {}
    std::string_view method() const noexcept { return detail::view(r_->method); }
    std::string_view url() const noexcept { return detail::view(r_->url); }
    std::string_view body() const noexcept { return detail::view(r_->body); }
    /// The whole exchange must end within this (the transport enforces it).
    std::uint32_t timeout_ms() const noexcept { return r_->timeout_ms; }
    std::vector<header> headers() const
    {
        std::vector<header> hs;
        for (std::size_t i = 0; r_->headers != nullptr && i < r_->headers_len; ++i)
            hs.push_back(header{detail::view(r_->headers[i].name), detail::view(r_->headers[i].value)});
        return hs;
    }
    const sigv4rs_http_request &native() const noexcept { return *r_; }

  private:
    const sigv4rs_http_request *r_;
};

/// Where the transport puts the answer: the HTTP status and the body (in as
/// many writes as convenient, at most SIGV4RS_MAX_HTTP_RESPONSE_LEN bytes).
class http_response {
  public:
    explicit http_response(sigv4rs_http_response *r) noexcept : r_(r) {}
    void set_status(std::uint32_t code) noexcept { r_->status = code; }
    std::uint32_t http_status() const noexcept { return r_->status; }
    void write(std::string_view data) { try_write(data).value(); }
    result<void> try_write(std::string_view data)
    {
        return detail::done(sigv4rs_http_response_write(r_, reinterpret_cast<const std::uint8_t *>(data.data()), data.size()));
    }
    sigv4rs_http_response *native() const noexcept { return r_; }

  private:
    sigv4rs_http_response *r_;
};

/// The chain's HTTPS transport: sends the request, sets the status, writes
/// the body; throwing fails the exchange (the library retries).
using transport_fn = std::function<void(const http_request &req, http_response &resp)>;

/// sigv4rs_chain_options. Empty profile/region: from the environment; no
/// transport: no STS (role_arn and web identity profiles fail).
struct chain_options {
    std::string_view profile{};
    std::string_view region{};
    transport_fn transport{};
    std::uint32_t process_timeout_ms = 0;
};

namespace detail {

inline sigv4rs_status call_transport(void *user, const sigv4rs_http_request *req, sigv4rs_http_response *resp) noexcept
{
    http_request rq(*req);
    http_response rs(resp);
#if defined(SIGV4RS_HPP_EXCEPTIONS)
    try {
        (*static_cast<transport_fn *>(user))(rq, rs);
        return SIGV4RS_STATUS_OK;
    } catch (...) {
        pending_cause() = std::current_exception();
        return status_of_current_exception(SIGV4RS_STATUS_CREDENTIALS_FETCH_FAILED);
    }
#else
    (*static_cast<transport_fn *>(user))(rq, rs);
    return SIGV4RS_STATUS_OK;
#endif
}

} // namespace detail

/// The AWS SDKs' default credential chain (sigv4rs_chain). Give it to a
/// signer with signer::set_provider(chain&); it must outlive that signer.
class chain {
  public:
    explicit chain(const chain_options &options = chain_options()) : chain(try_create(options).value()) {}
    static result<chain> try_create(const chain_options &options = chain_options())
    {
        std::unique_ptr<transport_fn> t;
        if (options.transport)
            t = std::make_unique<transport_fn>(options.transport);
        sigv4rs_chain_options o{};
        o.profile = detail::bytes(options.profile);
        o.region = detail::bytes(options.region);
        o.transport = t ? &detail::call_transport : nullptr;
        o.transport_user = t.get();
        o.process_timeout_ms = options.process_timeout_ms;
        sigv4rs_chain *h = nullptr;
        sigv4rs_status st = sigv4rs_chain_new(&o, &h);
        if (st != SIGV4RS_STATUS_OK)
            return detail::fail(st);
        return chain(h, std::move(t));
    }
    ~chain() { sigv4rs_chain_free(h_); }
    chain(chain &&o) noexcept : h_(std::exchange(o.h_, nullptr)), transport_(std::move(o.transport_)) {}
    chain &operator=(chain &&o) noexcept
    {
        if (this != &o) {
            sigv4rs_chain_free(h_);
            h_ = std::exchange(o.h_, nullptr);
            transport_ = std::move(o.transport_);
        }
        return *this;
    }
    chain(const chain &) = delete;
    chain &operator=(const chain &) = delete;

    /// Why the last resolve failed ("<source>: <kind>: <detail>"; empty after
    /// a success). Never holds a secret.
    std::string last_error() const { return try_last_error().value(); }
    result<std::string> try_last_error() const
    {
        return detail::text([this](std::uint8_t *o, std::size_t c, std::size_t *l) { return sigv4rs_chain_last_error(h_, o, c, l); },
                            256, nullptr, false);
    }
    /// Resolves into `sink`, from inside your own provider (to log
    /// last_error() when it fails).
    void resolve(std::int64_t unix_time, credentials_sink &sink) { try_resolve(unix_time, sink).value(); }
    result<void> try_resolve(std::int64_t unix_time, credentials_sink &sink)
    {
        detail::clear_cause();
        return detail::done(sigv4rs_chain_resolve(h_, unix_time, sink.native()), nullptr, true);
    }
    sigv4rs_chain *get() const noexcept { return h_; }
    explicit operator bool() const noexcept { return h_ != nullptr; }

  private:
    chain(sigv4rs_chain *h, std::unique_ptr<transport_fn> t) noexcept : h_(h), transport_(std::move(t)) {}
    sigv4rs_chain *h_ = nullptr;
    std::unique_ptr<transport_fn> transport_; // stable address: the chain's user pointer
};

#endif // SIGV4RS_STD

// ---------------------------------------------------------------------------
// The signer

/// A signer (sigv4rs_signer): on the heap, or in a sigv4rs_signer_storage
/// the caller owns (one signer per storage; the storage must outlive it).
/// Move-only; a moved-from signer is empty and its calls fail with
/// NULL_ARGUMENT. Const members may run concurrently from any threads.
class signer {
  public:
    /// Empty; assign a signer to it.
    signer() noexcept = default;

#if defined(SIGV4RS_STD)
    /// A heap signer (sigv4rs_signer_new).
    explicit signer(const config &cfg) : signer(try_create(cfg).value()) {}
    explicit signer(const sigv4rs_config &cfg) : signer(try_create(cfg).value()) {}
    static result<signer> try_create(const config &cfg)
    {
        detail::c_config c(cfg);
        return try_create(c.get());
    }
    static result<signer> try_create(const sigv4rs_config &cfg)
    {
        sigv4rs_signer *h = nullptr;
        sigv4rs_status st = sigv4rs_signer_new(&cfg, &h);
        if (st != SIGV4RS_STATUS_OK)
            return detail::fail(st);
        return signer(h, nullptr, cfg.flags);
    }
    /// From AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN (and
    /// AWS_REGION / AWS_DEFAULT_REGION for an empty region).
    static signer from_env(std::string_view region, std::string_view service, std::uint32_t flags = 0)
    {
        return try_from_env(region, service, flags).value();
    }
    static result<signer> try_from_env(std::string_view region, std::string_view service, std::uint32_t flags = 0)
    {
        sigv4rs_signer *h = nullptr;
        sigv4rs_status st = sigv4rs_signer_new_from_env(detail::bytes(region), detail::bytes(service), flags, &h);
        if (st != SIGV4RS_STATUS_OK)
            return detail::fail(st);
        return signer(h, nullptr, flags);
    }
#endif

    /// A signer in caller memory (sigv4rs_signer_init): no heap in the
    /// library; the destructor deinitializes (zeroes) the storage.
    signer(sigv4rs_signer_storage &storage, const config &cfg) : signer(try_create(storage, cfg).value()) {}
    signer(sigv4rs_signer_storage &storage, const sigv4rs_config &cfg) : signer(try_create(storage, cfg).value()) {}
    static result<signer> try_create(sigv4rs_signer_storage &storage, const config &cfg)
    {
        detail::c_config c(cfg);
        return try_create(storage, c.get());
    }
    static result<signer> try_create(sigv4rs_signer_storage &storage, const sigv4rs_config &cfg)
    {
        sigv4rs_signer *h = nullptr;
        sigv4rs_status st = sigv4rs_signer_init(&storage, &cfg, &h);
        if (st != SIGV4RS_STATUS_OK)
            return detail::fail(st);
        return signer(h, &storage, cfg.flags);
    }

    ~signer() { release(); }
    signer(signer &&o) noexcept
        : h_(std::exchange(o.h_, nullptr)), storage_(std::exchange(o.storage_, nullptr)), sigv4a_(std::exchange(o.sigv4a_, false)),
          provider_(std::move(o.provider_))
    {
    }
    signer &operator=(signer &&o) noexcept
    {
        if (this != &o) {
            release();
            h_ = std::exchange(o.h_, nullptr);
            storage_ = std::exchange(o.storage_, nullptr);
            sigv4a_ = std::exchange(o.sigv4a_, false);
            provider_ = std::move(o.provider_);
        }
        return *this;
    }
    signer(const signer &) = delete;
    signer &operator=(const signer &) = delete;

    explicit operator bool() const noexcept { return h_ != nullptr; }
    /// The C handle, for calls the wrapper does not cover.
    const sigv4rs_signer *get() const noexcept { return h_; }
    sigv4rs_signer *get() noexcept { return h_; }
    /// Whether it was made with flag_sigv4a (chunked_upload picks the
    /// SigV4a stream modes from it).
    bool sigv4a() const noexcept { return sigv4a_; }

    // -- Header signing: the headers to add (X-Amz-Date, Authorization...).
    header_list sign_headers(const request &req, std::int64_t unix_time) const { return try_sign_headers(req, unix_time).value(); }
    header_list sign_headers(const sigv4rs_request &req, std::int64_t unix_time) const
    {
        return try_sign_headers(req, unix_time).value();
    }
    result<header_list> try_sign_headers(const request &req, std::int64_t unix_time) const
    {
        detail::c_request c(req);
        return try_sign_headers(c.get(), unix_time);
    }
    result<header_list> try_sign_headers(const sigv4rs_request &req, std::int64_t unix_time) const
    {
        return detail::headers(
            [&](std::uint8_t *o, std::size_t c, std::size_t *l) { return sigv4rs_signer_sign_headers(h_, &req, unix_time, o, c, l); }, &req);
    }
    /// "Name: value\0..." into caller memory (see header_lines); returns
    /// the bytes written, every NUL included.
    std::size_t sign_headers_into(const request &req, std::int64_t unix_time, buffer out) const
    {
        return try_sign_headers_into(req, unix_time, out).value();
    }
    std::size_t sign_headers_into(const sigv4rs_request &req, std::int64_t unix_time, buffer out) const
    {
        return try_sign_headers_into(req, unix_time, out).value();
    }
    result<std::size_t> try_sign_headers_into(const request &req, std::int64_t unix_time, buffer out) const
    {
        detail::c_request c(req);
        return try_sign_headers_into(c.get(), unix_time, out);
    }
    result<std::size_t> try_sign_headers_into(const sigv4rs_request &req, std::int64_t unix_time, buffer out) const
    {
        detail::clear_cause();
        std::size_t len = 0;
        sigv4rs_status st = sigv4rs_signer_sign_headers(h_, &req, unix_time, out.data(), out.size(), &len);
        return detail::sized(st, len, &req, true);
    }

    // -- Presigned URL, valid `expires_secs` (1 ..= SIGV4RS_MAX_EXPIRES).
    std::string presign(const request &req, std::int64_t unix_time, std::uint32_t expires_secs) const
    {
        return try_presign(req, unix_time, expires_secs).value();
    }
    std::string presign(const sigv4rs_request &req, std::int64_t unix_time, std::uint32_t expires_secs) const
    {
        return try_presign(req, unix_time, expires_secs).value();
    }
    result<std::string> try_presign(const request &req, std::int64_t unix_time, std::uint32_t expires_secs) const
    {
        detail::c_request c(req);
        return try_presign(c.get(), unix_time, expires_secs);
    }
    result<std::string> try_presign(const sigv4rs_request &req, std::int64_t unix_time, std::uint32_t expires_secs) const
    {
        return detail::text(
            [&](std::uint8_t *o, std::size_t c, std::size_t *l) { return sigv4rs_signer_presign(h_, &req, unix_time, expires_secs, o, c, l); },
            detail::guess_for(req), &req, true);
    }
    std::size_t presign_into(const request &req, std::int64_t unix_time, std::uint32_t expires_secs, buffer out) const
    {
        return try_presign_into(req, unix_time, expires_secs, out).value();
    }
    std::size_t presign_into(const sigv4rs_request &req, std::int64_t unix_time, std::uint32_t expires_secs, buffer out) const
    {
        return try_presign_into(req, unix_time, expires_secs, out).value();
    }
    result<std::size_t> try_presign_into(const request &req, std::int64_t unix_time, std::uint32_t expires_secs, buffer out) const
    {
        detail::c_request c(req);
        return try_presign_into(c.get(), unix_time, expires_secs, out);
    }
    result<std::size_t> try_presign_into(const sigv4rs_request &req, std::int64_t unix_time, std::uint32_t expires_secs,
                                         buffer out) const
    {
        detail::clear_cause();
        std::size_t len = 0;
        sigv4rs_status st = sigv4rs_signer_presign(h_, &req, unix_time, expires_secs, out.data(), out.size(), &len);
        return detail::sized(st, len, &req, true);
    }

    // -- Troubleshooting: the canonical request and string to sign of header
    // signing (default) or presigning (SIGV4RS_AUTH_PRESIGN, expires_secs).
    std::string canonical_request(const request &req, std::int64_t unix_time, sigv4rs_auth auth = SIGV4RS_AUTH_HEADERS,
                                  std::uint32_t expires_secs = 0) const
    {
        return try_canonical_request(req, unix_time, auth, expires_secs).value();
    }
    std::string canonical_request(const sigv4rs_request &req, std::int64_t unix_time, sigv4rs_auth auth = SIGV4RS_AUTH_HEADERS,
                                  std::uint32_t expires_secs = 0) const
    {
        return try_canonical_request(req, unix_time, auth, expires_secs).value();
    }
    result<std::string> try_canonical_request(const request &req, std::int64_t unix_time, sigv4rs_auth auth = SIGV4RS_AUTH_HEADERS,
                                              std::uint32_t expires_secs = 0) const
    {
        detail::c_request c(req);
        return try_canonical_request(c.get(), unix_time, auth, expires_secs);
    }
    result<std::string> try_canonical_request(const sigv4rs_request &req, std::int64_t unix_time,
                                              sigv4rs_auth auth = SIGV4RS_AUTH_HEADERS, std::uint32_t expires_secs = 0) const
    {
        return detail::text(
            [&](std::uint8_t *o, std::size_t c, std::size_t *l) {
                return sigv4rs_signer_canonical_request(h_, &req, unix_time, auth, expires_secs, o, c, l);
            },
            detail::guess_for(req), &req, true);
    }
    std::size_t canonical_request_into(const request &req, std::int64_t unix_time, sigv4rs_auth auth, std::uint32_t expires_secs,
                                       buffer out) const
    {
        detail::c_request c(req);
        return canonical_request_into(c.get(), unix_time, auth, expires_secs, out);
    }
    std::size_t canonical_request_into(const sigv4rs_request &req, std::int64_t unix_time, sigv4rs_auth auth,
                                       std::uint32_t expires_secs, buffer out) const
    {
        return try_canonical_request_into(req, unix_time, auth, expires_secs, out).value();
    }
    result<std::size_t> try_canonical_request_into(const request &req, std::int64_t unix_time, sigv4rs_auth auth,
                                                   std::uint32_t expires_secs, buffer out) const
    {
        detail::c_request c(req);
        return try_canonical_request_into(c.get(), unix_time, auth, expires_secs, out);
    }
    result<std::size_t> try_canonical_request_into(const sigv4rs_request &req, std::int64_t unix_time, sigv4rs_auth auth,
                                                   std::uint32_t expires_secs, buffer out) const
    {
        detail::clear_cause();
        std::size_t len = 0;
        sigv4rs_status st =
            sigv4rs_signer_canonical_request(h_, &req, unix_time, auth, expires_secs, out.data(), out.size(), &len);
        return detail::sized(st, len, &req, true);
    }
    std::string string_to_sign(const request &req, std::int64_t unix_time, sigv4rs_auth auth = SIGV4RS_AUTH_HEADERS,
                               std::uint32_t expires_secs = 0) const
    {
        return try_string_to_sign(req, unix_time, auth, expires_secs).value();
    }
    std::string string_to_sign(const sigv4rs_request &req, std::int64_t unix_time, sigv4rs_auth auth = SIGV4RS_AUTH_HEADERS,
                               std::uint32_t expires_secs = 0) const
    {
        return try_string_to_sign(req, unix_time, auth, expires_secs).value();
    }
    result<std::string> try_string_to_sign(const request &req, std::int64_t unix_time, sigv4rs_auth auth = SIGV4RS_AUTH_HEADERS,
                                           std::uint32_t expires_secs = 0) const
    {
        detail::c_request c(req);
        return try_string_to_sign(c.get(), unix_time, auth, expires_secs);
    }
    result<std::string> try_string_to_sign(const sigv4rs_request &req, std::int64_t unix_time, sigv4rs_auth auth = SIGV4RS_AUTH_HEADERS,
                                           std::uint32_t expires_secs = 0) const
    {
        return detail::text(
            [&](std::uint8_t *o, std::size_t c, std::size_t *l) {
                return sigv4rs_signer_string_to_sign(h_, &req, unix_time, auth, expires_secs, o, c, l);
            },
            256, &req, true);
    }
    std::size_t string_to_sign_into(const request &req, std::int64_t unix_time, sigv4rs_auth auth, std::uint32_t expires_secs,
                                    buffer out) const
    {
        detail::c_request c(req);
        return string_to_sign_into(c.get(), unix_time, auth, expires_secs, out);
    }
    std::size_t string_to_sign_into(const sigv4rs_request &req, std::int64_t unix_time, sigv4rs_auth auth, std::uint32_t expires_secs,
                                    buffer out) const
    {
        return try_string_to_sign_into(req, unix_time, auth, expires_secs, out).value();
    }
    result<std::size_t> try_string_to_sign_into(const request &req, std::int64_t unix_time, sigv4rs_auth auth,
                                                std::uint32_t expires_secs, buffer out) const
    {
        detail::c_request c(req);
        return try_string_to_sign_into(c.get(), unix_time, auth, expires_secs, out);
    }
    result<std::size_t> try_string_to_sign_into(const sigv4rs_request &req, std::int64_t unix_time, sigv4rs_auth auth,
                                                std::uint32_t expires_secs, buffer out) const
    {
        detail::clear_cause();
        std::size_t len = 0;
        sigv4rs_status st = sigv4rs_signer_string_to_sign(h_, &req, unix_time, auth, expires_secs, out.data(), out.size(), &len);
        return detail::sized(st, len, &req, true);
    }

    // -- Credentials.
    /// Replaces the credentials while other threads sign (BUSY: retry).
    void rotate(const credentials &c) const { try_rotate(c).value(); }
    result<void> try_rotate(const credentials &c) const
    {
        sigv4rs_credentials cc = detail::c_credentials(c);
        return detail::done(sigv4rs_signer_rotate(h_, &cc));
    }
    /// Rotates to a credentials document (AWS IoT, IMDS, container
    /// endpoint, credential_process).
    void rotate_json(std::string_view json) const { try_rotate_json(json).value(); }
    result<void> try_rotate_json(std::string_view json) const { return detail::done(sigv4rs_signer_rotate_json(h_, detail::bytes(json))); }
    /// Rotates to the credentials of an S3 CreateSession response (S3
    /// Express One Zone) or an STS AssumeRole* response body.
    void rotate_xml(std::string_view xml) const { try_rotate_xml(xml).value(); }
    result<void> try_rotate_xml(std::string_view xml) const { return detail::done(sigv4rs_signer_rotate_xml(h_, detail::bytes(xml))); }
    /// When the current credentials expire (Unix seconds; 0: never).
    std::int64_t expiration() const { return try_expiration().value(); }
    result<std::int64_t> try_expiration() const
    {
        std::int64_t t = 0;
        sigv4rs_status st = sigv4rs_signer_expiration(h_, &t);
        if (st != SIGV4RS_STATUS_OK)
            return detail::fail(st);
        return t;
    }
    /// Sets a C++ provider, any callable as `void(std::int64_t unix_time,
    /// credentials_sink&)` (move-only ones too), asked when there are no
    /// credentials or from expiration - margin on; it puts into the sink, or
    /// throws to fail. Set it before sharing the signer, which keeps the
    /// callable (replacing, clearing or destroying the signer destroys it).
    template <class F>
    void set_provider(F &&provider, std::uint32_t margin_secs = default_refresh_margin)
    {
        try_set_provider(std::forward<F>(provider), margin_secs).value();
    }
    template <class F>
    result<void> try_set_provider(F &&provider, std::uint32_t margin_secs = default_refresh_margin)
    {
        static_assert(std::is_invocable_v<std::decay_t<F> &, std::int64_t, credentials_sink &>,
                      "a provider is callable as f(std::int64_t unix_time, sigv4rs::credentials_sink &sink)");
        static_assert(std::is_void_v<std::invoke_result_t<std::decay_t<F> &, std::int64_t, credentials_sink &>>,
                      "a provider returns nothing: it puts into the sink, or throws to fail");
        std::unique_ptr<detail::provider_box> box = std::make_unique<detail::provider_of<std::decay_t<F>>>(std::forward<F>(provider));
        sigv4rs_status st = sigv4rs_signer_set_provider(h_, &detail::call_provider, box.get(), margin_secs);
        if (st != SIGV4RS_STATUS_OK)
            return detail::fail(st);
        provider_ = std::move(box); // the library holds the new one now
        return {};
    }
#if defined(SIGV4RS_STD)
    /// The default chain as the provider; `c` must outlive the signer (or
    /// until clear_provider()).
    void set_provider(chain &c, std::uint32_t margin_secs = default_refresh_margin) { try_set_provider(c, margin_secs).value(); }
    result<void> try_set_provider(chain &c, std::uint32_t margin_secs = default_refresh_margin)
    {
        sigv4rs_status st = sigv4rs_signer_set_provider(h_, &sigv4rs_chain_resolve, c.get(), margin_secs);
        if (st != SIGV4RS_STATUS_OK)
            return detail::fail(st);
        provider_.reset();
        return {};
    }
#endif
    void clear_provider() { try_clear_provider().value(); }
    result<void> try_clear_provider()
    {
        sigv4rs_status st = sigv4rs_signer_set_provider(h_, nullptr, nullptr, 0);
        if (st != SIGV4RS_STATUS_OK)
            return detail::fail(st);
        provider_.reset();
        return {};
    }

  private:
    signer(sigv4rs_signer *h, sigv4rs_signer_storage *storage, std::uint32_t flags) noexcept
        : h_(h), storage_(storage), sigv4a_((flags & SIGV4RS_FLAG_SIGV4A) != 0)
    {
    }
    void release() noexcept
    {
        if (storage_ != nullptr)
            sigv4rs_signer_deinit(storage_);
#if defined(SIGV4RS_STD)
        else
            sigv4rs_signer_free(h_);
#endif
        h_ = nullptr;
        storage_ = nullptr;
        sigv4a_ = false;
        provider_.reset();
    }
    sigv4rs_signer *h_ = nullptr;
    sigv4rs_signer_storage *storage_ = nullptr;
    bool sigv4a_ = false; // the C API has no query for a signer's flags
    std::unique_ptr<detail::provider_box> provider_; // stable address: the provider's user pointer
};

// ---------------------------------------------------------------------------
// aws-chunked uploads

/// Content-Length of the aws-chunked body `s` signed by `by` (a SigV4a
/// signer's signed modes are the _V4A ones: 144-character signatures).
inline result<std::uint64_t> try_encoded_length(const signer &by, const stream &s) { return detail::encoded_length(s, by.sigv4a()); }
inline std::uint64_t encoded_length(const signer &by, const stream &s) { return try_encoded_length(by, s).value(); }

/// One streamed upload (sigv4rs_chunked, 320 bytes, inline): begin, a
/// sign_chunk per chunk (send its header, the bytes, then "\r\n"), finish.
/// With a SigV4a signer the signed modes become their _V4A forms (chunk and
/// trailer signatures ECDSA, padded with '*' to 144 characters).
/// The signer must outlive it. Movable (the source is left idle), not
/// copyable; the state holds a signing key and is wiped when destroyed.
class chunked_upload {
  public:
    /// The most bytes of a chunk header, and of the end of the body, in
    /// either kind of signing (sizes for the _into forms).
    static constexpr std::size_t chunk_header_max_len = SIGV4RS_SIGV4A_CHUNK_HEADER_MAX_LEN;
    static constexpr std::size_t finish_max_len = SIGV4RS_SIGV4A_CHUNKED_FINISH_MAX_LEN;
    static_assert(chunk_header_max_len >= SIGV4RS_CHUNK_HEADER_MAX_LEN && finish_max_len >= SIGV4RS_CHUNKED_FINISH_MAX_LEN);

    explicit chunked_upload(const signer &s) noexcept : signer_(s.get()), sigv4a_(s.sigv4a()) {}
    ~chunked_upload() { detail::wipe(&state_, sizeof state_); }
    chunked_upload(chunked_upload &&o) noexcept
        : signer_(std::exchange(o.signer_, nullptr)), sigv4a_(std::exchange(o.sigv4a_, false)), state_(o.state_)
    {
        detail::wipe(&o.state_, sizeof o.state_);
    }
    chunked_upload &operator=(chunked_upload &&o) noexcept
    {
        if (this != &o) {
            signer_ = std::exchange(o.signer_, nullptr);
            sigv4a_ = std::exchange(o.sigv4a_, false);
            state_ = o.state_;
            detail::wipe(&o.state_, sizeof o.state_);
        }
        return *this;
    }
    chunked_upload(const chunked_upload &) = delete;
    chunked_upload &operator=(const chunked_upload &) = delete;

    /// Content-Length of the body of `shape` with this upload's signer.
    result<std::uint64_t> try_encoded_length(const stream &shape) const { return detail::encoded_length(shape, sigv4a_); }
    std::uint64_t encoded_length(const stream &shape) const { return try_encoded_length(shape).value(); }

    /// Signs the seed request: the headers to send (Content-Encoding,
    /// Content-Length, X-Amz-Decoded-Content-Length, Authorization...;
    /// SigV4a: up to SIGV4RS_SIGV4A_MAX_OUTPUT_HEADERS lines).
    header_list begin(const request &req, std::int64_t unix_time, const stream &shape)
    {
        return try_begin(req, unix_time, shape).value();
    }
    header_list begin(const sigv4rs_request &req, std::int64_t unix_time, const stream &shape)
    {
        return try_begin(req, unix_time, shape).value();
    }
    result<header_list> try_begin(const request &req, std::int64_t unix_time, const stream &shape)
    {
        detail::c_request c(req);
        return try_begin(c.get(), unix_time, shape);
    }
    result<header_list> try_begin(const sigv4rs_request &req, std::int64_t unix_time, const stream &shape)
    {
        sigv4rs_stream s = detail::c_stream(shape, sigv4a_);
        return detail::headers(
            [&](std::uint8_t *o, std::size_t c, std::size_t *l) { return sigv4rs_chunked_begin(signer_, &req, unix_time, &s, &state_, o, c, l); },
            &req);
    }
    /// The seed headers into caller memory (see header_lines).
    std::size_t begin_into(const request &req, std::int64_t unix_time, const stream &shape, buffer out)
    {
        return try_begin_into(req, unix_time, shape, out).value();
    }
    std::size_t begin_into(const sigv4rs_request &req, std::int64_t unix_time, const stream &shape, buffer out)
    {
        return try_begin_into(req, unix_time, shape, out).value();
    }
    result<std::size_t> try_begin_into(const request &req, std::int64_t unix_time, const stream &shape, buffer out)
    {
        detail::c_request c(req);
        return try_begin_into(c.get(), unix_time, shape, out);
    }
    result<std::size_t> try_begin_into(const sigv4rs_request &req, std::int64_t unix_time, const stream &shape, buffer out)
    {
        detail::clear_cause();
        sigv4rs_stream s = detail::c_stream(shape, sigv4a_);
        std::size_t len = 0;
        sigv4rs_status st = sigv4rs_chunked_begin(signer_, &req, unix_time, &s, &state_, out.data(), out.size(), &len);
        return detail::sized(st, len, &req, true);
    }

    /// The next chunk's header line (wire bytes: "<hex size>;chunk-signature=...\r\n",
    /// at most chunk_header_max_len).
    std::string sign_chunk(std::string_view data) { return try_sign_chunk(data).value(); }
    result<std::string> try_sign_chunk(std::string_view data)
    {
        char line[chunk_header_max_len];
        std::size_t len = 0;
        sigv4rs_status st =
            sigv4rs_chunked_sign_chunk(signer_, &state_, detail::bytes(data), reinterpret_cast<std::uint8_t *>(line), sizeof line, &len);
        if (st != SIGV4RS_STATUS_OK)
            return detail::fail(st, len);
        return std::string(line, len);
    }
    std::size_t sign_chunk_into(std::string_view data, buffer out) { return try_sign_chunk_into(data, out).value(); }
    result<std::size_t> try_sign_chunk_into(std::string_view data, buffer out)
    {
        std::size_t len = 0;
        sigv4rs_status st = sigv4rs_chunked_sign_chunk(signer_, &state_, detail::bytes(data), out.data(), out.size(), &len);
        return detail::sized(st, len);
    }

    /// The end of the body (final chunk, trailer, blank line; at most
    /// finish_max_len); the upload is spent.
    std::string finish() { return try_finish().value(); }
    result<std::string> try_finish()
    {
        char tail[finish_max_len];
        std::size_t len = 0;
        sigv4rs_status st = sigv4rs_chunked_finish(signer_, &state_, reinterpret_cast<std::uint8_t *>(tail), sizeof tail, &len);
        if (st != SIGV4RS_STATUS_OK)
            return detail::fail(st, len);
        return std::string(tail, len);
    }
    std::size_t finish_into(buffer out) { return try_finish_into(out).value(); }
    result<std::size_t> try_finish_into(buffer out)
    {
        std::size_t len = 0;
        sigv4rs_status st = sigv4rs_chunked_finish(signer_, &state_, out.data(), out.size(), &len);
        return detail::sized(st, len);
    }
    sigv4rs_chunked *native() noexcept { return &state_; }

  private:
    const sigv4rs_signer *signer_;
    bool sigv4a_;
    sigv4rs_chunked state_{};
};

} // namespace sigv4rs

#endif // SIGV4RS_HPP
