# frozen_string_literal: true

require_relative 'test_helper'
require 'aws-sigv4'

# Each intentional difference from Debian's ruby-aws-sigv4 1.5.1 (pure Ruby,
# no aws-crt), shown on one request: the test fails if the two ever agree,
# so this list stays true. The lib's side follows the SigV4 rules and the
# official suite.
class DifferencesTest < Minitest::Test
  extend CountPasses
  summary_key :differences

  T = 1_440_938_160
  DATE = '20150830T123600Z'

  def lib(**kw)
    Sigv4rs::Signer.new(access_key_id: EXAMPLE_AKID, secret_access_key: EXAMPLE_SECRET,
                        region: 'us-east-1', service: 'service', **kw)
  end

  # apply_checksum_header false: the lib adds x-amz-content-sha256 for S3 only.
  def gem(**kw)
    Aws::Sigv4::Signer.new(access_key_id: EXAMPLE_AKID, secret_access_key: EXAMPLE_SECRET,
                           region: 'us-east-1', service: 'service', apply_checksum_header: false, **kw)
  end

  def both(url, headers: {}, lib_opts: {}, gem_opts: {}, method: 'GET')
    l = lib(**lib_opts).canonical_request(http_method: method, url: url, headers: headers, time: T)
    g = gem(**gem_opts).sign_request(http_method: method, url: url,
                                     headers: headers.merge('X-Amz-Date' => DATE)).canonical_request
    refute_equal g, l, 'expected a difference'
    [l.split("\n"), g.split("\n")]
  end

  # The canonical requests agree but for line `i`.
  def assert_only_line_differs(i, l, g)
    assert_equal l.reject.with_index { |_, j| j == i }, g.reject.with_index { |_, j| j == i }
  end

  # 1. Quoted values: the gem keeps `"a   b"` verbatim; SigV4 collapses
  #    whitespace runs in every value (suite: get-header-value-trim).
  def test_quoted_header_values_are_collapsed
    l, g = both('https://h/', headers: { 'X-Q' => '"a   b"' })
    assert_includes l, 'x-q:"a b"'
    assert_includes g, 'x-q:"a   b"'
    assert_only_line_differs(l.index('x-q:"a b"'), l, g)
  end

  # 2. Query not in canonical form: the gem sorts the query as written; the
  #    lib decodes and re-encodes each key and value (`+` is a space, as form
  #    encoders write it and AWS reads it; escapes upper case, sub-delims
  #    encoded), as AWS does.
  def test_query_is_reencoded
    l, g = both('https://h/?b=x+y&a=%2f&c=!&d=1=2')
    assert_equal 'a=%2F&b=x%20y&c=%21&d=1%3D2', l[2]
    assert_equal 'a=%2f&b=x+y&c=!&d=1=2', g[2]
    assert_only_line_differs(2, l, g)
  end

  # 3. Empty query pieces (`a=1&&b=2`): the gem's sort compares a nil name
  #    and raises; the lib skips them (they carry no parameter).
  def test_empty_query_pieces_are_skipped
    assert_equal 'a=1&b=2', lib.canonical_request(http_method: 'GET', url: 'https://h/?a=1&&b=2', time: T).split("\n")[2]
    assert_raises(ArgumentError) do
      gem.sign_request(http_method: 'GET', url: 'https://h/?a=1&&b=2', headers: { 'X-Amz-Date' => DATE })
    end
  end

  # 4. A repeated key with an empty value: the gem's sort compares nil with a
  #    String and raises; the lib sorts `k=` before `k=v`.
  def test_repeated_key_with_empty_value
    assert_equal 'k=&k=v', lib.canonical_request(http_method: 'GET', url: 'https://h/?k=v&k', time: T).split("\n")[2]
    assert_raises(ArgumentError) do
      gem.sign_request(http_method: 'GET', url: 'https://h/?k=v&k', headers: { 'X-Amz-Date' => DATE })
    end
  end

  # 5. Path normalization (non-S3): the gem (without aws-crt) never removes
  #    dot segments or `//`; SigV4 does (suite: get-slash*, get-relative*).
  #    With single encoding, `%2e` is a dot there too (RFC 3986 6.2.2).
  def test_non_s3_paths_are_normalized
    l, g = both('https://h/a/./b/../c//d')
    assert_equal '/a/c/d', l[1]
    assert_equal '/a/./b/../c//d', g[1]
    assert_only_line_differs(1, l, g)
    l, g = both('https://h/a/b/%2e%2E/c', lib_opts: { single_encode_path: true }, gem_opts: { uri_escape_path: false })
    assert_equal '/a/c', l[1]
    assert_equal '/a/b/%2e%2E/c', g[1]
    assert_only_line_differs(1, l, g)
  end

  # 6. S3 paths not in canonical form: with uri_escape_path false the gem
  #    signs the path as written; S3 canonicalizes it (escapes of unreserved
  #    bytes decoded, others upper-cased, sub-delims encoded).
  def test_s3_paths_are_canonicalized
    l, g = both('https://b.s3.amazonaws.com/%7euser/a!(1)%2f.txt', lib_opts: { s3: true, service: 's3' },
                                                                   gem_opts: { uri_escape_path: false, service: 's3', apply_checksum_header: true })
    assert_equal '/~user/a%21%281%29%2F.txt', l[1]
    assert_equal '/%7euser/a!(1)%2f.txt', g[1]
    assert_only_line_differs(1, l, g)
  end

  # 7. Never-signed headers: the lib never signs user-agent, hop-by-hop
  #    headers (connection, te, ...) nor x-amzn-trace-id, which proxies and
  #    clients rewrite; the gem skips only authorization, expect and
  #    x-amzn-trace-id unless told.
  def test_hop_by_hop_and_user_agent_are_never_signed
    l, g = both('https://h/', headers: { 'User-Agent' => 'curl', 'Connection' => 'close', 'TE' => 'trailers' })
    assert_equal 'host;x-amz-date', l[-2]
    assert_equal 'connection;host;te;user-agent;x-amz-date', g[-2]
  end

  # 8. Method case: the gem upper-cases `get`; the lib signs the method as it
  #    goes on the wire (methods are case-sensitive). Symbols (:get) are
  #    upper-cased by the binding.
  def test_method_case_is_kept
    l = lib.canonical_request(http_method: 'get', url: 'https://h/', time: T)
    g = gem.sign_request(http_method: 'get', url: 'https://h/', headers: { 'X-Amz-Date' => DATE }).canonical_request
    assert_equal 'get', l.split("\n")[0]
    assert_equal 'GET', g.split("\n")[0]
    assert_equal 'GET', lib.canonical_request(http_method: :get, url: 'https://h/', time: T).split("\n")[0]
  end

  # 9. Repeated headers: the gem takes a Hash, so a second `X-A` (any case)
  #    replaces the first; the lib signs both, joined with ',' in order
  #    (suite: get-header-key-duplicate).
  def test_repeated_headers_are_joined
    l = lib.canonical_request(http_method: 'GET', url: 'https://h/', headers: [%w[X-A 1], %w[x-a 2]], time: T)
    g = gem.sign_request(http_method: 'GET', url: 'https://h/',
                         headers: { 'X-A' => '1', 'x-a' => '2', 'X-Amz-Date' => DATE }).canonical_request
    assert_includes l.split("\n"), 'x-a:1,2'
    assert_includes g.split("\n"), 'x-a:2'
  end

  # 10. Signing time: the gem reads it from an X-Amz-Date header (else the
  #     clock); the lib takes `time:` and replaces any X-Amz-Date header.
  def test_time_comes_from_the_argument
    l = lib.sign_request(http_method: 'GET', url: 'https://h/', headers: { 'X-Amz-Date' => '20000101T000000Z' }, time: T)
    assert_equal DATE, l['X-Amz-Date']
    g = gem.sign_request(http_method: 'GET', url: 'https://h/', headers: { 'X-Amz-Date' => '20000101T000000Z' })
    assert_equal '20000101T000000Z', g.headers['x-amz-date']
  end

  # 11. Returned headers: the gem also returns `host` and echoes a caller's
  #     x-amz-content-sha256; the lib returns only the headers to add (the
  #     HTTP client sets Host).
  def test_only_added_headers_are_returned
    h = { 'x-amz-content-sha256' => 'UNSIGNED-PAYLOAD' }
    l = lib(s3: true, service: 's3').sign_request(http_method: 'GET', url: 'https://h/', headers: h, time: T)
    g = gem(service: 's3', uri_escape_path: false, apply_checksum_header: true).sign_request(http_method: 'GET', url: 'https://h/',
                                                                headers: h.merge('X-Amz-Date' => DATE))
    assert_equal %w[X-Amz-Date Authorization], l.keys
    assert_equal %w[host x-amz-date x-amz-content-sha256 authorization], g.headers.keys
    assert_equal g.headers['authorization'], l['Authorization']
  end

  # 12. S3 presigned URLs: the lib signs UNSIGNED-PAYLOAD by default (the
  #     URL then works for any body, as S3 expects); the gem hashes an empty
  #     body unless given body_digest: 'UNSIGNED-PAYLOAD'.
  def test_s3_presign_defaults_to_unsigned_payload
    url = 'https://b.s3.amazonaws.com/k'
    l = lib(s3: true, service: 's3').presign_url(http_method: 'GET', url: url, time: T)
    g = gem(service: 's3', uri_escape_path: false, apply_checksum_header: true)
    refute_equal g.presign_url(http_method: 'GET', url: url, time: Time.at(T)).to_s, l
    assert_equal g.presign_url(http_method: 'GET', url: url, time: Time.at(T), body_digest: 'UNSIGNED-PAYLOAD').to_s, l
  end

  # 13. Unsigned session token (the suite's omit_session_token): the
  #     pure-Ruby gem always signs the token (its option needs aws-crt).
  def test_unsigned_session_token
    l = lib(session_token: 'tok', unsigned_session_token: true)
    g = gem(session_token: 'tok', omit_session_token: true)
    lh = l.sign_request(http_method: 'GET', url: 'https://h/', time: T)
    gh = g.sign_request(http_method: 'GET', url: 'https://h/', headers: { 'X-Amz-Date' => DATE }).headers
    assert_includes lh['Authorization'], 'SignedHeaders=host;x-amz-date,'
    assert_includes gh['authorization'], 'SignedHeaders=host;x-amz-date;x-amz-security-token,'
    assert_equal 'tok', lh['X-Amz-Security-Token']
  end

  # 15. Host case: the lib signs the URL's host lower-cased (DNS names are
  #     case-insensitive; AWS compares them so) and returns a Host header to
  #     send it so; the gem signs the host as written. A Host header given
  #     is signed as given by both.
  def test_host_is_signed_lower_case
    l, g = both('https://API.Example.com/p')
    assert_equal 'host:api.example.com', l[3]
    assert_equal 'host:API.Example.com', g[3]
    assert_only_line_differs(3, l, g)
    assert_equal 'api.example.com', lib.sign_request(http_method: 'GET', url: 'https://API.Example.com/p', time: T)['Host']
  end

  # 16. Presigned URLs: the lib writes the caller's query as it signed it
  #     (`+` as `%20`, `%7e` as `~`; empty pieces dropped, see 3) and the
  #     host lower-cased, so no server can read them two ways; the gem
  #     appends to the URL as given.
  def test_presigned_url_is_written_as_signed
    url = 'https://API.Example.com/p?q=a+b&t=%7e&k'
    l = lib.presign_url(http_method: 'GET', url: url, time: T)
    g = gem.presign_url(http_method: 'GET', url: url, time: Time.at(T)).to_s
    assert l.start_with?('https://api.example.com/p?q=a%20b&t=~&k&X-Amz-'), l
    assert g.start_with?("#{url}&X-Amz-"), g
  end

  # 14. Header values with a tab or a vertical tab: the lib allows tab (and
  #     collapses it like a space) but refuses other control bytes; the gem
  #     collapses every \s, \v \f \r \n included, and so signs headers that
  #     cannot be sent.
  def test_control_bytes_in_values_are_refused
    assert_raises(Sigv4rs::InvalidHeaderValueError) do
      lib.sign_request(http_method: 'GET', url: 'https://h/', headers: { 'x-a' => "a\vb" }, time: T)
    end
    g = gem.sign_request(http_method: 'GET', url: 'https://h/', headers: { 'x-a' => "a\vb", 'X-Amz-Date' => DATE })
    assert_includes g.canonical_request.split("\n"), 'x-a:a b'
  end
end
