# frozen_string_literal: true

require_relative 'test_helper'
require 'stringio'
require 'uri'

# Requests signed by the binding's own Signer, as a server receives them,
# for the verifier tests.
module VerifyHelper
  T = 1_440_938_160
  AKID = 'AKIDEXAMPLE'
  SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'
  TEMP_AKID = 'ASIAEXAMPLE'
  TEMP_SECRET = 'tempSecretKeyThatNobodyMayLog0123456789'
  TOKEN = 'FQoGZXIvYXdzEXAMPLETOKEN/with+slash=='
  # The lookup: key id => secret or [secret, token].
  KEYS = { AKID => SECRET, TEMP_AKID => [TEMP_SECRET, TOKEN] }.freeze
  S3_URL = 'https://bucket.s3.amazonaws.com/photos/a%20b.jpg?versionId=3&x-id=GetObject'

  # A received request: method, request target, headers (as sent, Host
  # included), body.
  Received = Struct.new(:method, :target, :headers, :body, keyword_init: true) do
    def to_h
      { method: method, url: target, headers: headers }
    end

    # A copy with `headers` changed by the block (an Array of pairs).
    def with_headers
      h = headers.map(&:dup)
      yield h
      Received.new(method: method, target: target, headers: h, body: body)
    end

    def with(**kw)
      Received.new(**to_struct_h.merge(kw))
    end

    def to_struct_h
      { method: method, target: target, headers: headers, body: body }
    end
  end

  def signer(s3: true, service: 's3', temp: false, secret: nil, **kw)
    akid, sec, tok = temp ? [TEMP_AKID, TEMP_SECRET, TOKEN] : [AKID, SECRET, nil]
    Sigv4rs::Signer.new(access_key_id: akid, secret_access_key: secret || sec, session_token: tok,
                        region: 'us-east-1', service: service, s3: s3, **kw)
  end

  def verifier(s3: true, service: 's3', keys: KEYS, **kw)
    Sigv4rs::Verifier.new(region: 'us-east-1', service: service, s3: s3, **kw) { |id| keys[id] }
  end

  def target_of(url)
    u = URI(url)
    u.query ? "#{u.path}?#{u.query}" : u.path
  end

  # Signs in the header form; returns what the server receives.
  def signed(signer, method: 'GET', url: S3_URL, headers: {}, body: nil, **kw)
    added = signer.sign_request(http_method: method, url: url, headers: headers, body: body, time: T, **kw)
    pairs = [['Host', URI(url).host]] + headers.to_a + added.reject { |k, _| k.casecmp?('host') }.to_a
    Received.new(method: method, target: target_of(url), headers: pairs, body: body)
  end

  # Presigns; returns what the server receives.
  def presigned(signer, method: 'GET', url: S3_URL, expires_in: 300, headers: {})
    u = signer.presign_url(http_method: method, url: url, headers: headers, expires_in: expires_in, time: T)
    Received.new(method: method, target: target_of(u), headers: [['Host', URI(u).host]] + headers.to_a, body: '')
  end

  # An aws-chunked upload: [Received with the encoded body, the data].
  def streamed(signer, size:, mode:, checksum: nil, chunk_size: 8192, url: S3_URL)
    data = Array.new(size) { |i| ((i * 31) + 7) & 255 }.pack('C*')
    headers = { 'Content-Type' => 'application/octet-stream' }
    added, enc = signer.sign_streaming(url: url, size: size, headers: headers, body: StringIO.new(data),
                                       chunk_size: chunk_size, mode: mode, checksum: checksum, time: T)
    pairs = [['Host', URI(url).host]] + headers.to_a + added.to_a
    [Received.new(method: 'PUT', target: target_of(url), headers: pairs, body: enc.read), data]
  end

  # The Rack env a server builds for `r`.
  def rack_env(r, input: true)
    env = { 'REQUEST_METHOD' => r.method, 'REQUEST_URI' => r.target, 'SCRIPT_NAME' => '',
            'PATH_INFO' => r.target.split('?', 2)[0], 'QUERY_STRING' => r.target.split('?', 2)[1].to_s,
            'SERVER_NAME' => 'localhost', 'SERVER_PORT' => '80', 'rack.url_scheme' => 'https' }
    r.headers.each do |n, v|
      key = n.upcase.tr('-', '_')
      key = "HTTP_#{key}" unless %w[CONTENT_TYPE CONTENT_LENGTH].include?(key)
      env[key] = env.key?(key) ? "#{env[key]}, #{v}" : v
    end
    env['rack.input'] = StringIO.new((r.body || '').b) if input
    env
  end

  def assert_refused(status_name, &blk)
    e = assert_raises(Sigv4rs::VerificationError, &blk)
    assert_equal status_name, e.status_name, "wanted #{status_name}, got #{e.status_name} (#{e.message})"
    assert_equal Sigv4rs::FFI::STATUS.fetch(status_name), e.status
    e
  end

  def status(name)
    Sigv4rs::FFI::STATUS.fetch(name)
  end
end
