# frozen_string_literal: true

require_relative 'test_helper'
require 'aws-sigv4'
require 'net/http'
require 'socket'
require 'stringio'
require 'timeout'
require 'digest'

# Real Net::HTTP requests to a local TCPServer (127.0.0.1, ephemeral port).
# The server keeps what arrived on the wire; the signature is then
# recomputed from that alone with Aws::Sigv4 and compared.
class NetHTTPTest < Minitest::Test
  extend CountPasses
  summary_key :net_http

  Received = Struct.new(:request_line, :method, :target, :headers, :body)
  TOKEN = 'AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=='

  def setup
    @server = TCPServer.new('127.0.0.1', 0)
    @port = @server.addr[1]
    @received = Queue.new
    @thread = Thread.new do
      loop do
        sock = @server.accept
        @received << read_request(sock)
        sock.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        sock.close
      end
    rescue IOError, Errno::EBADF
      nil # server closed
    end
  end

  def teardown
    @server.close
    @thread.join(5)
  end

  def read_request(sock)
    line = sock.gets("\r\n").chomp("\r\n")
    method, target, = line.split(' ', 3)
    headers = []
    while (h = sock.gets("\r\n")) && h != "\r\n"
      name, value = h.chomp("\r\n").split(':', 2)
      headers << [name, value.strip]
    end
    len = headers.find { |n, _| n.casecmp?('content-length') }&.last.to_i
    Received.new(line, method, target, headers, len.positive? ? sock.read(len) : '')
  end

  def perform(req, address = '127.0.0.1')
    Timeout.timeout(20) do
      http = Net::HTTP.new(address, @port)
      http.open_timeout = http.read_timeout = http.write_timeout = 5
      res = http.start { |h| h.request(req) }
      assert_equal '200', res.code
      Timeout.timeout(5) { @received.pop }
    end
  end

  # Signature recomputed by Aws::Sigv4 from the wire: the signed headers as
  # received, the request target, the body. Aws::Sigv4 signs the query as
  # written, a raw `+` as a plus; an AWS server form-decodes it (`+` is a
  # space) before encoding it canonically, so the gem gets the query as the
  # server reads it (server_query, `+` -> `%20`).
  def verify_with_aws_sigv4(got, secret:, token: nil, s3: false)
    auth = got.headers.find { |n, _| n == 'Authorization' }&.last
    refute_nil auth, 'no Authorization header arrived'
    m = %r{\AAWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, SignedHeaders=([^,]+), Signature=(\h{64})\z}.match(auth)
    refute_nil m, auth
    akid, _date, region, service, signed, sig = m.captures
    signed_names = signed.split(';')
    headers = got.headers.select { |n, _| signed_names.include?(n.downcase) }.to_h
    gem = Aws::Sigv4::Signer.new(access_key_id: akid, secret_access_key: secret, session_token: token,
                                 region: region, service: service, uri_escape_path: !s3,
                                 apply_checksum_header: false)
    path, query = got.target.split('?', 2)
    target = query ? "#{path}?#{server_query(query)}" : path
    g = gem.sign_request(http_method: got.method, url: "http://127.0.0.1:#{@port}#{target}",
                         headers: headers, body: got.body)
    assert_equal auth, g.headers['authorization'], "canonical request per aws-sigv4:\n#{g.canonical_request}"
    assert_equal sig, g.headers['authorization'][/Signature=(\h+)/, 1]
    signed_names
  end

  def test_get_with_query_and_net_http_defaults
    signer = Sigv4rs::Signer.new(access_key_id: EXAMPLE_AKID, secret_access_key: EXAMPLE_SECRET,
                                 region: 'eu-west-1', service: 'execute-api')
    uri = URI("http://127.0.0.1:#{@port}/prod/items/a%20b?b=2&a=1&c")
    req = Net::HTTP::Get.new(uri)
    signer.sign_net_http!(req)
    got = perform(req)
    assert_equal 'GET /prod/items/a%20b?b=2&a=1&c HTTP/1.1', got.request_line
    names = verify_with_aws_sigv4(got, secret: EXAMPLE_SECRET)
    # Net::HTTP's own defaults present at signing are signed; User-Agent never.
    assert_equal %w[accept accept-encoding host x-amz-date], names
    assert(got.headers.any? { |n, v| n.casecmp?('user-agent') && v == 'Ruby' })
  ensure
    signer&.close
  end

  # A mixed-case host (`LocalHost`, which resolves) and a form-encoded
  # query (spaces written as `+`): the lower-cased host that was signed is
  # the Host that arrives, and the query goes out as built.
  def test_mixed_case_host_and_form_encoded_query
    signer = Sigv4rs::Signer.new(access_key_id: EXAMPLE_AKID, secret_access_key: EXAMPLE_SECRET,
                                 region: 'eu-west-1', service: 'execute-api')
    query = URI.encode_www_form('q' => 'star wars', 'note' => 'a+b c', 'empty' => '')
    assert_equal 'q=star+wars&note=a%2Bb+c&empty=', query
    uri = URI("http://LocalHost:#{@port}/prod/search?#{query}")
    req = Net::HTTP::Get.new(uri)
    assert_equal "LocalHost:#{@port}", req['Host'] # as Net::HTTP writes it
    signer.sign_net_http!(req)
    got = perform(req, 'LocalHost')
    assert_equal "GET /prod/search?#{query} HTTP/1.1", got.request_line
    assert_equal ["localhost:#{@port}"], got.headers.select { |n, _| n.casecmp?('host') }.map(&:last)
    names = verify_with_aws_sigv4(got, secret: EXAMPLE_SECRET)
    assert_equal %w[accept accept-encoding host x-amz-date], names
    # Made from a path, the host from the URI given: the same.
    req = Net::HTTP::Post.new("/prod/search?#{query}", 'Content-Type' => 'text/plain')
    req.body = 'body'
    Sigv4rs::NetHTTP.sign!(signer, "http://LocalHost:#{@port}", req)
    got = perform(req, 'LocalHost')
    assert_equal ["localhost:#{@port}"], got.headers.select { |n, _| n.casecmp?('host') }.map(&:last)
    verify_with_aws_sigv4(got, secret: EXAMPLE_SECRET)
  ensure
    signer&.close
  end

  # A Host header the caller set is signed and sent as given.
  def test_explicit_host_is_sent_as_signed
    signer = Sigv4rs::Signer.new(access_key_id: EXAMPLE_AKID, secret_access_key: EXAMPLE_SECRET,
                                 region: 'eu-west-1', service: 'execute-api')
    req = Net::HTTP::Get.new(URI("http://LocalHost:#{@port}/a?x=1+2"), 'Host' => 'Api.Example.com')
    signer.sign_net_http!(req)
    got = perform(req, 'LocalHost')
    assert_equal ['Api.Example.com'], got.headers.select { |n, _| n.casecmp?('host') }.map(&:last)
    assert_includes verify_with_aws_sigv4(got, secret: EXAMPLE_SECRET), 'host'
  ensure
    signer&.close
  end

  def test_s3_put_with_token_body_and_custom_headers
    signer = Sigv4rs::Signer.new(access_key_id: EXAMPLE_AKID, secret_access_key: EXAMPLE_SECRET,
                                 session_token: TOKEN, region: 'us-east-1', service: 's3', s3: true)
    uri = URI("http://127.0.0.1:#{@port}/bucket/photos/2026/%E1%88%B4.jpg")
    req = Net::HTTP::Put.new(uri, 'Content-Type' => 'image/jpeg', 'x-amz-meta-Note' => '  two   spaces ')
    req.body = (0..255).map(&:chr).join.b * 4
    Sigv4rs::NetHTTP.sign!(signer, uri, req, time: Time.now)
    got = perform(req)
    assert_equal req.body, got.body
    assert_equal Digest::SHA256.hexdigest(req.body), got.headers.find { |n, _| n.casecmp?('x-amz-content-sha256') }.last
    names = verify_with_aws_sigv4(got, secret: EXAMPLE_SECRET, token: TOKEN, s3: true)
    assert_equal %w[accept accept-encoding content-type host x-amz-content-sha256 x-amz-date
                    x-amz-meta-note x-amz-security-token], names
  ensure
    signer&.close
  end

  def test_post_body_stream_from_a_path_request
    signer = Sigv4rs::Signer.new(access_key_id: EXAMPLE_AKID, secret_access_key: EXAMPLE_SECRET,
                                 region: 'us-west-2', service: 'es', content_sha256_header: true)
    body = '{"title":"The Shawshank Redemption","year":1994}'
    req = Net::HTTP::Post.new('/movies/_doc/5', 'Content-Type' => 'application/json')
    req['Content-Length'] = body.bytesize.to_s
    req.body_stream = StringIO.new(body)
    # Made from a path: Host comes from the URI given here.
    Sigv4rs::NetHTTP.sign!(signer, "http://127.0.0.1:#{@port}", req)
    assert_equal "127.0.0.1:#{@port}", req['host']
    got = perform(req)
    assert_equal body, got.body
    names = verify_with_aws_sigv4(got, secret: EXAMPLE_SECRET)
    assert_equal %w[accept accept-encoding content-length content-type host x-amz-content-sha256 x-amz-date], names
  ensure
    signer&.close
  end

  # aws-chunked through body_stream: Content-Length is the encoded length
  # (no Transfer-Encoding), Content-Type is set before signing (no unsigned
  # default), the seed signature verifies, and the body decodes to the data.
  def test_s3_streaming_put_through_body_stream
    signer = Sigv4rs::Signer.new(access_key_id: EXAMPLE_AKID, secret_access_key: EXAMPLE_SECRET,
                                 region: 'us-east-1', service: 's3', s3: true)
    uri = URI("http://127.0.0.1:#{@port}/bucket/big%20file.bin")
    req = Net::HTTP::Put.new(uri, 'x-amz-storage-class' => 'STANDARD')
    req['Transfer-Encoding'] = 'chunked' # must not survive: the seed signs Content-Length
    data = (0...200_000).map { |i| ((i * 31) + 7) % 251 }.pack('C*')
    enc = Sigv4rs::NetHTTP.sign_streaming!(signer, uri, req, body: StringIO.new(data), size: data.bytesize,
                                           mode: :signed_trailer, checksum: :crc32c)
    assert_same enc, req.body_stream
    got = perform(req)
    h = got.headers.to_h { |n, v| [n.downcase, v] }
    assert_nil h['transfer-encoding']
    assert_equal [enc.encoded_length.to_s, '200000', 'aws-chunked', 'application/octet-stream', 'x-amz-checksum-crc32c'],
                 h.values_at('content-length', 'x-amz-decoded-content-length', 'content-encoding', 'content-type',
                             'x-amz-trailer')
    assert_equal enc.encoded_length, got.body.bytesize
    names = verify_with_aws_sigv4(got, secret: EXAMPLE_SECRET, s3: true)
    assert_equal %w[accept accept-encoding content-encoding content-length content-type host x-amz-content-sha256
                    x-amz-date x-amz-decoded-content-length x-amz-storage-class x-amz-trailer], names
    decoded = +''
    body = StringIO.new(got.body)
    while (size = Integer(body.gets("\r\n")[/\A\h+/], 16)).positive?
      decoded << body.read(size)
      body.read(2)
    end
    assert decoded.b == data, 'decoded body differs'
    assert_match(/\Ax-amz-checksum-crc32c:\S+\r\nx-amz-trailer-signature:\h{64}\r\n\r\n\z/, body.read)
  ensure
    signer&.close
  end

  def test_unsigned_payload_and_resigning
    signer = Sigv4rs::Signer.new(access_key_id: EXAMPLE_AKID, secret_access_key: EXAMPLE_SECRET,
                                 region: 'us-east-1', service: 's3', s3: true)
    uri = URI("http://127.0.0.1:#{@port}/bucket/key?uploads")
    req = Net::HTTP::Post.new(uri, 'Content-Type' => 'application/octet-stream')
    req.body = 'large body, not hashed'
    Sigv4rs::NetHTTP.sign!(signer, uri, req, unsigned_payload: true, time: Time.now - 3600)
    # Signing again replaces X-Amz-Date/Authorization instead of adding.
    Sigv4rs::NetHTTP.sign!(signer, uri, req, unsigned_payload: true)
    assert_equal 1, req.get_fields('authorization').size
    got = perform(req)
    assert_equal 'UNSIGNED-PAYLOAD', got.headers.find { |n, _| n.casecmp?('x-amz-content-sha256') }.last
    verify_with_aws_sigv4(got, secret: EXAMPLE_SECRET, s3: true)
  ensure
    signer&.close
  end
end
