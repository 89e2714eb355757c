// sigv4rs.hpp must compile alone, warning-free, in every configuration the
// Makefile's header-check builds (C++17 and C++20, g++ and clang++, hosted
// and SIGV4RS_NO_STD, with and without exceptions, strict warnings), its
// templates instantiated. Compiled only: the tests run the code.
//
// sigv4rs.h is the C header (cbindgen's): its C-style cast in sigv4rs_cstr
// is kept out of the strict -Wold-style-cast build of the wrapper.
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
#endif
#include "sigv4rs.h"
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

#include "sigv4rs.hpp"
#include "sigv4rs.hpp" // include guard

namespace {

[[maybe_unused]] void use_everything(sigv4rs_signer_storage &storage)
{
    sigv4rs::config cfg;
    cfg.region = "us-east-1";
    cfg.service = "s3";
    cfg.flags = sigv4rs::flag_s3 | sigv4rs::flag_content_sha256_header;
    cfg.unsigned_headers = {"x-skip"};
    auto made = sigv4rs::signer::try_create(storage, cfg);
    sigv4rs::signer s = std::move(made).value_or(sigv4rs::signer());
    sigv4rs::request req{"GET", "https://example.com/", {}, {}, {}, {{"A", "b"}}, SIGV4RS_PAYLOAD_MODE_AUTO, {}};
    // Partial aggregate initialization stays -Wextra clean (every member
    // has a default), and C++20 designated initializers work.
    sigv4rs::request partial{"GET", "https://example.com/"};
    (void)sigv4rs::locate(partial, SIGV4RS_STATUS_OK);
    (void)sigv4rs::config{{}, {}, {}, "us-east-1", "s3"};
    (void)sigv4rs::credentials{"AKID", "secret"};
    (void)sigv4rs::stream{SIGV4RS_STREAM_MODE_SIGNED};
    (void)sigv4rs::header{"A"};
#if __cplusplus >= 202002L
    (void)sigv4rs::request{.method = "PUT", .url = "https://example.com/", .payload_mode = SIGV4RS_PAYLOAD_MODE_UNSIGNED};
#endif
    sigv4rs_request creq{};
    char buf[1024];
    std::size_t n = 0;
    if (auto r = s.try_sign_headers_into(creq, 0, buf))
        n = *r;
    for (std::string_view line : sigv4rs::header_lines(buf, n))
        (void)sigv4rs::split_header(line);
    (void)s.try_sign_headers(req, 0);
    (void)s.try_presign(req, 0, 60);
    (void)s.try_presign_into(req, 0, 60, buf);
    (void)s.try_canonical_request(req, 0, SIGV4RS_AUTH_PRESIGN, 60);
    (void)s.try_canonical_request_into(creq, 0, SIGV4RS_AUTH_HEADERS, 0, buf);
    (void)s.try_string_to_sign(creq, 0);
    (void)s.try_string_to_sign_into(creq, 0, SIGV4RS_AUTH_HEADERS, 0, buf);
    (void)s.try_rotate({"AKID", "secret", {}, 0});
    (void)s.try_rotate_json("{}");
    (void)s.try_rotate_xml("<CreateSessionResult/>");
    static_assert(sigv4rs::flag_sigv4a != sigv4rs::flag_s3express && sigv4rs::sigv4a_signature_max_len >= 140);
    if (auto ck = sigv4rs::checksum::try_create(SIGV4RS_CHECKSUM_CRC64NVME)) {
        sigv4rs::checksum fork = *ck;
        (void)ck->try_update("x");
        (void)ck->try_finish();
        (void)fork.try_finish_into(buf);
        fork.reset();
        (void)fork.kind();
        (void)fork.header_name();
        (void)fork.native();
    }
    (void)sigv4rs::try_checksum_of(SIGV4RS_CHECKSUM_SHA1, "x");
    (void)sigv4rs::checksum_header_name(SIGV4RS_CHECKSUM_CRC32);
    (void)s.try_expiration().value_or(0);
    (void)s.try_set_provider([](std::int64_t, sigv4rs::credentials_sink &sink) { (void)sink.try_put({}); });
    (void)s.try_clear_provider();
    (void)sigv4rs::locate(req, SIGV4RS_STATUS_INVALID_URL);
    (void)sigv4rs::try_encoded_length(sigv4rs::stream{});
    (void)sigv4rs::try_encoded_length(s, sigv4rs::stream{});
    (void)s.sigv4a();
    sigv4rs::chunked_upload up(s);
    (void)up.try_encoded_length(sigv4rs::stream{});
    static_assert(sigv4rs::chunked_upload::chunk_header_max_len == SIGV4RS_SIGV4A_CHUNK_HEADER_MAX_LEN &&
                  sigv4rs::chunked_upload::finish_max_len == SIGV4RS_SIGV4A_CHUNKED_FINISH_MAX_LEN);
    (void)up.try_begin(req, 0, sigv4rs::stream{});
    (void)up.try_begin_into(creq, 0, sigv4rs::stream{}, buf);
    (void)up.try_sign_chunk("x");
    (void)up.try_sign_chunk_into("x", buf);
    (void)up.try_finish();
    (void)up.try_finish_into(buf);
    sigv4rs::payload_hasher h;
    (void)h.try_update("x");
    (void)h.try_finish();
    (void)h.try_finish_into(buf);
    (void)sigv4rs::version();
    (void)sigv4rs::unix_time(std::chrono::system_clock::now());
    std::error_code ec = sigv4rs::make_error_code(SIGV4RS_STATUS_OK);
    (void)ec;
#if defined(SIGV4RS_HPP_EXCEPTIONS)
    try {
        (void)s.sign_headers(req, 0);
        (void)s.presign(creq, 0, 60);
        (void)sigv4rs::sha256_hex("x");
        (void)sigv4rs::encoded_length(sigv4rs::stream{});
        (void)sigv4rs::encoded_length(s, sigv4rs::stream{});
        (void)up.encoded_length(sigv4rs::stream{});
        s.rotate_xml("<CreateSessionResult/>");
        sigv4rs::checksum_header ch = sigv4rs::checksum(SIGV4RS_CHECKSUM_CRC32).update("x").finish();
        (void)ch.name;
        (void)sigv4rs::checksum_of(SIGV4RS_CHECKSUM_SHA256, "x").value;
        s.set_provider([](std::int64_t, sigv4rs::credentials_sink &sink) { sink.put({}); }, 60);
    } catch (const sigv4rs::error &e) {
        (void)e.status();
        (void)e.code();
        (void)e.needed();
        (void)e.location();
    }
#endif
#if defined(SIGV4RS_STD)
    sigv4rs::chain_options o;
    o.transport = [](const sigv4rs::http_request &rq, sigv4rs::http_response &rs) {
        rs.set_status(200);
        (void)rs.try_write(rq.body());
        (void)rq.headers();
    };
    auto c = sigv4rs::chain::try_create(o);
    if (c) {
        (void)s.try_set_provider(*c);
        (void)c->try_last_error();
    }
    (void)sigv4rs::signer::try_create(cfg);
    (void)sigv4rs::signer::try_from_env("", "s3");
    (void)sigv4rs::try_unix_time_now();
#endif
}

} // namespace
