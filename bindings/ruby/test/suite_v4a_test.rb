# frozen_string_literal: true

require_relative 'test_helper'
require_relative 'suite_runner'
require_relative 'v4a'
require 'securerandom'

# The official SigV4a suite (tests/data/suite-v4a-vectors.txt, read by the v4
# suite's reader): canonical request and string to sign byte for byte in
# header and query mode, the other added headers and presign parameters as
# multisets, and every signature (ours and the suite's two samples) verified
# with the suite's public key, since ECDSA signatures cannot be compared.
class SuiteV4aTest < Minitest::Test
  VECTORS = ENV.fetch('SIGV4RS_SUITE_V4A_VECTORS') do
    File.expand_path('../../../tests/data/suite-v4a-vectors.txt', __dir__)
  end

  def vectors
    @vectors ||= SuiteRunner.load_vectors(VECTORS)
  end

  def suite_key(v)
    V4a.public_key("04#{v['public_key_x']}#{v['public_key_y']}")
  end

  def signer_for(v, **creds)
    Sigv4rs::Signer.new(
      access_key_id: v['access_key_id'], secret_access_key: v['secret_access_key'],
      session_token: v['session_token'], region: v['region'], service: v['service'],
      normalize_path: v['normalize'] == '1', content_sha256_header: v['sign_body'] == '1',
      unsigned_session_token: v['omit_session_token'] == '1', sigv4a: true, **creds
    )
  end

  def request_args(v)
    { method: v['method'], path: v['path'], query: v['query'], headers: v.pairs('header'),
      payload: v['body'], payload_mode: v['sign_body'] == '1' ? :bytes : :auto, time: v['time'].to_i }
  end

  # Headers as a multiset, the Authorization value cut at `Signature=`.
  def unsigned_multiset(headers)
    cut = headers.map { |n, val| n.casecmp?('authorization') ? [n, val[/\A.*Signature=/]] : [n, val] }
    SuiteRunner.header_multiset(cut)
  end

  def test_official_v4a_suite
    failures = []
    check = lambda do |name, what, ok, detail|
      failures << "#{name} #{what}:\n#{detail}" unless ok
      ok
    end
    eq = ->(name, what, want, got) { check.(name, what, want == got, "--- expected\n#{want}\n--- got\n#{got}") }
    header_ok = query_ok = 0
    vectors.each do |v|
      name = v.name
      key = suite_key(v)
      signer = signer_for(v)
      args = request_args(v)

      out = signer.sign_raw(**args, output: :headers)
      creq = signer.sign_raw(**args.merge(time: v['creq_time'].to_i), output: :canonical_request)
      ok = eq.(name, 'header canonical request', v['header_creq'], creq)
      sts = v['header_sts']
      ok &= eq.(name, 'header string to sign', sts, signer.sign_raw(**args, output: :string_to_sign))
      sig = SuiteRunner.signature_of(out)
      ok &= check.(name, 'header signature verifies', V4a.verifies?(key, sts, sig), sig)
      %w[header_sig header_sig_alt].each do |k|
        ok &= check.(name, k, V4a.verifies?(key, sts, v[k]), "the suite's sample does not verify")
      end
      ok &= eq.(name, 'header signed request headers', unsigned_multiset(v.pairs('signed_header')),
                unsigned_multiset(SuiteRunner.merged(args[:headers], out)))
      header_ok += 1 if ok

      expires = v['expires'].to_i
      qok = eq.(name, 'query canonical request', v['query_creq'],
                signer.sign_raw(**args, output: :canonical_request, expires_in: expires))
      qsts = v['query_sts']
      qok &= eq.(name, 'query string to sign', qsts,
                 signer.sign_raw(**args, output: :string_to_sign, expires_in: expires))
      url = signer.sign_raw(**args, output: :presign, expires_in: expires)
      at = (url.index('?') || (url.size - 1)) + 1
      qok &= eq.(name, 'presigned URL up to ?', v['presign_prefix'], url[0, at])
      params = url[at..].split('&')
      qsig = params.find { |p| p.start_with?('X-Amz-Signature=') }.to_s.delete_prefix('X-Amz-Signature=')
      qok &= check.(name, 'query signature verifies', V4a.verifies?(key, qsts, qsig), qsig)
      %w[query_sig query_sig_alt].each do |k|
        qok &= check.(name, k, V4a.verifies?(key, qsts, v[k]), "the suite's sample does not verify")
      end
      qok &= eq.(name, 'presigned URL parameters', v.all('presign_param').tally,
                 params.reject { |p| p.start_with?('X-Amz-Signature=') }.tally)
      query_ok += 1 if qok
    ensure
      signer&.close
    end
    n = vectors.size
    Summary << "ruby suite v4a: header #{header_ok}/#{n}, query #{query_ok}/#{n}"
    assert_equal 38, n, 'expected 38 cases'
    assert_empty failures, "#{failures.size} failures:\n#{failures.join("\n\n")}"
  end

  # The test's KDF gives the suite's public key from the suite's credentials.
  def test_kdf_gives_the_suites_public_key
    keys = vectors.map { |v| [v['access_key_id'], v['secret_access_key'], v['public_key_x'] + v['public_key_y']] }
    keys.uniq.each do |akid, secret, want|
      assert_equal "04#{want}", V4a.public_hex(V4a.derive(akid, secret)), akid
    end
  end

  # Random access key pairs: our signature of the suite's request verifies
  # under the key the test derives, and not under the suite's. In header
  # mode without a token the string to sign does not hold the key id, so
  # the suite's is the expected one.
  def test_random_credentials_verify_under_the_derived_key
    v = vectors.find { |c| c.name == 'get-vanilla' }
    suite = suite_key(v)
    3.times do
      akid = "AKIA#{SecureRandom.alphanumeric(16).upcase}"
      secret = SecureRandom.base64(30)
      key = V4a.public_key(V4a.public_hex(V4a.derive(akid, secret)))
      signer = signer_for(v, access_key_id: akid, secret_access_key: secret)
      sig = SuiteRunner.signature_of(signer.sign_raw(**request_args(v), output: :headers))
      assert V4a.verifies?(key, v['header_sts'], sig), 'signature under the derived key'
      refute V4a.verifies?(suite, v['header_sts'], sig), "the suite's key must not verify another key's signature"
      signer.close
    end
  end

  # The public calls (#sign_request and #presign_url take the packed path,
  # not sign_raw's) sign SigV4a too: the suite's strings to sign verify.
  def test_public_calls
    v = vectors.find { |c| c.name == 'get-vanilla' }
    assert_equal [%w[Host example.amazonaws.com]], v.pairs('header')
    key = suite_key(v)
    signer = signer_for(v)
    url = "https://example.amazonaws.com#{v['path']}"
    t = v['time'].to_i
    out = signer.sign_request(http_method: v['method'], url: url, time: t)
    assert_equal v['region'], out['X-Amz-Region-Set']
    assert_match(%r{\AAWS4-ECDSA-P256-SHA256 Credential=AKIDEXAMPLE/20150830/service/aws4_request, },
                 out['Authorization'])
    assert V4a.verifies?(key, v['header_sts'], out['Authorization'][/Signature=(\h+)\z/, 1]), 'sign_request'
    query = URI.decode_www_form(URI(signer.presign_url(http_method: v['method'], url: url, time: t,
                                                       expires_in: v['expires'].to_i)).query).to_h
    assert_equal v['region'], query['X-Amz-Region-Set']
    assert V4a.verifies?(key, v['query_sts'], query['X-Amz-Signature']), 'presign_url'
  end

  # The region set: several regions or `*`, signed as given; anything else
  # is INVALID_REGION_SET. from_env takes the flag too.
  def test_region_sets
    v = vectors.find { |c| c.name == 'get-vanilla' }
    url = 'https://example.amazonaws.com/'
    ['*', 'us-east-1,us-west-2'].each do |set|
      out = signer_for(v, region: set).sign_request(http_method: 'GET', url: url, time: v['time'].to_i)
      assert_equal set, out['X-Amz-Region-Set']
      assert_includes out['Authorization'], 'Credential=AKIDEXAMPLE/20150830/service/aws4_request,' # no region
    end
    ['', 'us-east-1,,us-west-2', 'us east 1', 'us-east-1,', 'x' * 65].each do |set|
      e = assert_raises(Sigv4rs::InvalidRegionSetError, set.inspect) { signer_for(v, region: set) }
      assert_equal Sigv4rs::FFI::STATUS_INVALID_REGION_SET, e.code
    end
    assert_raises(TypeError) { signer_for(v, sigv4a: 1) }

    keys = %w[AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_REGION AWS_DEFAULT_REGION]
    saved = keys.to_h { |k| [k, ENV[k]] }
    keys.each { |k| ENV.delete(k) }
    ENV['AWS_ACCESS_KEY_ID'] = v['access_key_id']
    ENV['AWS_SECRET_ACCESS_KEY'] = v['secret_access_key']
    env = Sigv4rs::Signer.from_env(service: v['service'], region: '*', sigv4a: true)
    out = env.sign_request(http_method: 'GET', url: url, time: v['time'].to_i)
    assert_equal '*', out['X-Amz-Region-Set']
    assert V4a.verifies?(suite_key(v), env.string_to_sign(http_method: 'GET', url: url, time: v['time'].to_i),
                         out['Authorization'][/Signature=(\h+)\z/, 1])
    env.close
  ensure
    saved&.each { |k, val| val ? ENV[k] = val : ENV.delete(k) }
  end

  # The verification above can fail: a tampered string to sign, a changed
  # signature byte or another key do not verify.
  def test_verification_can_fail
    v = vectors.first
    key = suite_key(v)
    sts = v['header_sts']
    sig = v['header_sig']
    assert V4a.verifies?(key, sts, sig)
    refute V4a.verifies?(key, sts.sub('aws4_request', 'aws4_requesu'), sig)
    refute V4a.verifies?(key, sts, sig.sub(/.\z/) { |c| c == '0' ? '1' : '0' })
    refute V4a.verifies?(key, sts, 'not hex')
    refute V4a.verifies?(V4a.public_key(V4a.public_hex(V4a.derive('AKIDEXAMPLE', 'another secret'))), sts, sig)
  end
end
