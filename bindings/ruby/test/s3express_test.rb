# frozen_string_literal: true

require_relative 'test_helper'
require 'json'

# S3 Express One Zone (`s3express: true`) against botocore's S3ExpressAuth /
# S3ExpressQueryAuth (tests/data/s3express-vectors.json, as tests/s3express.rs
# reads it): canonical request and string to sign through the debug calls,
# then the added headers and the presigned URL through the public
# #sign_request / #presign_url; CreateSession documents through #rotate_xml
# into the credentials botocore's parser reads. Expected values come only
# from the JSON file.
class S3ExpressTest < Minitest::Test
  VECTORS = File.expand_path('../../../tests/data/s3express-vectors.json', __dir__)

  def data
    @data ||= JSON.parse(File.read(VECTORS))
  end

  def express_signer(c, **opts)
    # S3 rules come with s3express alone.
    Sigv4rs::Signer.new(access_key_id: c['access_key_id'], secret_access_key: c['secret_access_key'],
                        session_token: c['session_token'], region: c['region'], service: c['service'],
                        s3express: true, **opts)
  end

  # Names are case-insensitive (botocore writes x-amz-s3session-token);
  # values byte for byte.
  def lower(headers)
    headers.map { |n, v| [n.downcase, v] }.sort
  end

  # Mismatches of one case, as text (empty: it matched).
  def run_case(c)
    bad = []
    check = lambda do |what, want, got|
      bad << "#{c['id']} #{what}:\n--- botocore\n#{want}\n--- sigv4rs\n#{got}" unless want == got
    end
    presign = c['mode'] == 'presign'
    signer = express_signer(c)
    mode = if presign then :auto
           elsif c['payload_signing'] then :bytes
           else :unsigned
           end
    raw = { method: c['method'], url: c['url'], headers: c['headers'], payload: c['body'], payload_mode: mode,
            time: c['unix_time'], expires_in: c['expires'] }
    check.('canonical request', c['canonical_request'], signer.sign_raw(**raw, output: :canonical_request))
    check.('string to sign', c['string_to_sign'], signer.sign_raw(**raw, output: :string_to_sign))
    req = { http_method: c['method'], url: c['url'], headers: c['headers'], time: c['unix_time'] }
    if presign
      check.('presigned URL', c['presigned_url'], signer.presign_url(**req, expires_in: c['expires'], body: c['body']))
    else
      body = c['payload_signing'] ? { body: c['body'] } : { unsigned_payload: true }
      check.('added headers', lower(c['output_headers']), lower(signer.sign_request(**req, **body)))
    end
    bad
  ensure
    signer&.close
  end

  def test_botocore_vectors
    cases = data['cases']
    bad = cases.flat_map { |c| run_case(c) }
    n = ->(mode) { cases.count { |c| c['mode'] == mode } }
    Summary << "ruby s3express vectors: #{cases.size - bad.map { |b| b[/\A\S+/] }.uniq.size}/#{cases.size} " \
               "(header #{n.('headers')}, presign #{n.('presign')}; botocore #{data['botocore_version']})"
    assert_operator n.('headers'), :>=, 100
    assert_operator n.('presign'), :>=, 100
    assert_empty bad, "#{bad.size} mismatches:\n\n#{bad.first(5).join("\n\n")}"
  end

  # The session token goes to X-Amz-S3session-Token (header) or the
  # X-Amz-S3session-Token parameter, never X-Amz-Security-Token; without
  # the flag it is a security token (the vectors would not notice a flag
  # that did nothing).
  def test_token_header_and_parameter
    c = data['cases'].first
    url = 'https://bucket--use1-az4--x-s3.s3express-use1-az4.us-east-1.amazonaws.com/key'
    signer = express_signer(c)
    out = signer.sign_request(http_method: 'GET', url: url, unsigned_payload: true)
    assert_equal c['session_token'], out['X-Amz-S3session-Token']
    refute out.key?('X-Amz-Security-Token')
    assert_match(/;x-amz-s3session-token,/, out['Authorization'])
    query = URI.decode_www_form(URI(signer.presign_url(http_method: 'GET', url: url)).query).to_h
    assert_equal c['session_token'], query['X-Amz-S3session-Token']
    refute query.key?('X-Amz-Security-Token')

    plain = Sigv4rs::Signer.new(access_key_id: c['access_key_id'], secret_access_key: c['secret_access_key'],
                                session_token: c['session_token'], region: c['region'], service: c['service'], s3: true)
    out = plain.sign_request(http_method: 'GET', url: url, unsigned_payload: true)
    assert_equal c['session_token'], out['X-Amz-Security-Token']
    refute out.keys.any? { |k| k.casecmp?('x-amz-s3session-token') }
  end

  def test_flag_without_token_is_refused
    c = data['cases'].first
    e = assert_raises(Sigv4rs::InvalidSessionTokenError) { express_signer(c, session_token: nil) }
    assert_equal Sigv4rs::FFI::STATUS_INVALID_SESSION_TOKEN, e.code
    signer = express_signer(c)
    assert_raises(Sigv4rs::InvalidSessionTokenError) do
      signer.rotate(access_key_id: 'ASIAEXAMPLE', secret_access_key: 'secret')
    end
    assert_raises(Sigv4rs::InvalidSessionTokenError) do
      signer.rotate_json('{"AccessKeyId":"ASIAEXAMPLE","SecretAccessKey":"secret"}')
    end
  end

  def test_with_sigv4a_is_refused
    c = data['cases'].first
    e = assert_raises(Sigv4rs::InvalidArgumentError) { express_signer(c, sigv4a: true) }
    assert_equal Sigv4rs::FFI::STATUS_INVALID_ARGUMENT, e.code
    assert_raises(TypeError) { express_signer(c, s3express: 'yes') }
  end

  # CreateSession responses: what #rotate_xml puts into a signer signs as a
  # signer made with the credentials botocore read from the same document,
  # expires when botocore says, and carries botocore's token; a document
  # without credentials is refused and the old credentials stay.
  def test_rotate_xml_reads_create_session_as_botocore
    seed = data['cases'].first
    url = seed['url']
    sign = ->(s, t) { s.sign_request(http_method: 'GET', url: url, unsigned_payload: true, time: t) }
    checked = refused = 0
    data['create_session'].each do |d|
      signer = express_signer(seed)
      want = d['credentials']
      unless want
        before = sign.(signer, seed['unix_time'])
        assert_raises(Sigv4rs::InvalidCredentialsDocumentError, d['id']) { signer.rotate_xml(d['xml']) }
        assert_equal before, sign.(signer, seed['unix_time']), "#{d['id']}: the old credentials stay"
        refused += 1
        next
      end

      assert_nil signer.rotate_xml(d['xml'])
      exp = want['expiration']
      assert_equal Time.at(exp).utc, signer.expiration, d['id']
      reference = Sigv4rs::Signer.new(access_key_id: want['access_key_id'],
                                      secret_access_key: want['secret_access_key'],
                                      session_token: want['session_token'], region: seed['region'],
                                      service: 's3express', s3express: true)
      out = sign.(signer, exp - 60)
      assert_equal sign.(reference, exp - 60), out, "#{d['id']}: signs as botocore's credentials"
      assert_equal want['session_token'], out['X-Amz-S3session-Token'], d['id']
      assert_includes out['Authorization'], "Credential=#{want['access_key_id']}/", d['id']
      assert_raises(Sigv4rs::CredentialsExpiredError, d['id']) { sign.(signer, exp) }
      checked += 1
    end
    Summary << "ruby rotate_xml: #{checked}/#{checked} CreateSession documents read as botocore reads them, " \
               "#{refused} refused"
    assert_operator checked, :>=, 5
    assert_operator refused, :>=, 1
  end

  def test_rotate_xml_malformed
    signer = express_signer(data['cases'].first)
    good = data['create_session'].first['xml']
    ['', 'not xml', good.sub('</CreateSessionResult>', ''), good.sub(%r{<SessionToken>.*</SessionToken>}m, ''),
     '<!DOCTYPE x [<!ENTITY a "b">]>' + good.sub(/\A<\?xml[^>]*\?>\s*/, ''),
     '<Error><Code>AccessDenied</Code><Message>no</Message></Error>'].each do |xml|
      e = assert_raises(Sigv4rs::InvalidCredentialsDocumentError, xml[0, 60]) { signer.rotate_xml(xml) }
      assert_equal Sigv4rs::FFI::STATUS_INVALID_CREDENTIALS_DOCUMENT, e.code
      refute_includes e.message, 'wJalrXUtnFEMI', 'no secret in the message'
    end
    assert_raises(TypeError) { signer.rotate_xml(nil) }
    signer.close
    assert_raises(Sigv4rs::ClosedError) { signer.rotate_xml(good) }
  end

  # An STS AssumeRole response rotates a plain signer too (the token is then
  # a security token).
  def test_rotate_xml_sts_assume_role
    xml = <<~XML
      <AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
        <AssumeRoleResult>
          <Credentials>
            <AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId>
            <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>
            <SessionToken>AQoDYXdzEPT//////////wEXAMPLEtc764</SessionToken>
            <Expiration>2030-07-15T23:28:33.359Z</Expiration>
          </Credentials>
          <AssumedRoleUser>
            <Arn>arn:aws:sts::123456789012:assumed-role/demo/x</Arn><AssumedRoleId>ARO:x</AssumedRoleId>
          </AssumedRoleUser>
        </AssumeRoleResult>
        <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>
      </AssumeRoleResponse>
    XML
    signer = Sigv4rs::Signer.new(access_key_id: 'AKIDEXAMPLE', secret_access_key: 'old', region: 'us-east-1',
                                 service: 'sts')
    signer.rotate_xml(xml)
    assert_equal Time.utc(2030, 7, 15, 23, 28, 33), signer.expiration.round
    out = signer.sign_request(http_method: 'GET', url: 'https://sts.amazonaws.com/', time: Time.utc(2030))
    assert_equal 'AQoDYXdzEPT//////////wEXAMPLEtc764', out['X-Amz-Security-Token']
    assert_includes out['Authorization'], 'Credential=ASIAIOSFODNN7EXAMPLE/'
  end
end
