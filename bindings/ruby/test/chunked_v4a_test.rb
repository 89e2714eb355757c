# frozen_string_literal: true

require_relative 'test_helper'
require_relative 'v4a'
require 'digest'
require 'json'
require 'stringio'

# aws-chunked on a SigV4a signer (STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD
# [-TRAILER], and STREAMING-UNSIGNED-PAYLOAD-TRAILER): ECDSA signatures
# cannot be compared, so the test parses each body and verifies the seed,
# every chunk and the trailer signature under the key test/v4a.rb derives,
# over strings to sign built here from aws-c-auth's rules
# (tests/test_chunked_signing.c: scope without region, the previous
# signature unpadded, each wire signature DER hex padded with `*` to 144).
# Trailer values are botocore's (tests/data/checksum-vectors.json).
class ChunkedV4aTest < Minitest::Test
  AKID = 'AKIAIOSFODNN7EXAMPLE'
  SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
  # aws-c-auth's verification key for these credentials
  # (s_chunked_test_ecc_pub_x / _y in tests/test_chunked_signing.c).
  AWS_C_AUTH_PUB = '04' \
                   '18b7d04643359f6ec270dcbab8dce6d169d66ddc9778c75cfb08dfdb701637ab' \
                   'fa36b35e4fe67e3112261d2e17a956ef85b06e44712d2850bcd3c2161e9993f2'
  TIME = Time.utc(2013, 5, 24)
  DATE = '20130524T000000Z'
  SCOPE = '20130524/s3/aws4_request'
  URL = 'https://examplebucket.s3.amazonaws.com/chunkObject.txt'
  # Capitals in the host: the seed then has a Host line (lower-cased).
  UPPER_URL = 'https://ExampleBucket.s3.amazonaws.com/chunkObject.txt'
  EMPTY_SHA = Digest::SHA256.hexdigest('')
  SIG_WIDTH = 144 # FFI::SIGV4A_SIGNATURE_MAX_LEN, the padded field
  VECTORS = File.expand_path('../../../tests/data/checksum-vectors.json', __dir__)
  ALGORITHMS = %i[crc32 crc32c crc64nvme sha1 sha256].freeze

  # A verification failure, with what failed.
  class Unverified < StandardError; end

  def self.key
    @key ||= V4a.public_key(V4a.public_hex(V4a.derive(AKID, SECRET)))
  end

  # 4097 bytes and their checksums from botocore: with 1024-byte chunks,
  # four full ones and a 1-byte last one.
  def self.payload
    @payload ||= begin
      c = JSON.parse(File.read(VECTORS))['cases'].find { |x| x['name'] == 'random 4097' }
      [[c['payload_hex']].pack('H*'), c]
    end
  end

  def signer(**kw)
    Sigv4rs::Signer.new(access_key_id: AKID, secret_access_key: SECRET, region: 'us-east-1', service: 's3',
                        s3: true, sigv4a: true, **kw)
  end

  def ok!(cond, what)
    raise Unverified, what unless cond
  end

  # The hex DER of a wire signature field (144 characters: hex, then `*`).
  def unpad(field, what)
    ok!(field&.size == SIG_WIDTH, "#{what}: field of #{field&.size.inspect} characters")
    hex = field.sub(/\**\z/, '')
    ok!(hex.match?(/\A\h+\z/) && hex == hex.downcase, "#{what}: not lower-case hex then padding")
    hex
  end

  def verify!(sts, sig, what)
    ok!(V4a.verifies?(self.class.key, sts, sig), "#{what}: signature does not verify")
  end

  # The seed: its canonical request built here from the headers sent (Host
  # and every header the signer added), all of them signed.
  def verify_seed!(headers, path)
    sent = headers.reject { |n, _| n == 'Authorization' }
    sent['Host'] ||= URI(URL).host
    names = sent.keys.map(&:downcase).sort
    auth = headers['Authorization']
    m = auth.match(%r{\AAWS4-ECDSA-P256-SHA256 Credential=#{AKID}/#{SCOPE}, SignedHeaders=([^,]+), Signature=(\h+)\z})
    ok!(m && m[1] == names.join(';'), "seed: Authorization #{auth}")
    lower = sent.to_h { |n, v| [n.downcase, v] }
    creq = ['PUT', path, '', *names.map { |n| "#{n}:#{lower[n]}" }, '', names.join(';'),
            headers['X-Amz-Content-SHA256']].join("\n")
    sts = "AWS4-ECDSA-P256-SHA256\n#{DATE}\n#{SCOPE}\n#{Digest::SHA256.hexdigest(creq)}"
    verify!(sts, m[2], 'seed')
    m[2]
  end

  # Parses an aws-chunked body, verifying each chunk and trailer signature
  # chained from `seed`; returns [decoded data, chunk sizes, trailer line
  # or nil, signatures verified]. Raises Unverified.
  def verify_body!(body, seed, mode)
    prev = seed
    data = String.new(encoding: Encoding::BINARY)
    sizes = []
    n = 0
    rest = StringIO.new(body)
    loop do
      line = rest.gets("\r\n") or raise Unverified, 'no chunk header'
      size_hex, field = line.chomp("\r\n").split(';chunk-signature=')
      size = Integer(size_hex, 16)
      sizes << size
      chunk = rest.read(size) || ''
      what = "chunk #{sizes.size}"
      if mode == :unsigned_trailer
        ok!(field.nil?, "#{what}: a signature in unsigned mode")
      else
        sig = unpad(field, what)
        verify!("AWS4-ECDSA-P256-SHA256-PAYLOAD\n#{DATE}\n#{SCOPE}\n#{prev}\n#{EMPTY_SHA}\n" \
                "#{Digest::SHA256.hexdigest(chunk)}", sig, what)
        n += 1
        prev = sig
      end
      data << chunk
      break if size.zero?

      ok!(rest.read(2) == "\r\n", "#{what}: no CRLF after the data")
    end
    tail = rest.read
    return [data, sizes, nil, n] if mode == :signed && tail == "\r\n"

    lines = tail.split("\r\n", -1)
    trailer = lines.shift
    if mode == :signed_trailer
      tfield = lines.shift.to_s
      ok!(tfield.start_with?('x-amz-trailer-signature:'), "trailer signature line: #{tfield}")
      sig = unpad(tfield.delete_prefix('x-amz-trailer-signature:'), 'trailer')
      verify!("AWS4-ECDSA-P256-SHA256-TRAILER\n#{DATE}\n#{SCOPE}\n#{prev}\n" \
              "#{Digest::SHA256.hexdigest("#{trailer}\n")}", sig, 'trailer')
      n += 1
    end
    ok!(lines == ['', ''], "closing: #{lines.inspect}")
    [data, sizes, trailer, n]
  end

  # The test's KDF gives aws-c-auth's key for these credentials.
  def test_derived_key_is_aws_c_auths
    assert_equal AWS_C_AUTH_PUB, V4a.public_hex(V4a.derive(AKID, SECRET))
  end

  # Every mode and trailer checksum, with a session token and a Host line
  # (ten seed lines, FFI::SIGV4A_MAX_OUTPUT_HEADERS): read in pieces, every signature
  # verifies, the trailer is botocore's value, Content-Length is the bytes
  # sent, and the output buffer was never too small (no retry).
  def test_streamed_uploads_verify
    src, sums = self.class.payload
    s = signer(session_token: 'SESSIONTOKEN')
    assert s.sigv4a?
    verified = uploads = 0
    [[:signed, nil], *%i[signed_trailer unsigned_trailer].product(ALGORITHMS)].each do |mode, ck|
      what = "#{mode}/#{ck.inspect}"
      headers, enc = s.sign_streaming(url: UPPER_URL, size: src.bytesize, body: StringIO.new(src), chunk_size: 1024,
                                      mode: mode, checksum: ck, time: TIME)
      cap = enc.instance_variable_get(:@out_mem).size
      body = String.new(encoding: Encoding::BINARY)
      while (piece = enc.read(3000))
        body << piece
      end
      assert_equal headers['Content-Length'], body.bytesize.to_s, what
      assert_equal enc.encoded_length, body.bytesize, what
      assert_equal cap, enc.instance_variable_get(:@out_mem).size, "#{what}: an output buffer was too small"
      assert_equal Sigv4rs::FFI::SIGV4A_MAX_OUTPUT_HEADERS - (ck ? 0 : 1), headers.size, what # no X-Amz-Trailer
      assert_equal 'examplebucket.s3.amazonaws.com', headers['Host'], what
      assert_equal 'us-east-1', headers['X-Amz-Region-Set'], what
      assert_equal src.bytesize.to_s, headers['X-Amz-Decoded-Content-Length'], what
      assert_equal({ signed: 'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD',
                     signed_trailer: 'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER',
                     unsigned_trailer: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER' }[mode], headers['X-Amz-Content-SHA256'])
      assert(headers['X-Amz-Trailer'] == (ck && "x-amz-checksum-#{ck}"), what)
      seed = verify_seed!(headers, '/chunkObject.txt')
      data, sizes, trailer, n = verify_body!(body, seed, mode)
      assert data == src, "#{what}: decoded data differs"
      assert_equal [1024, 1024, 1024, 1024, 1, 0], sizes, what
      assert(trailer == (ck && "x-amz-checksum-#{ck}:#{sums[ck.to_s]}"), "#{what}: trailer #{trailer.inspect}")
      verified += n + 1
      uploads += 1
    end
    Summary << "ruby aws-chunked SigV4a: #{uploads}/11 uploads (every mode, 5 trailer checksums) parsed, " \
               "#{verified} ECDSA signatures (seed, chunks, trailers) verified under the derived key"
  ensure
    s&.close
  end

  # Framed by hand (#sign_chunk, #finish) the same shape verifies; a chunk
  # changed after signing, or another key, does not.
  def test_manual_framing_and_tampering
    src, = self.class.payload
    s = signer
    headers, enc = s.sign_streaming(url: URL, size: src.bytesize, chunk_size: 1024, mode: :signed_trailer,
                                    checksum: :crc64nvme, time: TIME)
    body = +''
    (0...src.bytesize).step(1024) do |off|
      piece = src.byteslice(off, 1024)
      body << enc.sign_chunk(piece) << piece << "\r\n"
    end
    body << enc.finish
    assert_equal headers['Content-Length'], body.bytesize.to_s
    seed = verify_seed!(headers, '/chunkObject.txt')
    assert verify_body!(body, seed, :signed_trailer)[0] == src

    second = body.index("\r\n") + 2 + 1024 + 2 # chunk 2's header
    at = body.index("\r\n", second) + 2 + 10 # in its data
    bad = body.dup
    bad.setbyte(at, bad.getbyte(at) ^ 1)
    e = assert_raises(Unverified) { verify_body!(bad, seed, :signed_trailer) }
    assert_equal 'chunk 2: signature does not verify', e.message
    e = assert_raises(Unverified) { verify_body!(body.sub('crc64nvme:', 'crc64nvme:A'), seed, :signed_trailer) }
    assert_equal 'trailer: signature does not verify', e.message
    e = assert_raises(Unverified) { verify_body!(body, seed.sub(/\h\z/) { |c| c == '0' ? '1' : '0' }, :signed_trailer) }
    assert_equal 'chunk 1: signature does not verify', e.message
    other = V4a.public_key(V4a.public_hex(V4a.derive(AKID, 'another secret')))
    sig = body[/chunk-signature=(\h+)/, 1]
    refute V4a.verifies?(other, "AWS4-ECDSA-P256-SHA256-PAYLOAD\n#{DATE}\n#{SCOPE}\n#{seed}\n#{EMPTY_SHA}\n" \
                                "#{Digest::SHA256.hexdigest(src.byteslice(0, 1024))}", sig)
  ensure
    s&.close
  end

  # The mode names are the SigV4 ones; a SigV4 signer keeps its modes.
  def test_modes_follow_the_signer
    v4 = Sigv4rs::Signer.new(access_key_id: AKID, secret_access_key: SECRET, region: 'us-east-1', service: 's3',
                             s3: true)
    refute v4.sigv4a?
    h, = v4.sign_streaming(url: URL, size: 10, mode: :signed_trailer, checksum: :sha1, time: TIME)
    assert_equal 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER', h['X-Amz-Content-SHA256']
    s = signer
    assert_match(/mode must be one of/, assert_raises(ArgumentError) { s.sign_streaming(url: URL, size: 1, mode: 3) }.message)
    assert_raises(Sigv4rs::InvalidArgumentError) { s.sign_streaming(url: URL, size: 1, mode: :signed, checksum: :crc32) }
    env = { 'AWS_ACCESS_KEY_ID' => AKID, 'AWS_SECRET_ACCESS_KEY' => SECRET }
    saved = ENV.to_h.slice(*env.keys, 'AWS_SESSION_TOKEN')
    ENV.update(env).delete('AWS_SESSION_TOKEN')
    fe = Sigv4rs::Signer.from_env(service: 's3', region: '*', sigv4a: true)
    assert fe.sigv4a?
    h, = fe.sign_streaming(url: URL, size: 10, mode: :signed, time: TIME)
    assert_equal 'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD', h['X-Amz-Content-SHA256']
    assert_equal '*', h['X-Amz-Region-Set']
  ensure
    v4&.close
    s&.close
    fe&.close
    env&.each_key { |k| saved.key?(k) ? ENV[k] = saved[k] : ENV.delete(k) }
    ENV['AWS_SESSION_TOKEN'] = saved['AWS_SESSION_TOKEN'] if saved&.key?('AWS_SESSION_TOKEN')
  end
end
