# frozen_string_literal: true

require_relative 'test_helper'
require 'aws-sigv4'
require 'fileutils'
require 'open3'
require 'socket'
require 'time'
require 'timeout'
require 'tmpdir'

# The default credential chain (issue 13) through the binding: a
# Sigv4rs::DefaultChain as a signer's provider, the library resolving
# (environment, shared files, credential_process, STS) and the binding's
# Net::HTTP as STS's transport, to a fake STS on loopback
# (AWS_ENDPOINT_URL_STS). Each test runs in a temporary HOME with the
# shared files there, every other AWS_* variable unset and IMDS disabled.
# Signatures are compared with Aws::Sigv4::Signer's for the keys the
# sources hold; the fake STS checks AssumeRole's signature with it too.
class ChainTest < Minitest::Test
  T = 1_440_938_160
  URL = 'https://example.amazonaws.com/path/to?Action=List&b=2'
  REGION = 'us-east-1'
  SERVICE = 'service'
  ENV_AKID = 'AKIDENVEXAMPLE'
  ENV_SECRET = 'envSecret/K7MDENG+bPxRfiCYEXAMPLEKEY'
  ENV_TOKEN = 'envTokenNeverShown0123456789abcdef'
  FILE_AKID = 'AKIDFILEEXAMPLE'
  FILE_SECRET = 'fileSecret/K7MDENG+bPxRfiCYEXAMPLEKEY'
  DEV_AKID = 'AKIDDEVEXAMPLE'
  DEV_SECRET = 'devSecret/K7MDENG+bPxRfiCYEXAMPLEKEY'
  SOURCE_AKID = 'AKIDSOURCEEXAMPLE'
  SOURCE_SECRET = 'sourceSecret/K7MDENG+bPxRfiCYEXAMPLEKEY'
  PROC_AKID = 'ASIAPROCESSEXAMPLE'
  PROC_SECRET = 'procSecret/K7MDENG+bPxRfiCYEXAMPLEKEY'
  PROC_TOKEN = 'procTokenNeverShown0123456789abcdef'
  # The AssumeRole example of the STS API reference.
  ROLE_AKID = 'ASIAIOSFODNN7EXAMPLE'
  ROLE_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY'
  ROLE_TOKEN = 'AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoI'
  ROLE_ARN = 'arn:aws:iam::123456789012:role/demo'
  WEB_TOKEN = 'eyJwebIdentityTokenNeverShown.0123456789'
  SECRETS = [ENV_SECRET, ENV_TOKEN, FILE_SECRET, DEV_SECRET, SOURCE_SECRET, PROC_SECRET, PROC_TOKEN, ROLE_SECRET,
             ROLE_TOKEN, WEB_TOKEN, 'LEAKEDSECRET'].freeze
  LIB = File.dirname($LOADED_FEATURES.find { |f| f.end_with?('/sigv4rs.rb') })

  STATS = Hash.new(0)
  Minitest.after_run do
    next if STATS.empty?

    Summary << format('ruby default chain: %d/%d tests passed (%d signatures verified with aws-sigv4, %d STS ' \
                      'requests to a fake STS through Net::HTTP, %.1f s)',
                      STATS[:passed], ChainTest.runnable_methods.size, STATS[:checked], STATS[:sts], STATS[:secs])
  end

  def setup
    @t0 = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    @saved_env = ENV.to_h
    @dir = Dir.mktmpdir('sigv4rs-chain-')
    ENV.keys.grep(/\AAWS_/).each { |k| ENV.delete(k) }
    ENV['HOME'] = @dir
    ENV['AWS_CONFIG_FILE'] = path('config')
    ENV['AWS_SHARED_CREDENTIALS_FILE'] = path('credentials')
    ENV['AWS_EC2_METADATA_DISABLED'] = 'true'
  end

  def teardown
    ENV.replace(@saved_env)
    FileUtils.remove_entry(@dir)
    STATS[:secs] += Process.clock_gettime(Process::CLOCK_MONOTONIC) - @t0
  end

  def after_teardown
    super
    STATS[:passed] += 1 if passed?
  end

  # --- helpers ------------------------------------------------------------------

  def path(name) = File.join(@dir, name)

  def write(name, text)
    File.write(path(name), text)
    path(name)
  end

  # An executable /bin/sh script.
  def script(name, body)
    write(name, "#!/bin/sh\n#{body}")
    File.chmod(0o755, path(name))
    path(name)
  end

  def iso(t) = Time.at(t).utc.strftime('%Y-%m-%dT%H:%M:%SZ')

  # Aws::Sigv4's headers for GET URL at `t`, in the binding's names.
  def gem_headers(akid, secret, token, t)
    g = Aws::Sigv4::Signer.new(access_key_id: akid, secret_access_key: secret, session_token: token,
                               region: REGION, service: SERVICE, apply_checksum_header: false)
    h = g.sign_request(http_method: 'GET', url: URL,
                       headers: { 'x-amz-date' => Time.at(t).utc.strftime('%Y%m%dT%H%M%SZ') }).headers
    { 'X-Amz-Date' => h['x-amz-date'], 'X-Amz-Security-Token' => h['x-amz-security-token'],
      'Authorization' => h['authorization'] }.compact
  end

  def sign(s, t) = s.sign_request(http_method: 'GET', url: URL, time: t)

  def assert_signs_with(s, t, akid, secret, token = nil)
    assert_equal gem_headers(akid, secret, token, t), sign(s, t), "want the signature of #{akid}"
    STATS[:checked] += 1
  end

  def chain_signer(**opts) = Sigv4rs::Signer.from_default_chain(region: REGION, service: SERVICE, **opts)

  def refute_secrets(*texts)
    texts.each { |text| SECRETS.each { |x| refute_includes text, x } }
  end

  # Everything an error shows, its causes included.
  def shown(e)
    out = []
    while e
      out += [e.message, e.inspect, e.full_message(highlight: false)]
      e = e.cause
    end
    out
  end

  def now = Time.now.to_i

  # A fake STS (or any HTTP server) on loopback: each connection's request
  # goes to the block, which answers [status, body] or :hang (never
  # answers; the connection stays open until #close).
  class FakeSts
    Seen = Struct.new(:request_line, :headers, :body) do
      def form = URI.decode_www_form(body).to_h
    end
    attr_reader :seen

    def initialize(&handler)
      @handler = handler
      @server = TCPServer.new('127.0.0.1', 0)
      @seen = Queue.new
      @hung = Queue.new
      @threads = Queue.new
      @acceptor = Thread.new do
        loop do
          conn = @server.accept
          @threads << Thread.new(conn) { |c| serve(c) }
        end
      rescue IOError, Errno::EBADF
        nil # closed
      end
    end

    def url = "http://127.0.0.1:#{@server.addr[1]}"

    def requests
      a = []
      a << @seen.pop until @seen.empty?
      a
    end

    def close
      @server.close
      @acceptor.join(5)
      @hung.size.times { @hung.pop.close }
      @threads.size.times { @threads.pop.join(5) }
    end

    private

    def serve(conn)
      line = conn.gets
      headers = {}
      while (l = conn.gets) && l != "\r\n"
        n, v = l.split(':', 2)
        headers[n.strip.downcase] = v.strip
      end
      body = conn.read(headers['content-length'].to_i)
      req = Seen.new(line.chomp, headers, body)
      @seen << req
      answer = @handler.call(req)
      if answer == :hang
        @hung << conn
        return
      end
      code, text = answer
      conn.write("HTTP/1.1 #{code} X\r\nContent-Type: text/xml\r\nContent-Length: #{text.bytesize}\r\n" \
                 "Connection: close\r\n\r\n#{text}")
      conn.close
    rescue IOError, SystemCallError
      nil
    end
  end

  # The STS answer for `action` (AssumeRole, AssumeRoleWithWebIdentity),
  # expiring at `exp`.
  def sts_xml(action, exp)
    <<~XML
      <#{action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
        <#{action}Result>
          <AssumedRoleUser>
            <Arn>arn:aws:sts::123456789012:assumed-role/demo/TestAR</Arn>
            <AssumedRoleId>ARO123EXAMPLE123:TestAR</AssumedRoleId>
          </AssumedRoleUser>
          <Credentials>
            <AccessKeyId>#{ROLE_AKID}</AccessKeyId>
            <SecretAccessKey>#{ROLE_SECRET}</SecretAccessKey>
            <SessionToken>#{ROLE_TOKEN}</SessionToken>
            <Expiration>#{iso(exp)}</Expiration>
          </Credentials>
        </#{action}Result>
        <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>
      </#{action}Response>
    XML
  end

  def sts_error(code)
    "<ErrorResponse><Error><Type>Sender</Type><Code>#{code}</Code><Message>no</Message></Error></ErrorResponse>"
  end

  def web_identity_env(sts)
    ENV['AWS_WEB_IDENTITY_TOKEN_FILE'] = write('token', WEB_TOKEN)
    ENV['AWS_ROLE_ARN'] = ROLE_ARN
    ENV['AWS_ROLE_SESSION_NAME'] = 'ruby-chain'
    ENV['AWS_ENDPOINT_URL_STS'] = sts.url
  end

  # --- 1. environment variables -------------------------------------------------

  def test_environment_variables
    ENV['AWS_ACCESS_KEY_ID'] = ENV_AKID
    ENV['AWS_SECRET_ACCESS_KEY'] = ENV_SECRET
    ENV['AWS_SESSION_TOKEN'] = ENV_TOKEN
    write('credentials', "[default]\naws_access_key_id = #{FILE_AKID}\naws_secret_access_key = #{FILE_SECRET}\n")
    s = chain_signer
    assert_signs_with(s, T, ENV_AKID, ENV_SECRET, ENV_TOKEN)
    assert_nil s.expiration
    assert_nil s.default_chain.last_error
    # The same chain object given to Signer.new; presigning too.
    chain = Sigv4rs.default_chain
    s2 = Sigv4rs::Signer.new(region: REGION, service: SERVICE, credentials: chain)
    got = s2.presign_url(http_method: 'GET', url: URL, expires_in: 300, time: T)
    want = Aws::Sigv4::Signer.new(access_key_id: ENV_AKID, secret_access_key: ENV_SECRET, session_token: ENV_TOKEN,
                                  region: REGION, service: SERVICE)
                             .presign_url(http_method: 'GET', url: URL, expires_in: 300, time: Time.at(T)).to_s
    assert_equal want.split('?', 2)[1].split('&').sort, got.split('?', 2)[1].split('&').sort
    assert_same chain, s2.default_chain
    refute_secrets(s.inspect, chain.inspect, s2.inspect)
  end

  # --- 2. profiles in the shared files ----------------------------------------------

  def test_profiles_from_the_shared_files
    write('credentials', "[default]\naws_access_key_id = #{FILE_AKID}\naws_secret_access_key = #{FILE_SECRET}\n\n" \
                         "[dev]\naws_access_key_id = #{DEV_AKID}\naws_secret_access_key = #{DEV_SECRET}\n")
    assert_signs_with(chain_signer, T, FILE_AKID, FILE_SECRET)
    ENV['AWS_PROFILE'] = 'dev'
    assert_signs_with(chain_signer, T, DEV_AKID, DEV_SECRET)
    ENV.delete('AWS_PROFILE')
    assert_signs_with(chain_signer(profile: 'dev'), T, DEV_AKID, DEV_SECRET)
    # A profile given skips the environment variables (botocore's Session(profile=)).
    ENV['AWS_ACCESS_KEY_ID'] = ENV_AKID
    ENV['AWS_SECRET_ACCESS_KEY'] = ENV_SECRET
    assert_signs_with(Sigv4rs::Signer.new(region: REGION, service: SERVICE,
                                          credentials: Sigv4rs::DefaultChain.new(profile: 'dev')), T, DEV_AKID, DEV_SECRET)
    assert_signs_with(chain_signer, T, ENV_AKID, ENV_SECRET)
    # A profile that no file has.
    s = chain_signer(profile: 'nosuch')
    e = assert_raises(Sigv4rs::MissingCredentialsError) { sign(s, T) }
    assert_instance_of Sigv4rs::CredentialsConfigError, e.cause
    assert_includes e.message, 'the default credential chain failed: invalid credentials configuration: ' \
                               'SharedConfigFile: Config: profile "nosuch"'
    assert_equal e.cause.message, "invalid credentials configuration: #{s.default_chain.last_error}"
  end

  # --- 3. credential_process ----------------------------------------------------------

  def test_credential_process
    exp = now + 3600
    good = script('creds.sh', "echo x >> #{path('runs')}\nprintf '{\"Version\": 1, \"AccessKeyId\": " \
                              "\"#{PROC_AKID}\", \"SecretAccessKey\": \"#{PROC_SECRET}\", \"SessionToken\": " \
                              "\"#{PROC_TOKEN}\", \"Expiration\": \"#{iso(exp)}\"}'\n")
    bad = script('fail.sh', "printf '{\"Version\": 1, \"AccessKeyId\": \"AKIDLEAK\", \"SecretAccessKey\": " \
                            "\"LEAKEDSECRET1\"}'\necho 'oops LEAKEDSECRET2' >&2\nexit 1\n")
    slow = script('slow.sh', "sleep 5\n")
    write('config', "[default]\ncredential_process = #{good}\n\n[profile broken]\ncredential_process = #{bad}\n\n" \
                    "[profile slow]\ncredential_process = #{slow}\n")
    s = chain_signer
    t = now
    assert_signs_with(s, t, PROC_AKID, PROC_SECRET, PROC_TOKEN)
    assert_equal Time.at(exp).utc, s.expiration
    assert_signs_with(s, t + 60, PROC_AKID, PROC_SECRET, PROC_TOKEN)
    assert_equal 1, File.readlines(path('runs')).size, 'asked once, not again before the margin'

    s = chain_signer(profile: 'broken')
    e = assert_raises(Sigv4rs::MissingCredentialsError) { sign(s, T) }
    assert_instance_of Sigv4rs::CredentialsFetchFailedError, e.cause
    assert_equal 162, e.cause.code
    assert_includes e.message, 'Process: Fetch: profile "broken": credential_process exited with exit status: 1'
    assert_includes s.default_chain.last_error, 'exit status: 1'
    refute_secrets(*shown(e), s.default_chain.last_error)

    # Killed after process_timeout; meanwhile the GVL is free: other Ruby
    # threads run (the resolve releases it).
    s = chain_signer(profile: 'slow', process_timeout: 0.3)
    ticks = 0
    ticker = Thread.new { loop { ticks += 1; sleep 0.01 } }
    t0 = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    e = assert_raises(Sigv4rs::MissingCredentialsError) { sign(s, T) }
    secs = Process.clock_gettime(Process::CLOCK_MONOTONIC) - t0
    ticker.kill.join
    assert_operator secs, :<, 3
    assert_operator ticks, :>=, 5, 'other threads ran during the resolve'
    assert_includes e.message, 'timed out after 300 ms'
  end

  # --- 4. STS through the binding's transport -----------------------------------------

  def test_web_identity_through_net_http
    exp = now + 3600
    sts = FakeSts.new do |r|
      f = r.form
      ok = f['Action'] == 'AssumeRoleWithWebIdentity' && f['RoleArn'] == ROLE_ARN && f['WebIdentityToken'] == WEB_TOKEN &&
           f['RoleSessionName'] == 'ruby-chain' && f['Version'] == '2011-06-15'
      ok ? [200, sts_xml('AssumeRoleWithWebIdentity', exp)] : [400, sts_error('InvalidParameterValue')]
    end
    web_identity_env(sts)
    s = chain_signer
    t = now
    assert_signs_with(s, t, ROLE_AKID, ROLE_SECRET, ROLE_TOKEN)
    assert_signs_with(s, t + 60, ROLE_AKID, ROLE_SECRET, ROLE_TOKEN)
    assert_equal Time.at(exp).utc, s.expiration
    reqs = sts.requests
    assert_equal 1, reqs.size, 'one STS call for two signatures'
    STATS[:sts] += reqs.size
    r = reqs[0]
    assert_equal 'POST / HTTP/1.1', r.request_line
    # The library's headers as given, and only what HTTP needs added.
    assert_equal %w[content-length content-type host], r.headers.keys.sort
    assert_equal 'application/x-www-form-urlencoded; charset=utf-8', r.headers['content-type']
    assert_equal sts.url.delete_prefix('http://'), r.headers['host']
    assert_nil s.default_chain.last_error
  ensure
    sts&.close
  end

  def test_assume_role_with_a_source_profile
    write('credentials', "[base]\naws_access_key_id = #{SOURCE_AKID}\naws_secret_access_key = #{SOURCE_SECRET}\n")
    write('config', "[profile role]\nrole_arn = #{ROLE_ARN}\nsource_profile = base\nrole_session_name = ruby-chain\n")
    exp = now + 3600
    verdicts = Queue.new
    sts = FakeSts.new do |r|
      verdict = verify_assume_role(r, sts_url: "http://#{r.headers['host']}/")
      verdicts << verdict
      verdict == :ok ? [200, sts_xml('AssumeRole', exp)] : [403, sts_error('SignatureDoesNotMatch')]
    end
    ENV['AWS_ENDPOINT_URL_STS'] = sts.url
    calls = []
    net = Sigv4rs::DefaultChain::NetHTTPTransport.new
    recording = lambda do |method, url, headers, body, timeout|
      calls << [method, url, headers.keys, timeout]
      net.call(method, url, headers, body, timeout)
    end
    s = chain_signer(profile: 'role', transport: recording)
    t = now
    assert_signs_with(s, t, ROLE_AKID, ROLE_SECRET, ROLE_TOKEN)
    assert_equal Time.at(exp).utc, s.expiration
    assert_equal :ok, verdicts.pop
    assert_equal 1, calls.size
    method, url, names, timeout = calls[0]
    assert_equal ['POST', "#{sts.url}/", 30.0], [method, url, timeout]
    assert_equal %w[authorization content-type x-amz-date], names.map(&:downcase).sort
    STATS[:sts] += sts.requests.size
  ensure
    sts&.close
  end

  # AssumeRole as STS checks it: the action and parameters, and the
  # Authorization recomputed by Aws::Sigv4 with the source profile's keys.
  def verify_assume_role(r, sts_url:)
    f = r.form
    return :params unless f == { 'Action' => 'AssumeRole', 'Version' => '2011-06-15', 'RoleArn' => ROLE_ARN,
                                 'RoleSessionName' => 'ruby-chain' }

    auth = r.headers['authorization'].to_s
    date = r.headers['x-amz-date'].to_s
    signed = auth[/SignedHeaders=([^,]+)/, 1].to_s.split(';')
    return :signed_headers unless signed == %w[content-type host x-amz-date]
    return :credential unless auth.include?("Credential=#{SOURCE_AKID}/#{date[0, 8]}/us-east-1/sts/aws4_request")

    g = Aws::Sigv4::Signer.new(access_key_id: SOURCE_AKID, secret_access_key: SOURCE_SECRET, region: 'us-east-1',
                               service: 'sts', apply_checksum_header: false)
    want = g.sign_request(http_method: 'POST', url: sts_url, body: r.body,
                          headers: { 'content-type' => r.headers['content-type'], 'x-amz-date' => date })
    want.headers['authorization'] == auth ? :ok : :signature
  end

  # --- 5. transport failures ---------------------------------------------------------------

  # AWS_MAX_ATTEMPTS=2: each resolve makes 2 attempts (one retry, after up
  # to 1 s of backoff), each failing another way: STS answers 500, the
  # transport raises, returns junk, or the server never answers (bounded
  # by the transport's 0.3 s); a failed resolve is tried again 10 s (of
  # signing time) later. Signing fails within the bounded time with the
  # fetch-failed reason naming the last attempt's exception, and no
  # secret; the signer works once STS does. Then a transport that fails
  # every attempt: 2 attempts per resolve, not more.
  def test_transport_failures_are_bounded
    ENV['AWS_MAX_ATTEMPTS'] = '2'
    healthy = false
    exp = now + 3600
    sts = FakeSts.new do |r|
      next [200, sts_xml('AssumeRoleWithWebIdentity', exp)] if healthy

      r.headers['x-test-hang'] ? :hang : [500, sts_error('InternalFailure')]
    end
    web_identity_env(sts)
    net = Sigv4rs::DefaultChain::NetHTTPTransport.new(timeout: 0.3)
    plan = [] # what the next attempts do
    attempts = [] # [what it did, seconds] of each attempt
    transport = lambda do |method, url, headers, body, timeout|
      kind = healthy ? :sts : plan.shift
      t0 = Process.clock_gettime(Process::CLOCK_MONOTONIC)
      begin
        case kind
        when :raise then raise IOError, 'connection reset (test)'
        when :hang then net.call(method, url, headers.merge('X-Test-Hang' => '1'), body, timeout)
        when :junk then :junk
        else net.call(method, url, headers, body, timeout) # :sts (500 until healthy)
        end
      ensure
        attempts << [kind, Process.clock_gettime(Process::CLOCK_MONOTONIC) - t0]
      end
    end
    s = chain_signer(transport: transport)
    t = now
    sent = 0
    # One failing resolve at `at` whose 2 attempts do `kinds`: its error.
    fails = lambda do |at, kinds|
      plan.replace(kinds)
      attempts.clear
      t0 = Process.clock_gettime(Process::CLOCK_MONOTONIC)
      e = assert_raises(Sigv4rs::MissingCredentialsError) { sign(s, at) }
      secs = Process.clock_gettime(Process::CLOCK_MONOTONIC) - t0
      assert_equal kinds, attempts.map(&:first), 'exactly these 2 attempts'
      hangs = attempts.select { |k, _| k == :hang }.map(&:last)
      # Backoff rand * 1 s; 0.3 s per hang.
      assert_operator secs, :<, 1 + (0.3 * hangs.size) + 1
      assert_operator hangs.max || 0, :<, 1, 'the hangs ended at the transport timeout, not the chain\'s 1.3 s'
      want = kinds.count { |k| %i[sts hang].include?(k) }
      assert_equal want, sts.requests.size, 'the raising and junk attempts sent nothing'
      sent += want
      c = e.cause
      assert_instance_of Sigv4rs::CredentialsFetchFailedError, c
      assert_match(/\Acredentials fetch failed: WebIdentity: Fetch: STS AssumeRoleWithWebIdentity: /, c.message)
      refute_secrets(*shown(e), s.default_chain.last_error)
      e
    end

    c = fails.call(t, %i[sts raise]).cause
    assert_match(/: transport: .*\(the transport raised IOError\)\z/, c.message)
    assert_instance_of IOError, c.cause
    c = fails.call(t + 10, %i[hang junk]).cause
    assert_match(/: transport: .*\(the transport raised TypeError\)\z/, c.message)
    assert_instance_of TypeError, c.cause
    e = fails.call(t + 20, %i[sts hang])
    c = e.cause
    assert_match(/: transport: /, c.message)
    # The last attempt was a hang: its exception is named and is the cause's cause.
    assert_match(/\(the transport raised (Net::ReadTimeout|Sigv4rs::DefaultChain::TransportTimeout)\)\z/, c.message)
    assert_kind_of Timeout::Error, c.cause
    assert_includes e.message, 'the default credential chain failed: credentials fetch failed: WebIdentity: Fetch'
    # STS back: asked again after the library's retry delay.
    healthy = true
    assert_signs_with(s, t + 20 + Sigv4rs::FFI::PROVIDER_RETRY_SECS, ROLE_AKID, ROLE_SECRET, ROLE_TOKEN)
    sent += sts.requests.size
    STATS[:sts] += sent

    # A transport that fails every attempt: 2, then the error.
    calls = 0
    s = chain_signer(transport: lambda { |*|
      calls += 1
      raise Errno::ECONNREFUSED, 'test'
    })
    t0 = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    e = assert_raises(Sigv4rs::MissingCredentialsError) { sign(s, t) }
    assert_operator Process.clock_gettime(Process::CLOCK_MONOTONIC) - t0, :<, 1 + 1
    assert_equal 2, calls
    assert_match(/: transport: .*\(the transport raised Errno::ECONNREFUSED\)\z/, e.cause.message)
    assert_instance_of Errno::ECONNREFUSED, e.cause.cause
  ensure
    sts&.close
  end

  # --- 6. nothing anywhere ----------------------------------------------------------------

  def test_no_credentials_anywhere
    s = chain_signer
    e = assert_raises(Sigv4rs::MissingCredentialsError) { sign(s, T) }
    assert_equal 140, e.code
    assert_instance_of Sigv4rs::CredentialsNotFoundError, e.cause
    assert_match(/\Acredentials not found: Imds: NotFound: no credentials: environment, profile "default" .*IMDS/,
                 e.cause.message)
    assert_includes e.message, '(the default credential chain failed: credentials not found: '
    assert_raises(Sigv4rs::MissingCredentialsError) { s.expiration }
    # Asked again after the retry delay, and found once there is something.
    ENV['AWS_ACCESS_KEY_ID'] = ENV_AKID
    ENV['AWS_SECRET_ACCESS_KEY'] = ENV_SECRET
    assert_raises(Sigv4rs::MissingCredentialsError) { sign(s, T + 1) }
    assert_signs_with(s, T + Sigv4rs::FFI::PROVIDER_RETRY_SECS, ENV_AKID, ENV_SECRET)
    assert_nil s.default_chain.last_error
  end

  # --- 7. lifetime -------------------------------------------------------------------------

  def test_close_in_either_order_and_reentry
    ENV['AWS_ACCESS_KEY_ID'] = ENV_AKID
    ENV['AWS_SECRET_ACCESS_KEY'] = ENV_SECRET
    # Chain first: the signer keeps what it has, then cannot ask.
    chain = Sigv4rs::DefaultChain.new
    s = Sigv4rs::Signer.new(region: REGION, service: SERVICE, credentials: chain)
    assert_signs_with(s, T, ENV_AKID, ENV_SECRET)
    assert_nil chain.close
    assert_nil chain.close
    assert chain.closed?
    assert_raises(Sigv4rs::ClosedError) { chain.last_error }
    assert_signs_with(s, T + 1, ENV_AKID, ENV_SECRET) # no expiry: never asked again
    s2 = Sigv4rs::Signer.new(region: REGION, service: SERVICE, credentials: chain)
    e = assert_raises(Sigv4rs::MissingCredentialsError) { sign(s2, T) }
    assert_instance_of Sigv4rs::ClosedError, e.cause
    assert_includes e.message, 'the default credential chain is closed'
    s.close
    s2.close
    # Signer first.
    chain = Sigv4rs::DefaultChain.new
    s = Sigv4rs::Signer.new(region: REGION, service: SERVICE, credentials: chain)
    assert_signs_with(s, T, ENV_AKID, ENV_SECRET)
    s.close
    refute chain.closed?
    chain.close
    # from_default_chain's chain is the signer's: closed with it.
    s = chain_signer
    assert_signs_with(s, T, ENV_AKID, ENV_SECRET)
    c = s.default_chain
    s.close
    assert c.closed?
    s.close

    # From inside the chain's own transport: closing it, or resolving it
    # again through another signer, is refused (BusyError), not a deadlock.
    write('config', "[profile role]\nrole_arn = #{ROLE_ARN}\nsource_profile = base\n")
    write('credentials', "[base]\naws_access_key_id = #{SOURCE_AKID}\naws_secret_access_key = #{SOURCE_SECRET}\n")
    inner = []
    chain = nil
    other = nil
    chain = Sigv4rs::DefaultChain.new(profile: 'role', transport: lambda do |*|
      inner << (begin; chain.close; rescue Sigv4rs::Error => x; x; end)
      inner << (begin; sign(other, T); rescue Sigv4rs::Error => x; x; end)
      [403, sts_error('AccessDenied')]
    end)
    other = Sigv4rs::Signer.new(region: REGION, service: SERVICE, credentials: chain)
    s = Sigv4rs::Signer.new(region: REGION, service: SERVICE, credentials: chain)
    e = assert_raises(Sigv4rs::MissingCredentialsError) { sign(s, T) }
    assert_match(/AssumeRole: Fetch: AccessDenied/, e.message)
    assert_instance_of Sigv4rs::BusyError, inner[0]
    assert_instance_of Sigv4rs::MissingCredentialsError, inner[1]
    assert_instance_of Sigv4rs::BusyError, inner[1].cause
    refute chain.closed?
    chain.close
  end

  # The GC frees chains and signers in whatever order (a fresh process:
  # a crash there fails the test, not the run). Signers keep their chain.
  # GC.stress through a resolve with a transport call whose STS answer
  # fails it (AccessDenied: no retry).
  def test_gc_frees_chains_and_signers_in_any_order
    write('config', "[profile role]\nrole_arn = #{ROLE_ARN}\nsource_profile = base\n")
    write('credentials', "[base]\naws_access_key_id = #{SOURCE_AKID}\naws_secret_access_key = #{SOURCE_SECRET}\n")
    env = { 'AWS_ACCESS_KEY_ID' => ENV_AKID, 'AWS_SECRET_ACCESS_KEY' => ENV_SECRET, 'DENIED' => sts_error('AccessDenied') }
    out, status = Open3.capture2e(env, RbConfig.ruby, '-w', '-I', LIB, '-e', <<~'RUBY')
      require 'sigv4rs'
      url = 'https://example.amazonaws.com/'
      denied = Sigv4rs::Signer.from_default_chain(region: 'us-east-1', service: 's', profile: 'role',
                                                  transport: ->(*) { [403, ENV['DENIED']] })
      GC.stress = true # first: each allocation costs a GC of the whole heap
      e = begin; denied.sign_request(http_method: 'GET', url: url); rescue Sigv4rs::Error => x; x; end
      GC.stress = false
      denied = nil
      kept = []
      bad = 0
      80.times do |i|
        chain = Sigv4rs::DefaultChain.new
        s = Sigv4rs::Signer.new(region: 'us-east-1', service: 's', credentials: chain)
        h = s.sign_request(http_method: 'GET', url: url, time: 1_440_938_160 + i)
        bad += 1 unless h['Authorization'].include?('Credential=AKIDENVEXAMPLE/')
        kept << s if i.even? # the chain lives on through the signer only
        s = Sigv4rs::Signer.from_default_chain(region: 'us-east-1', service: 's') if i % 3 == 0
        GC.start(full_mark: true, immediate_sweep: true) if i % 10 == 0
        GC.compact if i % 30 == 0 && GC.respond_to?(:compact)
      end
      GC.start
      # Fresh signers on the surviving chains: they resolve again.
      kept.each_with_index do |s, i|
        c = Sigv4rs::Signer.new(region: 'us-east-1', service: 's', credentials: s.default_chain)
        h = c.sign_request(http_method: 'GET', url: url, time: 1_440_938_160 + i)
        bad += 1 unless h['Authorization'].include?('Credential=AKIDENVEXAMPLE/')
      end
      kept = nil
      GC.start
      puts "bad=#{bad} #{e.cause.message}"
    RUBY
    assert status.success?, "child exited with #{status.inspect}:\n#{out}"
    assert_equal "bad=0 credentials fetch failed: AssumeRole: Fetch: AccessDenied\n", out
  end

  # Signers on one chain, from several threads at once: resolves run one at
  # a time, each signer gets the set.
  def test_threads_share_a_chain
    exp = now + 3600
    good = script('creds.sh', "echo x >> #{path('runs')}\nsleep 0.05\nprintf '{\"Version\": 1, \"AccessKeyId\": " \
                              "\"#{PROC_AKID}\", \"SecretAccessKey\": \"#{PROC_SECRET}\", \"Expiration\": " \
                              "\"#{iso(exp)}\"}'\n")
    write('config', "[default]\ncredential_process = #{good}\n")
    chain = Sigv4rs::DefaultChain.new
    t = now
    results = Array.new(4) do
      Thread.new do
        s = Sigv4rs::Signer.new(region: REGION, service: SERVICE, credentials: chain)
        [sign(s, t), s.expiration]
      end
    end.map(&:value)
    results.each do |h, e|
      assert_equal gem_headers(PROC_AKID, PROC_SECRET, nil, t), h
      assert_equal Time.at(exp).utc, e
      STATS[:checked] += 1
    end
    assert_equal 4, File.readlines(path('runs')).size
  end

  # The default transport verifies certificates: a self-signed server on
  # loopback is refused (called directly: the chain would retry 5 times).
  def test_net_http_transport_verifies_certificates
    require 'openssl'
    key = OpenSSL::PKey::EC.generate('prime256v1')
    cert = OpenSSL::X509::Certificate.new
    cert.version = 2
    cert.serial = 1
    cert.subject = cert.issuer = OpenSSL::X509::Name.parse('/CN=127.0.0.1')
    cert.public_key = key
    cert.not_before = Time.now - 60
    cert.not_after = Time.now + 3600
    cert.sign(key, OpenSSL::Digest.new('SHA256'))
    ctx = OpenSSL::SSL::SSLContext.new
    ctx.cert = cert
    ctx.key = key
    tcp = TCPServer.new('127.0.0.1', 0)
    server = OpenSSL::SSL::SSLServer.new(tcp, ctx)
    handshakes = Thread.new do
      loop do
        server.accept.close
      rescue OpenSSL::SSL::SSLError, SystemCallError
        next
      rescue IOError
        break
      end
    end
    net = Sigv4rs::DefaultChain::NetHTTPTransport.new(timeout: 5)
    e = assert_raises(OpenSSL::SSL::SSLError) do
      net.call('POST', "https://127.0.0.1:#{tcp.addr[1]}/", { 'Content-Type' => 'text/plain' }, 'x', 30.0)
    end
    assert_match(/certificate verify failed/, e.message)
    e = assert_raises(ArgumentError) { net.call('POST', 'ftp://127.0.0.1/', {}, '', 1.0) }
    assert_match(/not an http\(s\) URL/, e.message)
  ensure
    server&.close
    handshakes&.join(5)
  end

  def test_argument_errors
    assert_raises(Sigv4rs::InvalidRegionError) { Sigv4rs::DefaultChain.new(region: 'bad region') }
    e = assert_raises(Sigv4rs::InvalidArgumentError) { Sigv4rs::DefaultChain.new(profile: "a\nb") }
    assert_match(/profile and region/, e.message)
    assert_raises(TypeError) { Sigv4rs::DefaultChain.new(profile: :dev) }
    assert_raises(TypeError) { Sigv4rs::DefaultChain.new(transport: 42) }
    assert_raises(ArgumentError) { Sigv4rs::DefaultChain.new(process_timeout: 0) }
    assert_raises(ArgumentError) { Sigv4rs::DefaultChain.new(process_timeout: -1) }
    assert_raises(TypeError) { Sigv4rs::DefaultChain.new(process_timeout: '5') }
    assert_raises(TypeError) { Sigv4rs::DefaultChain.new(process_timeout: Float::NAN) }
    assert_raises(ArgumentError) { Sigv4rs::DefaultChain::NetHTTPTransport.new(timeout: 0) }
    assert_raises(ArgumentError) { chain_signer(margin: -1) }
    assert_raises(ArgumentError) { Sigv4rs::Signer.from_default_chain(service: SERVICE) }
    assert_equal '#<Sigv4rs::DefaultChain profile="dev">', Sigv4rs::DefaultChain.new(profile: 'dev').inspect
  end
end
