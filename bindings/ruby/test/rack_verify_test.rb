# frozen_string_literal: true

require_relative 'verify_helper'
require 'net/http'
require 'sigv4rs/rack'

# Sigv4rs::Rack::Verify on hand-built Rack envs of requests signed by the
# binding's Signer (and one real request through WEBrick when ruby has it):
# the app runs only for a verified request and sees only verified, decoded
# bytes; a refused one gets an S3-style XML error.
class RackVerifyTest < Minitest::Test
  include VerifyHelper
  extend CountPasses
  summary_key :rack

  # An app that records what it was given.
  class App
    attr_reader :calls

    def initialize
      @calls = []
    end

    def call(env)
      @calls << { body: env['rack.input'].read, length: env['CONTENT_LENGTH'], result: env['sigv4rs.result'],
                  encoding: env['HTTP_CONTENT_ENCODING'], input: env['rack.input'].class }
      [200, { 'content-type' => 'text/plain' }, ['ok']]
    end
  end

  def setup
    @s = signer
    @app = App.new
    @mw = middleware(region: 'us-east-1', service: 's3', s3: true) { |id| KEYS[id] }
  end

  # The requests were signed at T: the middleware's clock says T.
  def middleware(clock: -> { Time.at(T) }, **kw, &blk)
    Sigv4rs::Rack::Verify.new(@app, clock: clock, **kw, &blk)
  end

  def call(r, mw = @mw, **kw)
    mw.call(rack_env(r, **kw))
  end

  def assert_error(http, code, resp)
    status, headers, body = resp
    xml = body.join
    assert_equal http, status, xml
    assert_equal 'application/xml', headers['content-type']
    assert_equal xml.bytesize.to_s, headers['content-length']
    assert_includes xml, "<Code>#{code}</Code>"
    refute_includes xml, SECRET
    assert_empty @app.calls, 'the app was called for a refused request'
  end

  def test_header_form_and_presigned_reach_the_app
    r = signed(@s, headers: { 'x-amz-meta-a' => 'one', 'Content-Type' => 'text/plain' })
    assert_equal 200, call(r)[0]
    p = presigned(@s)
    assert_equal 200, call(p)[0]
    assert_equal %i[header query], @app.calls.map { |c| c[:result].form }
    assert_equal [AKID, AKID], @app.calls.map { |c| c[:result].access_key_id }
    assert_equal ['', ''], @app.calls.map { |c| c[:body] }
  end

  def test_session_token_and_absolute_request_uri
    r = signed(signer(temp: true))
    env = rack_env(r)
    env['REQUEST_URI'] = "https://bucket.s3.amazonaws.com#{r.target}" # absolute form
    assert_equal 200, @mw.call(env)[0]
    # Without REQUEST_URI: SCRIPT_NAME + PATH_INFO + QUERY_STRING.
    env = rack_env(r)
    env.delete('REQUEST_URI')
    env['SCRIPT_NAME'] = '/photos'
    env['PATH_INFO'] = env['PATH_INFO'].delete_prefix('/photos')
    assert_equal 200, @mw.call(env)[0]
    assert_equal [TEMP_AKID] * 2, @app.calls.map { |c| c[:result].access_key_id }
  end

  def test_plain_body_verified_before_the_app
    body = Random.new(2).bytes(5000)
    r = signed(@s, method: 'PUT', body: body, headers: { 'Content-Length' => body.bytesize.to_s })
    assert_equal 200, call(r)[0]
    assert @app.calls[0][:body] == body
    bad = body.dup
    bad.setbyte(4999, bad.getbyte(4999) ^ 1)
    @app.calls.clear
    assert_error 400, 'XAmzContentSHA256Mismatch', call(r.with(body: bad))
  end

  def test_aws_chunked_decoded_for_the_app
    [[:signed, nil], [:signed_trailer, :crc32c], [:unsigned_trailer, :sha256]].each do |mode, ck|
      r, data = streamed(@s, size: 20_000, mode: mode, checksum: ck)
      assert_equal 200, call(r)[0], "#{mode}"
      c = @app.calls.pop
      assert c[:body] == data, "#{mode}: the app got other bytes"
      assert_equal '20000', c[:length]
      assert_nil c[:encoding] # aws-chunked removed
      # One changed byte of chunk data: the app never runs.
      bad = r.body.dup
      at = bad.index("\r\n") + 50
      bad.setbyte(at, bad.getbyte(at) ^ 1)
      want = mode == :unsigned_trailer ? [400, 'BadDigest'] : [403, 'SignatureDoesNotMatch']
      assert_error(*want, call(r.with(body: bad)))
      assert_error 400, 'IncompleteBody', call(r.with(body: r.body[0, 10_000]))
    end
  end

  def test_large_body_goes_to_a_tempfile
    mw = middleware(verifier: verifier, memory_limit: 1000)
    r, data = streamed(@s, size: 20_000, mode: :signed)
    status, _h, body = call(r, mw)
    assert_equal 200, status
    assert_equal Tempfile, @app.calls[0][:input]
    assert @app.calls[0][:body] == data
    body.close
    small = signed(@s, method: 'PUT', body: 'x' * 10)
    call(small, mw)
    assert_equal StringIO, @app.calls[1][:input]
  end

  def test_max_body
    mw = middleware(verifier: verifier, max_body: 1000)
    r, = streamed(@s, size: 2000, mode: :signed)
    assert_error 413, 'EntityTooLarge', call(r, mw)
    # Past the limit without a Content-Length (the bytes read are counted),
    # and a declared length over it refused without reading.
    plain = signed(@s, method: 'PUT', body: 'x' * 2000)
    refute rack_env(plain).key?('CONTENT_LENGTH')
    assert_error 413, 'EntityTooLarge', call(plain, mw)
    env = rack_env(r)
    env['rack.input'] = Object.new.tap { |o| o.define_singleton_method(:read) { |*| flunk 'the body was read' } }
    assert_error 413, 'EntityTooLarge', mw.call(env)
  end

  def test_other_service_body_hashed_then_verified
    s = signer(s3: false, service: 'execute-api')
    v = verifier(s3: false, service: 'execute-api')
    mw = middleware(verifier: v, memory_limit: 100)
    r = signed(s, method: 'POST', url: 'https://api.example.com/prod/items?x=1', body: 'y' * 500,
                  headers: { 'Content-Type' => 'application/json' })
    assert_equal 200, call(r, mw)[0]
    assert_equal 'y' * 500, @app.calls.pop[:body]
    assert_error 403, 'SignatureDoesNotMatch', call(r.with(body: "#{'y' * 499}z"), mw)
  end

  def test_refusals
    r = signed(@s, headers: { 'x-amz-meta-a' => 'one' })
    tampered = r.with_headers { |h| h.find { |n, _| n == 'x-amz-meta-a' }[1] = 'two' }
    assert_error 403, 'SignatureDoesNotMatch', call(tampered)
    assert_error 403, 'SignatureDoesNotMatch', call(r.with(target: r.target.sub('versionId=3', 'versionId=9')))
    assert_error 403, 'AccessDenied', call(r.with_headers { |h| h.reject! { |n, _| n == 'Authorization' } })
    assert_error 403, 'InvalidAccessKeyId', call(signed(@s), middleware(verifier: verifier(keys: {})))
    late = middleware(verifier: verifier, clock: -> { Time.at(T + 1000) })
    assert_error 403, 'RequestTimeTooSkewed', call(r, late)
    raising = middleware(region: 'us-east-1', service: 's3', s3: true) { raise SECRET }
    assert_error 500, 'InternalError', call(r, raising)
  end

  def test_request_from_env
    env = { 'REQUEST_METHOD' => 'PUT', 'REQUEST_URI' => '/a%2Fb?x=1+2', 'HTTP_HOST' => 'h',
            'HTTP_X_AMZ_META_FOO' => 'v', 'CONTENT_TYPE' => 'text/plain', 'CONTENT_LENGTH' => '3',
            'HTTP_VERSION' => 'HTTP/1.1', 'rack.input' => StringIO.new('abc') }
    m, t, h = Sigv4rs::Rack::Verify.request(env)
    assert_equal ['PUT', '/a%2Fb?x=1+2'], [m, t]
    assert_equal [%w[host h], %w[x-amz-meta-foo v], ['content-type', 'text/plain'], %w[content-length 3]], h
    assert_equal '/', Sigv4rs::Rack::Verify.target('REQUEST_URI' => 'http://h:80')
    assert_equal '/?a', Sigv4rs::Rack::Verify.target('REQUEST_URI' => 'http://h?a')
  end

  # One real request on loopback: WEBrick parses it into a Rack env
  # (no rack gem here: the few lines a Rack handler does).
  def test_through_webrick
    begin
      require 'webrick'
    rescue LoadError
      skip 'webrick is not available to this ruby (Debian: ruby-webrick)'
    end
    mw = Sigv4rs::Rack::Verify.new(@app, verifier: verifier)
    server = WEBrick::HTTPServer.new(BindAddress: '127.0.0.1', Port: 0, Logger: WEBrick::Log.new(File::NULL),
                                     AccessLog: [])
    server.mount_proc('/') do |req, res|
      env = { 'REQUEST_METHOD' => req.request_method, 'REQUEST_URI' => req.unparsed_uri, 'SCRIPT_NAME' => '',
              'PATH_INFO' => req.path, 'QUERY_STRING' => req.query_string.to_s,
              'rack.input' => StringIO.new(req.body || '') }
      req.each do |k, v|
        key = k.upcase.tr('-', '_')
        env[%w[CONTENT_TYPE CONTENT_LENGTH].include?(key) ? key : "HTTP_#{key}"] = v
      end
      status, headers, body = mw.call(env)
      res.status = status
      headers.each { |k, v| res[k] = v }
      res.body = body.each.to_a.join
      body.close if body.respond_to?(:close)
    end
    thread = Thread.new { server.start }
    port = server.config[:Port]
    url = "http://127.0.0.1:#{port}/bucket/key%20one?x-id=PutObject"
    http = Net::HTTP.new('127.0.0.1', port)
    s = Sigv4rs::Signer.new(access_key_id: AKID, secret_access_key: SECRET, region: 'us-east-1', service: 's3',
                            s3: true)
    req = Net::HTTP::Put.new(URI(url), 'Content-Type' => 'text/plain')
    req.body = 'real bytes'
    s.sign_net_http!(req, URI(url))
    resp = http.request(req)
    assert_equal ['200', 'ok'], [resp.code, resp.body]
    assert_equal 'real bytes', @app.calls.pop[:body]
    req2 = Net::HTTP::Put.new(URI(url), 'Content-Type' => 'text/plain')
    req2.body = 'real bytez'
    s.sign_net_http!(req2, URI(url))
    req2.body = 'real bytes!'
    resp = http.request(req2)
    assert_equal '400', resp.code
    assert_includes resp.body, '<Code>XAmzContentSHA256Mismatch</Code>'
    assert_empty @app.calls
  ensure
    server&.shutdown
    thread&.join
  end
end
