# frozen_string_literal: true

require_relative 'verify_helper'
require 'digest'

# Sigv4rs::Verifier#verify: requests signed by the binding's Signer verify
# (header form, presigned, session token, S3 and other services), and a
# tampered copy of each is refused with the status that names the change.
class VerifierTest < Minitest::Test
  include VerifyHelper
  extend CountPasses
  summary_key :verifier

  def setup
    @s = signer
    @v = verifier
  end

  def test_header_form_verifies_with_what_was_signed
    r = signed(@s, headers: { 'x-amz-meta-a' => 'one', 'Range' => 'bytes=0-9' })
    res = @v.verify(**r.to_h, now: T)
    assert_equal :header, res.form
    assert_equal [AKID, 'us-east-1', 's3'], [res.access_key_id, res.region, res.service]
    assert_equal Time.at(T).utc, res.signed_at
    assert_nil res.expires
    auth = r.headers.find { |n, _| n == 'Authorization' }[1]
    assert_equal auth[/SignedHeaders=([^,]+)/, 1].split(';'), res.signed_headers
    assert_includes res.signed_headers, 'x-amz-meta-a'
  end

  def test_presigned_verifies
    r = presigned(@s, expires_in: 300)
    res = @v.verify(**r.to_h, now: T + 10)
    assert_equal [:query, 300, AKID], [res.form, res.expires, res.access_key_id]
    assert_equal ['host'], res.signed_headers
    # An absolute URL works too.
    assert_equal :query, @v.verify(method: 'GET', url: "https://bucket.s3.amazonaws.com#{r.target}", headers: {},
                                   now: T).form
  end

  def test_session_token
    r = signed(signer(temp: true))
    assert_equal TEMP_AKID, @v.verify(**r.to_h, now: T).access_key_id
    assert_equal TEMP_AKID, @v.verify(**presigned(signer(temp: true)).to_h, now: T).access_key_id
    # The token the key's lookup returns must be the one the request carries.
    other = verifier(keys: { TEMP_AKID => [TEMP_SECRET, 'another-token'] })
    assert_refused(:TOKEN_MISMATCH) { other.verify(**r.to_h, now: T) }
    no_token = verifier(keys: { TEMP_AKID => TEMP_SECRET })
    assert_refused(:TOKEN_MISMATCH) { no_token.verify(**r.to_h, now: T) }
    # The token is a signed header: dropping it is a missing signed header.
    dropped = r.with_headers { |h| h.reject! { |n, _| n.casecmp?('x-amz-security-token') } }
    assert_refused(:SIGNED_HEADER_MISSING) { @v.verify(**dropped.to_h, now: T) }
  end

  def test_unsigned_session_token
    s = signer(temp: true, unsigned_session_token: true)
    r = signed(s)
    refute_includes r.headers.find { |n, _| n == 'Authorization' }[1], 'x-amz-security-token'
    v = verifier(unsigned_session_token: true)
    assert_equal TEMP_AKID, v.verify(**r.to_h, now: T).access_key_id
  end

  def test_other_service_body_in_the_signature
    s = signer(s3: false, service: 'execute-api')
    v = verifier(s3: false, service: 'execute-api')
    url = 'https://api.example.com/prod/items/../items?b=2&a=1'
    r = signed(s, method: 'POST', url: url, headers: { 'Content-Type' => 'application/json' }, body: '{"a":1}')
    assert_equal :header, v.verify(**r.to_h, body: r.body, now: T).form
    assert_equal :header, v.verify(**r.to_h, body: StringIO.new(r.body), now: T).form
    assert_equal :header, v.verify(**r.to_h, body_sha256: Digest::SHA256.hexdigest(r.body), now: T).form
    # The body's hash is only in the signature: a changed byte is a mismatch.
    assert_refused(:SIGNATURE_MISMATCH) { v.verify(**r.to_h, body: '{"a":2}', now: T) }
    # Without the body there is nothing to check it against.
    assert_refused(:PAYLOAD_REQUIRED) { v.verify(**r.to_h, now: T) }
  end

  def test_content_sha256_header_body_mismatch
    r = signed(@s, method: 'PUT', body: 'hello world')
    assert_equal :header, @v.verify(**r.to_h, body: 'hello world', now: T).form
    assert_refused(:PAYLOAD_MISMATCH) { @v.verify(**r.to_h, body: 'hello worle', now: T) }
    assert_refused(:PAYLOAD_MISMATCH) do
      @v.verify(**r.to_h, body_sha256: Digest::SHA256.hexdigest('x'), now: T)
    end
    # Tampered header value: the signed hash itself changed.
    h = r.with_headers { |x| x.find { |n, _| n.casecmp?('x-amz-content-sha256') }[1] = Digest::SHA256.hexdigest('x') }
    assert_refused(:SIGNATURE_MISMATCH) { @v.verify(**h.to_h, body: 'x', now: T) }
  end

  # Another signer: Ruby's aws-sigv4 (header form and presigned).
  def test_signed_by_aws_sigv4
    require 'aws-sigv4'
    aws = Aws::Sigv4::Signer.new(service: 'execute-api', region: 'us-east-1', access_key_id: AKID,
                                 secret_access_key: SECRET, session_token: nil)
    v = verifier(s3: false, service: 'execute-api')
    url = 'https://api.example.com/prod/a-b/c?z=1&a=%2F'
    # aws-sigv4 takes its time from X-Amz-Date when given.
    sent = { 'content-type' => 'text/plain', 'x-amz-date' => Time.at(T).utc.strftime('%Y%m%dT%H%M%SZ') }
    sig = aws.sign_request(http_method: 'POST', url: url, headers: sent, body: 'hi')
    heads = sent.merge(sig.headers).to_a # host included
    assert_equal :header, v.verify(method: 'POST', url: target_of(url), headers: heads, body: 'hi', now: T).form
    assert_refused(:PAYLOAD_MISMATCH) do
      v.verify(method: 'POST', url: target_of(url), headers: heads, body: 'ho', now: T)
    end
    pre = aws.presign_url(http_method: 'GET', url: url, expires_in: 60, time: Time.at(T),
                          body_digest: Digest::SHA256.hexdigest(''))
    got = v.verify(method: 'GET', url: target_of(pre.to_s), headers: [%w[host api.example.com]], body: '', now: T)
    assert_equal [:query, 60], [got.form, got.expires]
  end

  def test_tampered_copies_are_refused
    r = signed(@s, headers: { 'x-amz-meta-a' => 'one' })
    cases = {
      'header value' => [:SIGNATURE_MISMATCH, r.with_headers { |h| h.find { |n, _| n == 'x-amz-meta-a' }[1] = 'onf' }],
      'path' => [:SIGNATURE_MISMATCH, r.with(target: r.target.sub('a%20b', 'a%20c'))],
      'query' => [:SIGNATURE_MISMATCH, r.with(target: r.target.sub('versionId=3', 'versionId=4'))],
      'method' => [:SIGNATURE_MISMATCH, r.with(method: 'DELETE')],
      'host' => [:SIGNATURE_MISMATCH, r.with_headers { |h| h[0][1] = 'other.s3.amazonaws.com' }],
      'signature' => [:SIGNATURE_MISMATCH, r.with_headers do |h|
        a = h.find { |n, _| n == 'Authorization' }
        a[1] = a[1].sub(/.\z/) { |c| c == '0' ? '1' : '0' }
      end],
      'unsigned x-amz header added' => [:UNSIGNED_HEADER, r.with_headers { |h| h << ['x-amz-meta-b', 'two'] }],
      'signed header dropped' => [:SIGNED_HEADER_MISSING, r.with_headers { |h| h.reject! { |n, _| n == 'x-amz-meta-a' } }],
      'no signature' => [:MISSING_AUTHORIZATION, r.with_headers { |h| h.reject! { |n, _| n == 'Authorization' } }]
    }
    cases.each do |what, (want, bad)|
      e = assert_refused(want) { @v.verify(**bad.to_h, now: T) }
      assert_kind_of Sigv4rs::Error, e, what
    end
    assert_equal :header, @v.verify(**r.to_h, now: T).form # the original still verifies
  end

  def test_wrong_secret_unknown_key_region
    r = signed(signer(secret: "#{SECRET}x"))
    e = assert_refused(:SIGNATURE_MISMATCH) { @v.verify(**r.to_h, now: T) }
    assert_equal AKID, e.result.access_key_id # the claimed key, for a log
    assert_refused(:UNKNOWN_ACCESS_KEY) { verifier(keys: {}).verify(**r.to_h, now: T) }
    assert_refused(:WRONG_REGION) do
      Sigv4rs::Verifier.new(region: 'eu-west-1', service: 's3', s3: true) { SECRET }.verify(**r.to_h, now: T)
    end
    assert_equal 'us-east-1', Sigv4rs::Verifier.new(region: 'eu-west-1', service: 's3', s3: true, skip: [:region]) {
      SECRET
    }.verify(**signed(@s).to_h, now: T).region
  end

  def test_clock_skew_and_expiry
    r = signed(@s)
    assert_equal :header, @v.verify(**r.to_h, now: T + 900).form
    assert_refused(:CLOCK_SKEW) { @v.verify(**r.to_h, now: T + 901) }
    assert_refused(:CLOCK_SKEW) { @v.verify(**r.to_h, now: T - 901) }
    assert_refused(:CLOCK_SKEW) { verifier(max_skew: 60).verify(**r.to_h, now: T + 61) }
    assert_equal :header, verifier(skip: [:clock_skew]).verify(**r.to_h, now: T + 86_400).form
    p = presigned(@s, expires_in: 300)
    assert_equal :query, @v.verify(**p.to_h, now: T + 300).form
    assert_refused(:REQUEST_EXPIRED) { @v.verify(**p.to_h, now: T + 301) }
    assert_equal :query, verifier(skip: [:expiry]).verify(**p.to_h, now: T + 3600).form
    assert_refused(:CLOCK_SKEW) { @v.verify(**p.to_h, now: T - 901) }
  end

  def test_canonical_request_is_the_signers
    url = 'https://bucket.s3.amazonaws.com/k?list-type=2'
    r = signed(@s, url: url)
    want = @s.canonical_request(http_method: 'GET', url: url, time: T)
    assert_equal want, @v.verify(**r.to_h, now: T, canonical_request: true).canonical_request
    assert_nil @v.verify(**r.to_h, now: T).canonical_request
    # A long one (past the first buffer guess) and on a mismatch too.
    big = signed(@s, url: url, headers: { 'x-amz-meta-big' => 'v' * 6000 })
    long = big.with_headers { |h| h.find { |n, _| n == 'x-amz-meta-big' }[1] = 'w' * 6000 }
    e = assert_refused(:SIGNATURE_MISMATCH) { @v.verify(**long.to_h, now: T, canonical_request: true) }
    assert_includes e.result.canonical_request, "x-amz-meta-big:#{'w' * 6000}\n"
  end

  def test_lookup_failures_become_lookup_failed
    r = signed(@s)
    boom = RuntimeError.new("cannot reach the key store holding #{SECRET}")
    raising = Sigv4rs::Verifier.new(region: 'us-east-1', service: 's3', s3: true) { raise boom }
    e = assert_refused(:LOOKUP_FAILED) { raising.verify(**r.to_h, now: T) }
    assert_same boom, e.cause
    refute_includes e.message, SECRET
    # A throw goes on to its catch once C has returned (no unwinding
    # through the library); the verifier still works afterwards.
    v = Sigv4rs::Verifier.new(region: 'us-east-1', service: 's3', s3: true) { |id| id == 'x' ? SECRET : throw(:out, :escaped) }
    thrown = catch(:out) do
      v.verify(**r.to_h, now: T)
      :stayed
    end
    assert_equal :escaped, thrown
    assert_refused(:SIGNATURE_MISMATCH) { Sigv4rs::Verifier.new(region: 'us-east-1', service: 's3', s3: true) { 'x' }.verify(**r.to_h, now: T) }
    # A `break` out of the lookup block and bad answers: refused.
    brk = Sigv4rs::Verifier.new(region: 'us-east-1', service: 's3', s3: true) { break }
    assert_instance_of LocalJumpError, assert_refused(:LOOKUP_FAILED) { brk.verify(**r.to_h, now: T) }.cause
    [42, ['a' * 129], [SECRET, 't' * (Sigv4rs::FFI::MAX_SESSION_TOKEN_LEN + 1)], '', [SECRET, 'x', 'y']].each do |bad|
      v = Sigv4rs::Verifier.new(region: 'us-east-1', service: 's3', s3: true, lookup: ->(_) { bad })
      assert_refused(:LOOKUP_FAILED) { v.verify(**r.to_h, now: T) }
    end
    # The lookup is asked with the request's key id.
    seen = []
    Sigv4rs::Verifier.new(region: 'us-east-1', service: 's3', s3: true) { |id| seen << id; SECRET }
                     .verify(**r.to_h, now: T)
    assert_equal [AKID], seen
  end

  # A Timeout around #verify still ends a slow lookup, and is the Timeout's
  # error (not a refusal); the library's frames are left normally.
  def test_timeout_around_a_slow_lookup
    require 'timeout'
    slow = Sigv4rs::Verifier.new(region: 'us-east-1', service: 's3', s3: true) { sleep 30 }
    assert_raises(Timeout::Error) { Timeout.timeout(0.1) { slow.verify(**signed(@s).to_h, now: T) } }
    assert_equal :header, @v.verify(**signed(@s).to_h, now: T).form
  end

  def test_secret_never_shown
    r = signed(@s)
    bad = signed(signer(secret: 'x'))
    e = assert_refused(:SIGNATURE_MISMATCH) { @v.verify(**bad.to_h, now: T, canonical_request: true) }
    ok = @v.verify(**r.to_h, now: T, canonical_request: true)
    texts = [@v.inspect, @v.to_s, e.message, e.inspect, e.full_message, e.result.inspect, ok.inspect, ok.to_a.join]
    texts += [Sigv4rs::Verifier.instance_method(:inspect).bind(@v).call]
    texts.each { |t| refute_includes t, SECRET }
    refute_includes @v.instance_variables.map { |iv| @v.instance_variable_get(iv).inspect }.join, SECRET
  end

  # One Verifier shared by threads: each call's lookup and its failure
  # stay with that call.
  def test_threads_share_a_verifier
    good = signed(@s)
    bad = signed(signer(secret: 'x'))
    calls = Queue.new
    v = Sigv4rs::Verifier.new(region: 'us-east-1', service: 's3', s3: true) do |id|
      calls << id
      Thread.pass
      raise 'flaky store' if Thread.current[:fail]

      KEYS[id]
    end
    got = Array.new(4) do |i|
      Thread.new do
        Thread.current[:fail] = i == 3
        Array.new(50) do |k|
          v.verify(**(k.even? ? good : bad).to_h, now: T).form
        rescue Sigv4rs::VerificationError => e
          e.status_name
        end.tally
      end
    end.map(&:value)
    assert_equal [{ header: 25, SIGNATURE_MISMATCH: 25 }] * 3 + [{ LOOKUP_FAILED: 50 }], got
    assert_equal 200, calls.size
  end

  def test_argument_errors
    assert_raises(ArgumentError) { Sigv4rs::Verifier.new(region: 'us-east-1', service: 's3') }
    assert_raises(ArgumentError) { verifier(skip: [:nope]) }
    assert_raises(ArgumentError) { verifier(max_skew: 0) }
    assert_raises(Sigv4rs::InvalidRegionError) { Sigv4rs::Verifier.new(region: '', service: 's3') { nil } }
    assert_raises(ArgumentError) { @v.verify(**signed(@s).to_h, body: 'a', body_sha256: 'b' * 64) }
    # A request the library cannot read: a VerificationError of that status.
    bad = signed(@s).with_headers { |h| h << ['x-bad', "a\nb"] }
    e = assert_raises(Sigv4rs::VerificationError) { @v.verify(**bad.to_h, now: T) }
    assert_equal [Sigv4rs::VerificationError, :INVALID_HEADER_VALUE], [e.class, e.status_name]
  end
end
