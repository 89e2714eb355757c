# frozen_string_literal: true

require_relative 'test_helper'
require 'aws-sigv4'
require 'net/http'

# What the server computes (issue 10): a raw `+` in a query is a space, the
# host is signed lower-case (and sent that way), and escaped dot segments
# are dots once a single-encoded path is decoded. Expected values are
# written by hand from the SigV4 and RFC 3986 rules, taken from the AWS S3
# documentation's examples, or computed by Aws::Sigv4 (ruby-aws-sigv4) from
# the request as a server reads it.
class ServerRulesTest < Minitest::Test
  extend CountPasses
  summary_key :server_rules

  T = 1_440_938_160 # 20150830T123600Z
  DATE = '20150830T123600Z'
  DOC_T = Time.utc(2013, 5, 24).to_i # the S3 documentation's examples
  DOC_AKID = 'AKIAIOSFODNN7EXAMPLE'
  DOC_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
  # https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html (GET object)
  DOC_GET_SIG = 'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41'
  # https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
  DOC_PRESIGNED = 'https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256' \
                  '&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request' \
                  '&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host' \
                  '&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404'

  def setup
    @signers = []
  end

  def teardown
    @signers.each(&:close)
  end

  def signer(service = 'es', **kw)
    s = Sigv4rs::Signer.new(access_key_id: EXAMPLE_AKID, secret_access_key: EXAMPLE_SECRET, region: 'us-east-1',
                            service: service, **kw)
    @signers << s
    s
  end

  def doc_signer
    s = Sigv4rs::Signer.new(access_key_id: DOC_AKID, secret_access_key: DOC_SECRET, region: 'us-east-1',
                            service: 's3', s3: true)
    @signers << s
    s
  end

  def gem(service = 'es', **kw)
    Aws::Sigv4::Signer.new(access_key_id: EXAMPLE_AKID, secret_access_key: EXAMPLE_SECRET, region: 'us-east-1',
                           service: service, apply_checksum_header: false, **kw)
  end

  def creq(s, url, headers: {}, expires: nil)
    s.canonical_request(http_method: 'GET', url: url, headers: headers, time: T, presign_expires_in: expires)
  end

  def line(text, i) = text.split("\n")[i]

  def signature(headers) = headers['Authorization'][/Signature=(\h{64})\z/, 1]

  def test_plus_in_a_query_is_a_space
    s = signer
    [['q=star+wars', 'q=star%20wars'],
     ['q=star%20wars', 'q=star%20wars'],
     ['q=1%2B1', 'q=1%2B1'],
     ['a+b=c+d+&e=%2B+', 'a%20b=c%20d%20&e=%2B%20'],
     ['+=', '%20='],
     # Sorted by the canonical key: `%20` < `%2B` < `A`.
     ['x%2By=2&x+y=1&xA=3', 'x%20y=1&x%2By=2&xA=3']].each do |q, want|
      url = "https://search-d.us-east-1.es.amazonaws.com/_search?#{q}"
      assert_equal want, line(creq(s, url), 2), "header mode, #{q}"
      params = line(creq(s, url, expires: 60), 2).split('&')
      want.split('&').each { |w| assert_includes params, w, "presign mode, #{q}" }
    end
    # Aws::Sigv4 signs a raw `+` literally; given the query as a server reads
    # it (`+` is a space), it computes the same signature.
    path = 'https://search-d.us-east-1.es.amazonaws.com/movies/_search'
    url = "#{path}?q=title:star+wars&size=10"
    assert_equal 'q=title%3Astar%20wars&size=10', server_query('q=title:star+wars&size=10')
    g = gem.sign_request(http_method: 'GET', url: "#{path}?#{server_query('q=title:star+wars&size=10')}",
                         headers: { 'X-Amz-Date' => DATE })
    assert_equal g.headers['authorization'], s.sign_request(http_method: 'GET', url: url, time: T)['Authorization']
  end

  def test_presigned_url_carries_the_query_as_signed
    s = signer('s3', s3: true)
    url = s.presign_url(http_method: 'GET', url: 'https://b.s3.amazonaws.com/k?prefix=a+b&x=%7e%2f&flag&&y=1+1%2B',
                        expires_in: 60, time: T)
    base, query = url.split('?', 2)
    assert_equal 'https://b.s3.amazonaws.com/k', base
    # Caller order kept, each piece canonical, `&&` dropped, `flag` bare.
    assert query.start_with?('prefix=a%20b&x=~%2F&flag&y=1%201%2B&X-Amz-Algorithm='), url
    refute_includes url, '+'
    # Byte for byte what Aws::Sigv4 presigns from that canonical query.
    g = gem('s3', uri_escape_path: false).presign_url(
      http_method: 'GET', url: 'https://b.s3.amazonaws.com/k?prefix=a%20b&x=~%2F&flag&y=1%201%2B',
      expires_in: 60, time: Time.at(T), body_digest: 'UNSIGNED-PAYLOAD'
    )
    assert_equal g.to_s, url
  end

  # The S3 documentation's GET object example with the host written in
  # mixed case: DNS names are case-insensitive, so the documented signature
  # must come out, and the lower-cased host is returned to be sent.
  def test_mixed_case_host_signs_as_the_s3_example
    s = doc_signer
    args = { http_method: 'GET', url: 'https://ExampleBucket.S3.amazonaws.com/test.txt', time: DOC_T }
    out = s.sign_request(**args, headers: { 'Range' => 'bytes=0-9' })
    assert_equal DOC_GET_SIG, signature(out)
    assert_equal ['Host', 'examplebucket.s3.amazonaws.com'], out.first
    # Sent with a Host header set to the lower-cased value: same signature,
    # nothing to add.
    out = s.sign_request(**args, headers: { 'Range' => 'bytes=0-9', 'Host' => 'examplebucket.s3.amazonaws.com' })
    assert_equal DOC_GET_SIG, signature(out)
    refute out.key?('Host')
    # Already lower-case in the URL: no Host to add.
    out = s.sign_request(**args, url: 'https://examplebucket.s3.amazonaws.com/test.txt',
                                 headers: { 'Range' => 'bytes=0-9' })
    assert_equal DOC_GET_SIG, signature(out)
    refute out.key?('Host')
  end

  def test_explicit_host_header_is_signed_as_given
    s = signer('execute-api')
    url = 'https://API.example.com/p'
    assert_equal "GET\n/p\n\nhost:API.Example.com\nx-amz-date:#{DATE}\n\nhost;x-amz-date\n" \
                 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
                 creq(s, url, headers: { 'Host' => '  API.Example.com ' })
    refute s.sign_request(http_method: 'GET', url: url, headers: { 'Host' => 'API.Example.com' }, time: T).key?('Host')
  end

  def test_mixed_case_host_with_ports_ip_literals_and_parts
    s = signer('execute-api')
    [['https://API.Example.COM:8443/p', 'api.example.com:8443'],
     ['https://API.example.com:443/p', 'api.example.com'],
     ['http://Api.Example.com:80/p', 'api.example.com'],
     ['http://[FE80::AB]:8080/p', '[fe80::ab]:8080']].each do |url, host|
      assert_equal "host:#{host}", line(creq(s, url), 3), url
      out = s.sign_request(http_method: 'GET', url: url, time: T)
      assert_equal ['Host', host], out.first, url
      assert_equal s.sign_request(http_method: 'GET', url: url.downcase, time: T)['Authorization'],
                   out['Authorization'], url
    end
    # From parts: the host is lower-cased too, and `+` is a space.
    parts = { method: 'GET', host: 'API.Example.com', path: '/p', query: 'q=a+b', time: T }
    c = s.sign_raw(**parts, output: :canonical_request)
    assert_equal ['q=a%20b', 'host:api.example.com'], c.split("\n")[2, 2]
    assert_equal %w[Host api.example.com], s.sign_raw(**parts).first
    assert s.sign_raw(**parts, output: :presign, expires_in: 60).start_with?('https://api.example.com/p?q=a%20b&X-Amz-')
  end

  # The S3 documentation's presigned URL, from a mixed-case URL.
  def test_presigned_url_from_a_mixed_case_host
    url = doc_signer.presign_url(http_method: 'GET', url: 'https://EXAMPLEBUCKET.s3.amazonaws.com/test.txt',
                                 expires_in: 86_400, time: DOC_T)
    assert_equal DOC_PRESIGNED, url
  end

  # Net::HTTP fills Host from the URI as written; #sign_net_http! signs the
  # lower-cased host and replaces Host with it. Accept is removed so the
  # signed headers are the documentation's (User-Agent is never signed).
  def test_net_http_request_to_a_mixed_case_host
    req = Net::HTTP::Get.new(URI('https://ExampleBucket.S3.amazonaws.com/test.txt'), 'Range' => 'bytes=0-9')
    assert_equal 'ExampleBucket.S3.amazonaws.com', req['Host']
    req.delete('Accept')
    doc_signer.sign_net_http!(req, time: DOC_T)
    assert_equal ['examplebucket.s3.amazonaws.com'], req.get_fields('Host')
    assert_equal DOC_GET_SIG, req['Authorization'][/Signature=(\h{64})\z/, 1]
    # Made from a path: Host comes from the URI given, lower-cased.
    req = Net::HTTP::Get.new('/test.txt', 'Range' => 'bytes=0-9')
    req.delete('Accept')
    Sigv4rs::NetHTTP.sign!(doc_signer, 'https://ExampleBucket.S3.amazonaws.com', req, time: DOC_T)
    assert_equal ['examplebucket.s3.amazonaws.com'], req.get_fields('Host')
    assert_equal DOC_GET_SIG, req['Authorization'][/Signature=(\h{64})\z/, 1]
    # A Host the caller set is signed and sent as given (as Aws::Sigv4 signs it).
    given = { 'Range' => 'bytes=0-9', 'Host' => 'ExampleBucket.S3.amazonaws.com' }
    req = Net::HTTP::Get.new('/test.txt', given)
    req.delete('Accept')
    Sigv4rs::NetHTTP.sign!(doc_signer, 'https://examplebucket.s3.amazonaws.com', req, time: DOC_T)
    assert_equal ['ExampleBucket.S3.amazonaws.com'], req.get_fields('Host')
    g = Aws::Sigv4::Signer.new(access_key_id: DOC_AKID, secret_access_key: DOC_SECRET, region: 'us-east-1',
                               service: 's3', uri_escape_path: false)
    want = g.sign_request(http_method: 'GET', url: 'https://examplebucket.s3.amazonaws.com/test.txt',
                          headers: given.merge('X-Amz-Date' => '20130524T000000Z')).headers['authorization']
    assert_equal want, req['Authorization']
  end

  # aws-chunked: the seed headers carry the lower-cased Host too.
  def test_streaming_to_a_mixed_case_host
    req = Net::HTTP::Put.new(URI('http://Bucket.Example:9000/k'))
    Sigv4rs::NetHTTP.sign_streaming!(signer('s3', s3: true), nil, req, body: 'abc', size: 3)
    assert_equal ['bucket.example:9000'], req.get_fields('Host')
    assert_includes req['Authorization'], 'SignedHeaders=accept;accept-encoding;content-encoding;content-length;' \
                                          'content-type;host;'
  end

  # With single encoding and normalization, `%2e` is `.` when segments are
  # classified (RFC 3986 6.2.2.2 before 6.2.2.3); by hand:
  def test_escaped_dot_segments_with_single_encoding
    s = signer('execute-api', single_encode_path: true)
    [['/%2e', '/'],
     ['/%2E/x', '/x'],
     ['/%2e./x', '/x'],
     ['/a/b/%2e%2E/c', '/a/c'],
     ['/a/%2e%2e%2e', '/a/...'],
     ['/a/%2e%2fb', '/a/.%2Fb']].each do |path, want|
      assert_equal want, line(creq(s, "https://h.example#{path}"), 1), path
    end
    # Aws::Sigv4 (no normalization) agrees given the path a server resolves.
    g = gem('execute-api', uri_escape_path: false)
    assert_equal g.sign_request(http_method: 'GET', url: 'https://h.example/a/c',
                                headers: { 'X-Amz-Date' => DATE }).canonical_request,
                 creq(s, 'https://h.example/a/b/%2e%2E/c')
    # Double encoding (the default) signs `%2e` as data, as Aws::Sigv4 does.
    d = signer('execute-api')
    url = 'https://h.example/a/%2e%2e/b'
    assert_equal '/a/%252e%252e/b', line(creq(d, url), 1)
    assert_equal gem('execute-api').sign_request(http_method: 'GET', url: url,
                                                 headers: { 'X-Amz-Date' => DATE }).canonical_request,
                 creq(d, url)
    # S3 (no normalization) keeps the segment, decoded.
    assert_equal '/a/../b', line(creq(signer('s3', s3: true), url), 1)
  end
end
