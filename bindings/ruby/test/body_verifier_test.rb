# frozen_string_literal: true

require_relative 'verify_helper'
require 'digest'

# Verifier#begin and BodyVerifier: bodies signed by the binding's Signer
# (a plain body's hash, UNSIGNED-PAYLOAD, presigned, aws-chunked in every
# stream mode through the binding's chunked API) verify in any split, the
# payload comes out decoded, and a changed byte, chunk, trailer or length
# is refused.
class BodyVerifierTest < Minitest::Test
  include VerifyHelper
  extend CountPasses
  summary_key :body_verifier

  MODES = [[:signed, nil], [:signed_trailer, :crc32c], [:signed_trailer, :sha256], [:unsigned_trailer, :crc32],
           [:unsigned_trailer, :crc64nvme]].freeze

  def setup
    @s = signer
    @v = verifier
  end

  # Feeds `body` in pieces of the given sizes (cycled); returns [decoded, result].
  def feed(r, body = r.body, sizes: [7, 1, 300, 8192, 5000])
    bv = @v.begin(**r.to_h, now: T)
    out = +''.b
    i = 0
    k = 0
    while i < body.bytesize
      n = sizes[k % sizes.size]
      out << bv.update(body.byteslice(i, n))
      i += n
      k += 1
    end
    [out, bv.finish]
  end

  def test_plain_body_hash
    body = Random.new(1).bytes(20_000)
    r = signed(@s, method: 'PUT', body: body)
    got, res = feed(r)
    assert got == body, 'payload passes through unchanged'
    assert_equal [:header, AKID], [res.form, res.access_key_id]
    bad = body.dup
    bad.setbyte(12_345, bad.getbyte(12_345) ^ 1)
    assert_refused(:PAYLOAD_MISMATCH) { feed(r, bad) }
    assert_refused(:PAYLOAD_MISMATCH) { feed(r, body[0, 19_999]) }
  end

  def test_unsigned_payload_and_presigned_pass_through
    r = signed(@s, method: 'PUT', body: 'anything', unsigned_payload: true)
    assert_equal 'anything goes', feed(r, 'anything goes')[0]
    p = presigned(@s, method: 'PUT')
    assert_equal 'data', feed(p, 'data')[0]
  end

  # The AWS S3 documentation's chunked upload, literal bytes and
  # signatures (independent of the binding's signer), read in 4 KiB pieces.
  def test_aws_documentation_chunked_upload
    sig = %w[ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648
             0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497
             b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9]
    body = "10000;chunk-signature=#{sig[0]}\r\n#{'a' * 65_536}\r\n400;chunk-signature=#{sig[1]}\r\n" \
           "#{'a' * 1024}\r\n0;chunk-signature=#{sig[2]}\r\n\r\n"
    headers = {
      'Host' => 's3.amazonaws.com', 'x-amz-date' => '20130524T000000Z',
      'x-amz-storage-class' => 'REDUCED_REDUNDANCY', 'x-amz-content-sha256' => 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
      'Content-Encoding' => 'aws-chunked', 'x-amz-decoded-content-length' => '66560', 'Content-Length' => '66824',
      'Authorization' => 'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, ' \
                         'SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;' \
                         'x-amz-decoded-content-length;x-amz-storage-class, ' \
                         'Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9'
    }
    v = verifier(keys: { 'AKIAIOSFODNN7EXAMPLE' => 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' })
    r = Received.new(method: 'PUT', target: '/examplebucket/chunkObject.txt', headers: headers.to_a, body: body)
    bv = v.begin(**r.to_h, now: Time.utc(2013, 5, 24))
    got = body.scan(/.{1,4096}/m).map { |piece| bv.update(piece) }.join
    assert_equal 'AKIAIOSFODNN7EXAMPLE', bv.finish.access_key_id
    assert got == 'a' * 66_560, 'decoded payload differs'
    bad = body.sub(sig[1], sig[1].sub(/\A./) { |c| c == '0' ? '1' : '0' })
    bv = v.begin(**r.to_h, now: Time.utc(2013, 5, 24))
    assert_refused(:CHUNK_SIGNATURE_MISMATCH) { bad.scan(/.{1,4096}/m).each { |piece| bv.update(piece) } }
  end

  def test_aws_chunked_every_mode
    MODES.each do |mode, ck|
      [0, 1, 8191, 8192, 20_000].each do |size|
        r, data = streamed(@s, size: size, mode: mode, checksum: ck)
        [[1], [7, 13], [65_536]].each do |sizes|
          got, res = feed(r, sizes: sizes)
          assert got == data, "#{mode}/#{ck} #{size} bytes in pieces of #{sizes}: payload differs"
          assert_equal :header, res.form
        end
      end
    end
  end

  def test_aws_chunked_tampered
    MODES.each do |mode, ck|
      r, = streamed(@s, size: 20_000, mode: mode, checksum: ck)
      body = r.body
      data_at = body.index("\r\n") + 2 + 100 # a byte of the first chunk's data
      flipped = body.dup
      flipped.setbyte(data_at, flipped.getbyte(data_at) ^ 1)
      # Signed chunks: that chunk's signature; unsigned: the trailer's checksum.
      want = mode == :unsigned_trailer ? :CHECKSUM_MISMATCH : :CHUNK_SIGNATURE_MISMATCH
      assert_refused(want) { feed(r, flipped) }
      assert_refused(:INCOMPLETE_PAYLOAD) { feed(r, body[0, body.bytesize - 10]) }
      next unless mode == :signed

      sig_at = body.index('chunk-signature=') + 20
      bad_sig = body.dup
      bad_sig[sig_at] = bad_sig[sig_at] == 'a' ? 'b' : 'a'
      assert_refused(:CHUNK_SIGNATURE_MISMATCH) { feed(r, bad_sig) }
      assert_refused(:MALFORMED_CHUNK) { feed(r, body.sub(/\A\h+/, 'zz')) }
    end
  end

  def test_aws_chunked_tampered_trailer
    r, = streamed(@s, size: 3000, mode: :signed_trailer, checksum: :crc32c)
    name = 'x-amz-checksum-crc32c:'
    at = r.body.index(name) + name.size
    bad = r.body.dup
    bad[at] = bad[at] == 'A' ? 'B' : 'A'
    # The checksum value no longer the body's; the trailer's own signature.
    assert_refused(:CHECKSUM_MISMATCH) { feed(r, bad) }
    sig = 'x-amz-trailer-signature:'
    at = r.body.index(sig) + sig.size + 5
    bad = r.body.dup
    bad[at] = bad[at] == 'a' ? 'b' : 'a'
    assert_refused(:CHUNK_SIGNATURE_MISMATCH) { feed(r, bad) }
    u, = streamed(@s, size: 3000, mode: :unsigned_trailer, checksum: :crc32c)
    at = u.body.index(name) + name.size
    bad = u.body.dup
    bad[at] = bad[at] == 'A' ? 'B' : 'A'
    assert_refused(:CHECKSUM_MISMATCH) { feed(u, bad) }
  end

  def test_signed_seed_headers_tampered
    r, = streamed(@s, size: 100, mode: :signed)
    bad = r.with_headers { |h| h.find { |n, _| n.casecmp?('x-amz-decoded-content-length') }[1] = '101' }
    assert_refused(:SIGNATURE_MISMATCH) { @v.begin(**bad.to_h, now: T) }
    assert_refused(:CLOCK_SKEW) { @v.begin(**r.to_h, now: T + 901) }
  end

  def test_failed_state_stays_failed_and_finish_spends
    r = signed(@s, method: 'PUT', body: 'abc')
    bv = @v.begin(**r.to_h, now: T)
    assert_equal 'abd', bv.update('abd')
    e = assert_refused(:PAYLOAD_MISMATCH) { bv.finish }
    assert_equal AKID, e.result.access_key_id
    assert_refused(:PAYLOAD_MISMATCH) { bv.update('x') }
    ok = @v.begin(**r.to_h, now: T)
    ok.update('abc')
    assert_equal AKID, ok.finish.access_key_id
    assert ok.finished?
    assert_raises(IOError) { ok.update('x') }
    assert_raises(IOError) { ok.finish }
    c, = streamed(@s, size: 100, mode: :signed)
    bv = @v.begin(**c.to_h, now: T)
    assert_refused(:MALFORMED_CHUNK) { bv.update("zz;#{c.body}") }
    assert_refused(:MALFORMED_CHUNK) { bv.update('more') }
    assert_refused(:MALFORMED_CHUNK) { bv.finish }
    refute_includes bv.inspect, SECRET
  end

  def test_payload_required_for_other_services
    s = signer(s3: false, service: 'execute-api')
    v = verifier(s3: false, service: 'execute-api')
    r = signed(s, method: 'POST', url: 'https://api.example.com/x', body: 'hello')
    assert_refused(:PAYLOAD_REQUIRED) { v.begin(**r.to_h, now: T) }
    assert_equal :header, v.verify(**r.to_h, body: 'hello', now: T).form
  end
end
