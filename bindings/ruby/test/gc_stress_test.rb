# frozen_string_literal: true

require_relative 'test_helper'
require_relative 'suite_runner'

# The whole suite again with a GC at every allocation inside each binding
# call: native memory the binding failed to keep alive during a call would be
# freed and reused.
class GcStressTest < Minitest::Test
  def test_suite_under_gc_stress
    t0 = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    result = SuiteRunner.run(stress: true)
    secs = Process.clock_gettime(Process::CLOCK_MONOTONIC) - t0
    header_ok, query_ok, partial_ok, complete, failures = result
    Summary << format('ruby suite v4 under GC.stress (whole suite once, GC.stress inside binding calls, %.1f s): header %d/%d, query %d/%d, partial %d/2',
                      secs, header_ok, complete, query_ok, complete, partial_ok)
    assert_empty failures, failures.join("\n\n")
    assert_equal [38, 38, 2], [header_ok, query_ok, partial_ok]
  end

  # The other entry points (Hash headers, IO bodies, presign, debug output,
  # the hasher, from_env, Net::HTTP, aws-chunked, errors), same results with
  # GC.stress.
  def test_high_level_calls_under_gc_stress
    require 'stringio'
    require 'net/http'
    saved = %w[AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN].to_h { |k| [k, ENV[k]] }
    ENV['AWS_ACCESS_KEY_ID'] = EXAMPLE_AKID
    ENV['AWS_SECRET_ACCESS_KEY'] = EXAMPLE_SECRET
    ENV.delete('AWS_SESSION_TOKEN')
    work = lambda do
      s = Sigv4rs::Signer.new(access_key_id: EXAMPLE_AKID, secret_access_key: EXAMPLE_SECRET, session_token: 'tok',
                              region: 'us-east-1', service: 's3', s3: true, unsigned_headers: ['x-skip'])
      url = 'https://b.s3.amazonaws.com/k%E1%88%B4?list-type=2&prefix=a%2Fb'
      h = { 'Range' => 'bytes=0-9', 'x-amz-meta-a' => %w[1 2], 'x-skip' => 'v' }
      req = Net::HTTP::Put.new(URI(url), 'Content-Type' => 'text/plain')
      req.body = 'hello'
      out = [
        s.sign_request(http_method: 'PUT', url: url, headers: h, body: StringIO.new('x' * 70_000), time: 1_440_938_160),
        s.presign_url(http_method: 'GET', url: url, headers: h, expires_in: 3600, time: 1_440_938_160),
        s.canonical_request(http_method: 'GET', url: url, headers: h, time: 1_440_938_160, presign_expires_in: 60),
        s.string_to_sign(http_method: 'GET', url: url, headers: h, unsigned_payload: true, time: 1_440_938_160),
        Sigv4rs::PayloadHasher.hexdigest('abc' * 1000),
        s.sign_net_http!(req, time: 1_440_938_160).to_hash,
        Sigv4rs::Signer.from_env(service: 'sts', region: 'eu-west-1').sign_request(http_method: 'GET', url: url, time: 0),
        streamed(s, url, h, StringIO.new('z' * 20_000)),
        streamed(s, url, h, nil),
        (s.sign_request(http_method: 'GET', url: url, headers: { 'x' => "\n" }) rescue $!.class)
      ]
      s.close
      out
    end
    want = work.call
    GC.stress = true
    begin
      got = work.call
    ensure
      GC.stress = false
    end
    assert_equal want, got
    assert_equal Sigv4rs::InvalidHeaderValueError, got.last
  ensure
    saved&.each { |k, v| v ? ENV[k] = v : ENV.delete(k) }
  end

  # Issue 15's entry points (SigV4a, S3 Express, #rotate_xml, checksums),
  # same results with GC.stress (SigV4a's nonces are deterministic here:
  # RFC 6979). Trailers take the aws-chunked path above.
  def test_issue15_calls_under_gc_stress
    xml = '<CreateSessionResult><Credentials><SessionToken>TOKEN2</SessionToken><SecretAccessKey>secret2' \
          '</SecretAccessKey><Expiration>2030-01-01T00:00:00Z</Expiration><AccessKeyId>ASIAEXAMPLE2</AccessKeyId>' \
          '</Credentials></CreateSessionResult>'
    url = 'https://b--use1-az4--x-s3.s3express-use1-az4.us-east-1.amazonaws.com/k?x=1'
    work = lambda do
      a = Sigv4rs::Signer.new(access_key_id: EXAMPLE_AKID, secret_access_key: EXAMPLE_SECRET, region: 'us-east-1,*',
                              service: 's3', s3: true, sigv4a: true)
      x = Sigv4rs::Signer.new(access_key_id: 'ASIAEXAMPLE', secret_access_key: 'secret', session_token: 'TOKEN',
                              region: 'us-east-1', service: 's3express', s3express: true)
      ck = Sigv4rs::Checksum.new(:crc64nvme)
      ck << 'abc' << 'd'
      out = [
        a.sign_request(http_method: 'PUT', url: url, body: 'hello', time: 1_440_938_160),
        a.presign_url(http_method: 'GET', url: url, time: 1_440_938_160),
        x.sign_request(http_method: 'GET', url: url, unsigned_payload: true, time: 1_440_938_160),
        x.rotate_xml(xml),
        x.presign_url(http_method: 'GET', url: url, time: 1_440_938_160),
        (x.rotate_xml('<CreateSessionResult/>') rescue $!.class),
        ck.finish,
        Sigv4rs.checksum(:sha1, 'abc' * 1000)
      ]
      a.close
      x.close
      out
    end
    want = work.call
    GC.stress = true
    begin
      got = work.call
    ensure
      GC.stress = false
    end
    assert_equal want, got
    assert_equal Sigv4rs::InvalidCredentialsDocumentError, got[5]
  end

  # The verifier's calls (#verify with its lookup callback, #begin, the
  # body verifier, the Rack middleware), same results with GC.stress: the
  # callback's FFI::Function and the native buffers must stay alive.
  def test_verifier_calls_under_gc_stress
    require_relative 'verify_helper'
    require 'sigv4rs/rack'
    h = Class.new { include VerifyHelper }.new
    t = VerifyHelper::T
    work = lambda do
      s = h.signer
      v = h.verifier
      ts = h.signer(temp: true)
      r = h.signed(s, headers: { 'x-amz-meta-a' => 'b' })
      c, data = h.streamed(s, size: 9000, mode: :signed_trailer, checksum: :crc32c, chunk_size: 8192)
      bv = v.begin(**c.to_h, now: t)
      decoded = [c.body.byteslice(0, 5000), c.body.byteslice(5000..)].map { |x| bv.update(x) }.join
      app = ->(env) { [200, {}, [env['rack.input'].read]] }
      mw = Sigv4rs::Rack::Verify.new(app, verifier: v, clock: -> { Time.at(t) })
      raising = Sigv4rs::Verifier.new(region: 'us-east-1', service: 's3', s3: true) { raise 'down' }
      flipped = c.body.dup
      flipped.setbyte(c.body.index("\r\n") + 10, flipped.getbyte(c.body.index("\r\n") + 10) ^ 1)
      out = [
        v.verify(**r.to_h, now: t, canonical_request: true),
        v.verify(**h.presigned(ts).to_h, now: t),
        (v.verify(**r.to_h, now: t + 901) rescue [$!.class, $!.result]),
        (raising.verify(**r.to_h, now: t) rescue [$!.class, $!.cause.message]),
        decoded == data, bv.finish,
        mw.call(h.rack_env(c)),
        mw.call(h.rack_env(c.with(body: flipped)))
      ]
      s.close
      ts.close
      out
    end
    want = work.call
    GC.stress = true
    begin
      got = work.call
    ensure
      GC.stress = false
    end
    assert_equal want, got
    assert_equal [true, 200, 403], [got[4], got[6][0], got[7][0]]
    assert_equal data_of(got[6]), Array.new(9000) { |i| ((i * 31) + 7) & 255 }.pack('C*')
  end

  def data_of(resp)
    resp[2].join
  end

  # aws-chunked: seed headers and the whole body, read in pieces or framed by hand.
  def streamed(signer, url, headers, io)
    added, enc = signer.sign_streaming(url: url, headers: headers, size: 20_000, body: io, chunk_size: 8192,
                                       mode: :signed_trailer, checksum: :sha256, time: 1_440_938_160)
    return [added, enc.read(5000) + enc.read(100_000), enc.read(1)] if io

    [added, [8192, 8192, 3616].map { |n| enc.sign_chunk('z' * n) }, enc.finish]
  end
end
