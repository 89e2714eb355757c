# frozen_string_literal: true

require_relative 'test_helper'
require 'digest'
require 'stringio'
require 'net/http'

# Every error path: library statuses raise their Sigv4rs::Error subclass with
# the code and sigv4rs_status_str message; Ruby misuse raises TypeError or
# ArgumentError with a message naming the argument. Nothing crashes.
class ErrorsTest < Minitest::Test
  extend CountPasses
  summary_key :errors

  URL = 'https://example.amazonaws.com/x'
  T = 1_440_938_160

  def signer(**kw)
    Sigv4rs::Signer.new(access_key_id: EXAMPLE_AKID, secret_access_key: EXAMPLE_SECRET,
                        region: 'us-east-1', service: 'service', **kw)
  end

  def setup
    @s = signer
  end

  def teardown
    @s.close
  end

  def assert_status(klass, code, &blk)
    e = assert_raises(klass, &blk)
    assert_kind_of Sigv4rs::Error, e
    assert_equal code, e.code
    if e.field # a request input: named first (test_errors_say_where)
      assert_match(/\A[^:]+: #{Regexp.escape(Sigv4rs.status_message(code))}( at byte \d+)?\z/, e.message)
    else
      assert_equal Sigv4rs.status_message(code), e.message
    end
    e
  end

  # The error's location and message, as [field, index, offset, header_name, message].
  def where(err)
    [err.field, err.index, err.offset, err.header_name, err.message]
  end

  def sign(**kw)
    @s.sign_request(http_method: 'GET', url: URL, time: T, **kw)
  end

  def test_one_class_per_status
    Sigv4rs::FFI::STATUS.each do |name, code|
      next if code.zero?

      klass = Sigv4rs.const_get("#{name.to_s.split('_').map(&:capitalize).join}Error")
      e = Sigv4rs::Error.for_status(code)
      assert_instance_of klass, e
      assert_equal code, e.code
      assert_equal Sigv4rs.status_message(code), e.message
      refute_equal 'unknown status', e.message
    end
    e = Sigv4rs::Error.for_status(12_345)
    assert_instance_of Sigv4rs::Error, e
    assert_equal 'unknown status', e.message
    assert_match(/InvalidHeaderValueError: invalid header value \(status 118\)/, Sigv4rs::InvalidHeaderValueError.new.inspect)
  end

  def test_signer_config_statuses
    assert_status(Sigv4rs::InvalidAccessKeyIdError, 100) { signer(access_key_id: '') }
    assert_status(Sigv4rs::InvalidAccessKeyIdError, 100) { signer(access_key_id: 'AKID EXAMPLE') }
    assert_status(Sigv4rs::InvalidAccessKeyIdError, 100) { signer(access_key_id: 'AKIDÉ') } # non-ASCII
    assert_status(Sigv4rs::InvalidAccessKeyIdError, 100) { signer(access_key_id: "AKID\xff".b) } # binary
    assert_status(Sigv4rs::InvalidAccessKeyIdError, 100) { signer(access_key_id: 'A' * 129) }
    assert_status(Sigv4rs::InvalidSecretKeyError, 101) { signer(secret_access_key: '') }
    assert_status(Sigv4rs::InvalidSecretKeyError, 101) { signer(secret_access_key: 's' * 129) }
    assert_status(Sigv4rs::InvalidSessionTokenError, 102) { signer(session_token: 'a b') }
    assert_status(Sigv4rs::InvalidSessionTokenError, 102) { signer(session_token: "tok\0en".b) }
    assert_status(Sigv4rs::InvalidSessionTokenError, 102) { signer(session_token: 't' * (Sigv4rs::ABI::MAX_SESSION_TOKEN_LEN + 1)) }
    assert_status(Sigv4rs::InvalidRegionError, 103) { signer(region: '') }
    assert_status(Sigv4rs::InvalidRegionError, 103) { signer(region: 'us east 1') }
    assert_status(Sigv4rs::InvalidRegionError, 103) { signer(region: 'ü') }
    assert_status(Sigv4rs::InvalidServiceError, 104) { signer(service: '') }
    assert_status(Sigv4rs::InvalidServiceError, 104) { signer(service: 's/3') }
    assert_status(Sigv4rs::InvalidUnsignedHeaderError, 105) { signer(unsigned_headers: ['bad name']) }
    assert_status(Sigv4rs::InvalidUnsignedHeaderError, 105) { signer(unsigned_headers: ['x' * 300]) }
    signer(session_token: '').close # empty token: none
    signer(session_token: 't' * 4096, unsigned_headers: ['X-Forwarded-For', :via]).close
  end

  def test_signer_config_types
    e = assert_raises(TypeError) { signer(access_key_id: 123) }
    assert_equal 'access_key_id must be a String, got Integer', e.message
    assert_raises(TypeError) { signer(secret_access_key: nil) }
    assert_raises(TypeError) { signer(session_token: 5) }
    assert_raises(TypeError) { signer(region: :us_east_1) }
    assert_raises(TypeError) { signer(s3: 'yes') }
    assert_raises(TypeError) { signer(normalize_path: nil) }
    assert_raises(TypeError) { signer(unsigned_headers: 'x-a') }
    assert_raises(TypeError) { signer(unsigned_headers: [1]) }
    assert_raises(ArgumentError) { Sigv4rs::Signer.new(access_key_id: 'a', secret_access_key: 'b', region: 'r') }
    e = assert_raises(ArgumentError) { signer(region: "us-east-1\xff") } # broken UTF-8
    assert_match(/region: invalid UTF-8 byte sequence/, e.message)
    # UTF-16 text is converted, not passed as bytes with NULs.
    signer(region: 'us-east-1'.encode('UTF-16LE')).close
  end

  def test_request_statuses
    assert_status(Sigv4rs::InvalidMethodError, 110) { sign(http_method: '') }
    assert_status(Sigv4rs::InvalidMethodError, 110) { sign(http_method: 'GE T') }
    assert_status(Sigv4rs::InvalidMethodError, 110) { sign(http_method: 'GËT') }
    assert_status(Sigv4rs::InvalidUrlError, 111) { sign(url: '') }
    assert_status(Sigv4rs::InvalidUrlError, 111) { sign(url: 'example.com/x') }
    assert_status(Sigv4rs::InvalidUrlError, 111) { sign(url: 'ftp://example.com/x') }
    assert_status(Sigv4rs::InvalidUrlError, 111) { sign(url: "https://example.com/x\r\nX-Evil: 1") }
    assert_status(Sigv4rs::InvalidUrlError, 111) { sign(url: 'https://user:pw@example.com/') }
    assert_status(Sigv4rs::InvalidHostError, 112) { sign(url: 'https://exa mple.com/') }
    assert_status(Sigv4rs::InvalidHostError, 112) { sign(url: 'https://example.com:99999/') }
    assert_status(Sigv4rs::MissingHostError, 113) { @s.sign_raw(method: 'GET', path: '/x', time: T) }
    assert_status(Sigv4rs::InvalidPathError, 114) { @s.sign_raw(method: 'GET', host: 'h', path: '/a?b', time: T) }
    assert_status(Sigv4rs::InvalidQueryError, 115) { @s.sign_raw(method: 'GET', host: 'h', query: 'a#b', time: T) }
    assert_status(Sigv4rs::ReservedQueryParameterError, 116) do
      @s.presign_url(http_method: 'GET', url: "#{URL}?X-Amz-Signature=abc", time: T)
    end
    assert_status(Sigv4rs::InvalidHeaderNameError, 117) { sign(headers: { 'bad name' => 'v' }) }
    assert_status(Sigv4rs::InvalidHeaderNameError, 117) { sign(headers: { '' => 'v' }) }
    assert_status(Sigv4rs::InvalidHeaderNameError, 117) { sign(headers: { 'nämé' => 'v' }) }
    assert_status(Sigv4rs::InvalidHeaderValueError, 118) { sign(headers: { 'x-a' => "v\r\nX-Evil: 1" }) }
    assert_status(Sigv4rs::InvalidHeaderValueError, 118) { sign(headers: { 'x-a' => "v\0".b }) }
    assert_status(Sigv4rs::InvalidPayloadHashError, 119) { sign(payload_hash: 'abc') }
    assert_status(Sigv4rs::InvalidPayloadHashError, 119) { sign(payload_hash: 'é' * 32) }
    assert_status(Sigv4rs::InvalidTimeError, 120) { sign(time: -1) }
    assert_status(Sigv4rs::InvalidTimeError, 120) { sign(time: Sigv4rs::FFI::MAX_UNIX_TIME + 1) }
    assert_status(Sigv4rs::InvalidTimeError, 120) { sign(time: 2**64) }
    assert_status(Sigv4rs::InvalidExpiresError, 121) { @s.presign_url(http_method: 'GET', url: URL, expires_in: 0) }
    assert_status(Sigv4rs::InvalidExpiresError, 121) { @s.presign_url(http_method: 'GET', url: URL, expires_in: 604_801) }
    assert_status(Sigv4rs::InvalidExpiresError, 121) { @s.presign_url(http_method: 'GET', url: URL, expires_in: 2**40) }
    assert_status(Sigv4rs::InvalidExpiresError, 121) { @s.canonical_request(http_method: 'GET', url: URL, presign_expires_in: 0) }
    assert_status(Sigv4rs::TooManyHeadersError, 130) { sign(headers: (0..64).map { |i| ["x-h#{i}", 'v'] }) }
    assert_status(Sigv4rs::TooManyQueryParametersError, 131) { sign(url: "#{URL}?#{(0..128).map { |i| "p#{i}=1" }.join('&')}") }
    assert_status(Sigv4rs::InputTooLongError, 132) { sign(url: "#{URL}/#{'a' * 16_384}") }
    # Limits themselves are fine.
    sign(headers: (1..64).map { |i| ["x-h#{i}", 'v'] })
    @s.presign_url(http_method: 'GET', url: URL, expires_in: Sigv4rs::FFI::MAX_EXPIRES, time: T)
  end

  # Every call that takes a request says which input a failure is about
  # (issue 11): the values below are counted by hand on the inputs.
  def test_errors_say_where
    four = [%w[Accept */*], %w[X-A 1], %w[X-B 2], ['X-Foo', "ab\rc"]] # CR is byte 2 of the 4th value
    cr = [:header_value, 3, 2, 'X-Foo', 'header 3 (X-Foo) value: invalid header value at byte 2']
    bad_name = { 'Accept' => '*/*', 'X Bad' => 'v' } # the space is byte 1 of the 2nd name
    name = [:header_name, 1, 1, 'X Bad', 'header 1 ("X Bad") name: invalid header name at byte 1']
    ctl_url = "https://example.com/a\x01b" # 20 bytes up to the path, then a, then 0x01
    url = [:url, nil, 21, nil, 'url: invalid URL at byte 21']
    method = [:method, nil, 2, nil, 'method: invalid method at byte 2'] # 'GE T': the space
    calls = {
      sign_request: ->(**kw) { @s.sign_request(time: T, **kw) },
      presign_url: ->(**kw) { @s.presign_url(time: T, **kw) },
      canonical_request: ->(**kw) { @s.canonical_request(time: T, **kw) },
      string_to_sign: ->(**kw) { @s.string_to_sign(time: T, presign_expires_in: 60, **kw) },
      sign_streaming: ->(**kw) { @s.sign_streaming(time: T, size: 1, body: 'x', **kw) }
    }
    calls.each do |what, call|
      assert_equal cr, where(assert_raises(Sigv4rs::InvalidHeaderValueError) { call.(http_method: 'GET', url: URL, headers: four) }), what
      assert_equal name, where(assert_raises(Sigv4rs::InvalidHeaderNameError) { call.(http_method: 'GET', url: URL, headers: bad_name) }), what
      assert_equal url, where(assert_raises(Sigv4rs::InvalidUrlError) { call.(http_method: 'GET', url: ctl_url) }), what
      assert_equal method, where(assert_raises(Sigv4rs::InvalidMethodError) { call.(http_method: 'GE T', url: URL) }), what
    end
    raw = ->(**kw) { @s.sign_raw(method: 'GET', host: 'h', time: T, **kw) }
    assert_equal cr, where(assert_raises(Sigv4rs::InvalidHeaderValueError) { raw.(headers: four) })
    assert_equal cr, where(assert_raises(Sigv4rs::InvalidHeaderValueError) { raw.(headers: four, output: :presign, expires_in: 60) })
    assert_equal method, where(assert_raises(Sigv4rs::InvalidMethodError) { raw.(method: 'GE T') })
    assert_equal [:path, nil, 2, nil, 'path: invalid path at byte 2'],
                 where(assert_raises(Sigv4rs::InvalidPathError) { raw.(path: '/a?b') })
    # No single byte: no offset. An empty name is shown quoted.
    assert_equal [:method, nil, nil, nil, 'method: invalid method'],
                 where(assert_raises(Sigv4rs::InvalidMethodError) { sign(http_method: '') })
    assert_equal [:url, nil, nil, nil, 'url: invalid URL'], where(assert_raises(Sigv4rs::InvalidUrlError) { sign(url: '') })
    assert_equal [:header_name, 0, nil, '', 'header 0 ("") name: invalid header name'],
                 where(assert_raises(Sigv4rs::InvalidHeaderNameError) { sign(headers: { '' => 'v' }) })
    # A Symbol key is named as its String; an Array value counts once per value.
    e = assert_raises(Sigv4rs::InvalidHeaderValueError) { sign(headers: { 'x-a': %w[1 2], 'x-b': "\0" }) }
    assert_equal [:header_value, 2, 0, 'x-b', 'header 2 (x-b) value: invalid header value at byte 0'], where(e)
    assert_equal '#<Sigv4rs::InvalidHeaderValueError: header 2 (x-b) value: invalid header value at byte 0 (status 118)>', e.inspect
    # Not about one input of the request: no location, the plain message.
    e = assert_raises(Sigv4rs::InvalidExpiresError) { @s.presign_url(http_method: 'GET', url: URL, expires_in: 0) }
    assert_equal [nil, nil, nil, nil, 'invalid expiry'], where(e)
  end

  # Net::HTTP: the index is the request's own header order, Host included
  # even when the binding signs the URL's host instead of passing it.
  def test_net_http_errors_name_the_request_header
    req = Net::HTTP::Get.new(URI(URL)) # Accept-Encoding, Accept, User-Agent, Host
    req['X-Bad'] = "a\x01b"
    assert_equal %w[Accept-Encoding Accept User-Agent Host X-Bad], req.each_capitalized.to_a.map(&:first)
    want = [:header_value, 4, 1, 'X-Bad', 'header 4 (X-Bad) value: invalid header value at byte 1']
    assert_equal want, where(assert_raises(Sigv4rs::InvalidHeaderValueError) { @s.sign_net_http!(req, time: T) })
    req['Host'] = 'other.example.com' # the caller's own Host: passed as is
    assert_equal want, where(assert_raises(Sigv4rs::InvalidHeaderValueError) { @s.sign_net_http!(req, time: T) })
    put = Net::HTTP::Put.new(URI(URL))
    put['X-Bad'] = "a\x01b"
    e = assert_raises(Sigv4rs::InvalidHeaderValueError) { Sigv4rs::NetHTTP.sign_streaming!(@s, nil, put, body: 'x', size: 1, time: T) }
    assert_equal want, where(e)
  end

  def test_request_types
    e = assert_raises(TypeError) { sign(url: 42) }
    assert_equal 'url must be a String, got Integer', e.message
    assert_raises(TypeError) { sign(url: nil) }
    assert_raises(TypeError) { sign(http_method: nil) }
    assert_raises(TypeError) { sign(http_method: 1) }
    assert_raises(TypeError) { sign(headers: 'x-a: b') }
    e = assert_raises(TypeError) { sign(headers: { 'Content-Length' => 13 }) }
    assert_equal 'header "Content-Length" value must be a String, got Integer', e.message
    assert_raises(TypeError) { sign(headers: { 'x-a' => nil }) }
    assert_raises(TypeError) { sign(headers: { 1 => 'v' }) }
    assert_raises(TypeError) { sign(headers: [['x-a']]) }
    assert_raises(TypeError) { sign(headers: ['x-a', 'v']) }
    assert_raises(TypeError) { sign(body: 5) }
    assert_raises(TypeError) { sign(payload_hash: 5) }
    assert_raises(TypeError) { sign(unsigned_payload: 'yes') }
    assert_raises(TypeError) { sign(time: '2015-08-30') }
    assert_raises(TypeError) { sign(time: 1.5) }
    assert_raises(TypeError) { @s.presign_url(http_method: 'GET', url: URL, expires_in: '900') }
    assert_raises(ArgumentError) { sign(payload_hash: 'a' * 64, unsigned_payload: true) }
    assert_raises(ArgumentError) { sign(payload_hash: 'a' * 64, body: 'x') }
    assert_raises(ArgumentError) { @s.presign_url(http_method: 'GET', url: URL, body: 'x', body_digest: 'a' * 64) }
    assert_raises(ArgumentError) { sign(headers: { 'x-a' => "\xff" }) } # broken UTF-8
    assert_raises(ArgumentError) { @s.sign_raw(method: 'GET', host: 'h', payload_mode: :bogus) }
    assert_raises(ArgumentError) { @s.sign_raw(method: 'GET', host: 'h', output: :bogus) }
    assert_raises(ArgumentError) { @s.sign_raw(method: 'GET', host: 'h', output: :presign) }
    assert_raises(ArgumentError) { @s.sign_raw(method: 'GET', host: 'h', output: :headers, expires_in: 60) }
  end

  def test_non_ascii_and_binary_inputs_that_are_valid
    # Header values may carry obs-text; a binary String passes its bytes as is.
    a = sign(headers: { 'x-a' => 'café' })
    b = sign(headers: { 'x-a' => 'café'.b })
    c = sign(headers: { 'x-a' => 'café'.encode('ISO-8859-1') })
    assert_equal a, b
    refute_equal a, c # other bytes on the wire, other signature
    sign(body: (0..255).map(&:chr).join.b)
    url = @s.presign_url(http_method: 'GET', url: 'https://example.amazonaws.com/ሴ', time: T)
    assert_equal Encoding::UTF_8, url.encoding
    assert url.start_with?('https://example.amazonaws.com/ሴ?')
    raw = @s.presign_url(http_method: 'GET', url: "https://example.amazonaws.com/\xff".b, time: T)
    assert_equal Encoding::BINARY, raw.encoding
  end

  def test_closed_signer
    s = signer
    refute s.closed?
    assert_nil s.close
    assert_nil s.close # idempotent
    assert s.closed?
    calls = [
      -> { s.sign_request(http_method: 'GET', url: URL) },
      -> { s.presign_url(http_method: 'GET', url: URL) },
      -> { s.canonical_request(http_method: 'GET', url: URL) },
      -> { s.string_to_sign(http_method: 'GET', url: URL) },
      -> { s.sign_raw(method: 'GET', host: 'h') },
      -> { s.sign_net_http!(Net::HTTP::Get.new(URI(URL))) }
    ]
    calls.each do |c|
      e = assert_raises(Sigv4rs::ClosedError, &c)
      assert_kind_of Sigv4rs::NotInitializedError, e
      assert_equal 4, e.code
      assert_equal 'signer is closed', e.message
    end
    assert_equal '#<Sigv4rs::Signer (closed)>', s.inspect
    refute_includes signer.inspect, EXAMPLE_SECRET
  end

  def test_unclosed_signers_are_freed_by_gc
    200.times { signer(session_token: 'tok').sign_request(http_method: 'GET', url: URL, time: T) }
    GC.start
    assert_equal 'X-Amz-Date', sign.keys.first
  end

  def test_from_env
    keys = %w[AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_REGION AWS_DEFAULT_REGION]
    saved = keys.to_h { |k| [k, ENV[k]] }
    keys.each { |k| ENV.delete(k) }
    assert_status(Sigv4rs::MissingCredentialsError, 140) { Sigv4rs::Signer.from_env(service: 's3') }
    ENV['AWS_ACCESS_KEY_ID'] = EXAMPLE_AKID
    ENV['AWS_SECRET_ACCESS_KEY'] = EXAMPLE_SECRET
    assert_status(Sigv4rs::MissingCredentialsError, 140) { Sigv4rs::Signer.from_env(service: 's3') }
    ENV['AWS_REGION'] = 'us-east-1'
    env = Sigv4rs::Signer.from_env(service: 'service')
    assert_equal sign, env.sign_request(http_method: 'GET', url: URL, time: T)
    env.close
    assert_raises(Sigv4rs::ClosedError) { env.sign_request(http_method: 'GET', url: URL) }
  ensure
    saved.each { |k, v| v ? ENV[k] = v : ENV.delete(k) }
  end

  def test_payload_hasher_and_io_bodies
    data = Random.new(1).bytes(3 << 20)
    assert_equal Digest::SHA256.hexdigest(data), Sigv4rs::PayloadHasher.hexdigest(data)
    io = StringIO.new(data)
    assert_equal Digest::SHA256.hexdigest(data), Sigv4rs::PayloadHasher.hexdigest(io)
    assert_equal 0, io.pos # rewound
    assert_equal sign(body: data), sign(body: StringIO.new(data))
    assert_equal sign(body: data), sign(payload_hash: Digest::SHA256.hexdigest(data).upcase)
    # With an x-amz-content-sha256 header the IO is not read.
    h = { 'x-amz-content-sha256' => 'UNSIGNED-PAYLOAD' }
    never = Object.new
    def never.read(*) = raise('read')
    assert_equal sign(headers: h), sign(headers: h, body: never)
    hs = Sigv4rs::PayloadHasher.new
    hs.hexdigest
    assert_status(Sigv4rs::NotInitializedError, 4) { hs.update('x') }
  end

  def test_net_http_misuse
    assert_raises(TypeError) { Sigv4rs::NetHTTP.sign!(@s, URL, 'GET /') }
    assert_raises(TypeError) { Sigv4rs::NetHTTP.sign!(:signer, URL, Net::HTTP::Get.new('/x')) }
    assert_raises(ArgumentError) { Sigv4rs::NetHTTP.sign!(@s, nil, Net::HTTP::Get.new('/x')) }
    assert_raises(ArgumentError) { Sigv4rs::NetHTTP.sign!(@s, 'ftp://h/x', Net::HTTP::Get.new('/x')) }
  end

  def test_threads_share_a_signer
    want = sign(headers: { 'x-a' => 'b' })
    got = Array.new(4) { Thread.new { Array.new(200) { sign(headers: { 'x-a' => 'b' }) }.uniq } }.flat_map(&:value)
    assert_equal [want], got.uniq
  end
end
