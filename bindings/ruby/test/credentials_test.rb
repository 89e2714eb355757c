# frozen_string_literal: true

require_relative 'test_helper'
require 'aws-sigv4'
require 'json'
require 'net/http'
require 'open3'
require 'pp'
require 'socket'
require 'time'
require 'timeout'

# Credentials that change under a signer (issue 13): rotation, expiry and a
# provider the library calls from inside signing calls. Every signature is
# compared with Aws::Sigv4::Signer's for the credentials it should have
# used; times are fixed (`time:`), as the library's refresh decisions follow
# the signing time.
class CredentialsTest < Minitest::Test
  T = 1_440_938_160
  URL = 'https://example.amazonaws.com/path/to?Action=List&b=2'
  REGION = 'us-east-1'
  SERVICE = 'service'
  SECRET = 'SeCrEtNeVeRsHoWn/0123456789+abcdefghijk'
  TOKEN = 'ToKeNnEvErShOwN0123456789abcdefghijklmnopqrstuvwxyz'
  A = Sigv4rs::Credentials.new('AKIDEXAMPLEA', SECRET, nil, T + 3600)
  B = Sigv4rs::Credentials.new(access_key_id: 'ASIAROTATEDB', secret_access_key: "#{SECRET}B",
                               session_token: TOKEN, expiration: Time.at(T + 7200))
  C = Sigv4rs::Credentials.new('AKIDROTATEDC', "#{SECRET}C", nil, nil)
  # The binding's lib directory, as loaded (children load the same one).
  LIB = File.dirname($LOADED_FEATURES.find { |f| f.end_with?('/sigv4rs.rb') })

  # Counts for the summary line (test_helper's hook, which runs after this
  # one, prints it).
  STATS = Hash.new(0)
  Minitest.after_run do
    next if STATS.empty?

    Summary << format('ruby credentials: %d signatures verified with aws-sigv4 (%d from 8 threads over %d rotations, ' \
                      '%d from 8 threads through %d provider refreshes, %d more); %d/%d tests passed',
                      STATS[:rotation_sigs] + STATS[:provider_sigs] + STATS[:checked], STATS[:rotation_sigs],
                      STATS[:rotations], STATS[:provider_sigs], STATS[:refreshes], STATS[:checked],
                      STATS[:passed], CredentialsTest.runnable_methods.size)
  end

  def after_teardown
    super
    STATS[:passed] += 1 if passed?
  end

  # --- references -------------------------------------------------------------

  def amz_date(t) = Time.at(t).utc.strftime('%Y%m%dT%H%M%SZ')

  def gem_signer(c)
    Aws::Sigv4::Signer.new(access_key_id: c.access_key_id, secret_access_key: c.secret_access_key,
                           session_token: c.session_token, region: REGION, service: SERVICE,
                           apply_checksum_header: false)
  end

  # Aws::Sigv4's headers for the request, in the names the binding returns.
  def gem_headers(c, t, url: URL, note: 'n')
    h = gem_signer(c).sign_request(http_method: 'GET', url: url, headers: { 'x-note' => note, 'x-amz-date' => amz_date(t) })
               .headers
    { 'X-Amz-Date' => h['x-amz-date'], 'X-Amz-Security-Token' => h['x-amz-security-token'],
      'Authorization' => h['authorization'] }.compact
  end

  def gem_presign(c, t)
    gem_signer(c).presign_url(http_method: 'GET', url: URL, expires_in: 300, time: Time.at(t)).to_s
  end

  def sign(s, t, url: URL, note: 'n') = s.sign_request(http_method: 'GET', url: url, headers: { 'X-Note' => note }, time: t)

  # Signs at `t` and checks the result against Aws::Sigv4 for `c` (or for
  # `c.call` after signing: a provider's set, known once it was asked).
  def assert_signed_with(c, s, t)
    got = sign(s, t)
    c = c.call if c.respond_to?(:call)
    assert_equal gem_headers(c, t), got, "at T+#{t - T}: want the signature of #{c.access_key_id}"
    STATS[:checked] += 1
    got
  end

  def assert_presigned_with(c, s, t)
    got = s.presign_url(http_method: 'GET', url: URL, expires_in: 300, time: t)
    c = c.call if c.respond_to?(:call)
    want = gem_presign(c, t)
    assert_equal want.split('?', 2)[1].split('&').sort, got.split('?', 2)[1].split('&').sort
    STATS[:checked] += 1
  end

  def signer(**kw) = Sigv4rs::Signer.new(region: REGION, service: SERVICE, **kw)

  # The set `prov` handed out as `akid`, looked up when called.
  def set_of(prov, akid) = -> { prov.sets.fetch(akid) }

  def keys(c) = { access_key_id: c.access_key_id, secret_access_key: c.secret_access_key,
                  session_token: c.session_token, expiration: c.expiration }

  # A provider handing out numbered sets (ASIAPROV1, ASIAPROV2...) that
  # expire `life` seconds after the clock (`clock.call`); `#calls` counts.
  class Counting
    attr_reader :calls, :sets

    def initialize(clock, life: 3600, &hook)
      @clock = clock
      @life = life
      @hook = hook
      @calls = 0
      @sets = {}
      @lock = Mutex.new
    end

    def call
      n = @lock.synchronize { @calls += 1 }
      @hook&.call(n)
      c = Sigv4rs::Credentials.new("ASIAPROV#{n}", "#{SECRET}#{n}", "#{TOKEN}#{n}", @clock.call + @life)
      @lock.synchronize { @sets[c.access_key_id] = c }
    end
  end

  # aws-sdk-core's Aws::RefreshingCredentials in short: refreshed eagerly at
  # creation, then synchronously by #credentials / #expiration within 300
  # seconds of expiry (by its own clock); #credentials returns an object
  # with access_key_id, secret_access_key and session_token, not a
  # Sigv4rs::Credentials.
  class FakeSdkProvider
    Creds = Struct.new(:access_key_id, :secret_access_key, :session_token)
    attr_reader :refreshes, :sets

    def initialize(clock)
      @clock = clock
      @mutex = Mutex.new
      @refreshes = 0
      @sets = {}
      refresh
    end

    def credentials
      refresh_if_near_expiration!
      @credentials
    end

    def expiration
      refresh_if_near_expiration!
      @expiration
    end

    private

    def refresh
      @refreshes += 1
      @credentials = Creds.new("ASIASDK#{@refreshes}", "#{SECRET}sdk#{@refreshes}", "#{TOKEN}sdk#{@refreshes}")
      @expiration = Time.at(@clock.call + 3600)
      @sets[@credentials.access_key_id] = Sigv4rs::Credentials.new(*@credentials.to_a, @expiration)
    end

    def refresh_if_near_expiration!
      @mutex.synchronize { refresh if @expiration.to_i - @clock.call < 300 }
    end
  end

  # Runs `script` in a fresh Ruby with the binding (a crash there fails the
  # test instead of the whole run); returns its output.
  def run_child(script)
    out, status = Open3.capture2e(RbConfig.ruby, '-w', '-I', LIB, '-e', "require 'sigv4rs'\nrequire 'timeout'\n#{script}")
    assert status.success?, "child exited with #{status.inspect}:\n#{out}"
    out
  end

  # --- rotation and expiry ----------------------------------------------------

  def test_rotation_signs_with_the_new_credentials
    s = signer(**keys(A))
    assert_signed_with(A, s, T)
    assert_presigned_with(A, s, T)
    assert_equal Time.at(T + 3600).utc, s.expiration

    assert_nil s.rotate(**keys(B))
    got = assert_signed_with(B, s, T + 1)
    assert_equal TOKEN, got['X-Amz-Security-Token']
    assert_presigned_with(B, s, T + 1)
    assert_equal Time.at(T + 7200).utc, s.expiration

    s.rotate(**keys(C)) # no token, does not expire
    got = assert_signed_with(C, s, T + 2)
    refute got.key?('X-Amz-Security-Token')
    assert_presigned_with(C, s, T + 2)
    assert_nil s.expiration
    assert_signed_with(C, s, T + 10**8) # no expiry

    # A credentials document (IMDS / container endpoint shape).
    doc = %({"Code":"Success","AccessKeyId":"ASIAJSONDOC","SecretAccessKey":"#{SECRET}J","Token":"#{TOKEN}J",) +
          %("Expiration":"2015-08-30T13:36:00Z"})
    s.rotate_json(doc)
    j = Sigv4rs::Credentials.new('ASIAJSONDOC', "#{SECRET}J", "#{TOKEN}J", nil)
    assert_signed_with(j, s, T + 3)
    assert_equal Time.utc(2015, 8, 30, 13, 36, 0), s.expiration
    assert_raises(Sigv4rs::InvalidCredentialsDocumentError) { s.rotate_json('{"AccessKeyId":"x"}') }
    assert_signed_with(j, s, T + 4) # kept

    # A refused set changes nothing.
    assert_raises(Sigv4rs::InvalidSessionTokenError) { s.rotate(access_key_id: 'AKIDX', secret_access_key: 'x', session_token: 'a b') }
    assert_raises(Sigv4rs::InvalidTimeError) { s.rotate(access_key_id: 'AKIDX', secret_access_key: 'x', expiration: 0) }
    assert_raises(TypeError) { s.rotate(access_key_id: 'AKIDX', secret_access_key: nil) }
    assert_signed_with(j, s, T + 5)
    s.close
    assert_raises(Sigv4rs::ClosedError) { s.rotate(**keys(A)) }
    assert_raises(Sigv4rs::ClosedError) { s.expiration }
  end

  def test_expired_credentials_raise_at_their_expiration
    [Time.at(T + 100), T + 100].each do |exp|
      s = signer(**keys(A), expiration: exp)
      assert_signed_with(A, s, T + 99)
      e = assert_raises(Sigv4rs::CredentialsExpiredError) { sign(s, T + 100) }
      assert_equal 141, e.code
      assert_nil e.cause
      assert_raises(Sigv4rs::CredentialsExpiredError) { s.presign_url(http_method: 'GET', url: URL, time: T + 101) }
      assert_raises(Sigv4rs::CredentialsExpiredError) { s.canonical_request(http_method: 'GET', url: URL, time: T + 100) }
      assert_equal Time.at(T + 100).utc, s.expiration
      s.rotate(**keys(A), expiration: T + 200) # renewed
      assert_signed_with(A, s, T + 199)
      assert_raises(Sigv4rs::CredentialsExpiredError) { sign(s, T + 200) }
    end
    # The same as one object.
    s = signer(credentials: Sigv4rs::Credentials.new(**keys(A).merge(expiration: T + 100)))
    assert_signed_with(A, s, T + 99)
    assert_raises(Sigv4rs::CredentialsExpiredError) { sign(s, T + 100) }
    # Any object with the keys (aws-sigv4's own Credentials): static too.
    s = signer(credentials: Aws::Sigv4::Credentials.new(access_key_id: A.access_key_id, secret_access_key: SECRET))
    assert_signed_with(Sigv4rs::Credentials.new(A.access_key_id, SECRET), s, T + 10**6)
    assert_nil s.expiration
    # No expiration: never.
    assert_signed_with(A, signer(**keys(A).merge(expiration: nil)), Sigv4rs::FFI::MAX_UNIX_TIME)
    # Bad expirations.
    assert_raises(Sigv4rs::InvalidTimeError) { signer(**keys(A), expiration: 0) }
    assert_raises(Sigv4rs::InvalidTimeError) { signer(**keys(A), expiration: Time.at(-5)) }
    assert_raises(Sigv4rs::InvalidTimeError) { signer(**keys(A), expiration: Sigv4rs::FFI::MAX_UNIX_TIME + 1) }
    assert_raises(TypeError) { signer(**keys(A), expiration: '2030-01-01') }
  end

  # --- a provider -------------------------------------------------------------

  def test_provider_is_called_when_absent_and_within_the_margin_only
    now = T
    prov = Counting.new(-> { now })
    s = signer(credentials: prov)
    assert_equal 0, prov.calls # not before the first signing call
    assert_raises(Sigv4rs::MissingCredentialsError) { s.expiration }
    assert_signed_with(set_of(prov, 'ASIAPROV1'), s, now)
    assert_equal 1, prov.calls
    assert_equal Time.at(T + 3600).utc, s.expiration
    [T + 1, T + 1000, T + 3299].each { |t| assert_signed_with(set_of(prov, 'ASIAPROV1'), s, t) }
    assert_equal 1, prov.calls
    now = T + 3300 # expiry - margin (300): asked again
    assert_signed_with(set_of(prov, 'ASIAPROV2'), s, now)
    assert_equal 2, prov.calls
    [T + 3301, T + 6000, T + 6599].each { |t| assert_signed_with(set_of(prov, 'ASIAPROV2'), s, t) }
    assert_presigned_with(set_of(prov, 'ASIAPROV2'), s, T + 6599)
    assert_equal 2, prov.calls
    now = T + 6600
    assert_signed_with(set_of(prov, 'ASIAPROV3'), s, now)
    assert_equal 3, prov.calls

    # A margin of its own, and keys to start with.
    now = T
    prov = Counting.new(-> { now })
    s = signer(**keys(A), credentials: prov, margin: 60)
    assert_signed_with(A, s, T + 3539)
    assert_equal 0, prov.calls
    now = T + 3540
    assert_signed_with(set_of(prov, 'ASIAPROV1'), s, now)
    assert_equal 1, prov.calls

    # A provider whose sets do not expire: asked once.
    prov = Counting.new(-> { 0 }, life: 0)
    def prov.call = super.tap { |c| c.expiration = nil }
    s = signer(credentials: prov)
    [T, T + 10**6, T + 10**8].each { |t| assert_signed_with(set_of(prov, 'ASIAPROV1'), s, t) }
    assert_equal 1, prov.calls
    assert_nil s.expiration

    # A rotation replaces what the provider gave; the provider comes back
    # when the rotated set nears its expiry.
    now = T
    prov = Counting.new(-> { now })
    s = signer(credentials: prov)
    assert_signed_with(set_of(prov, 'ASIAPROV1'), s, T)
    s.rotate(**keys(A), expiration: T + 500)
    assert_signed_with(A, s, T + 199)
    now = T + 200
    assert_signed_with(set_of(prov, 'ASIAPROV2'), s, now)
    assert_equal 2, prov.calls
  end

  # aws-sdk style: Aws::Sigv4::StaticCredentialsProvider (the real one), and
  # a refreshing provider shaped like aws-sdk-core's.
  def test_aws_sdk_style_providers
    static = Aws::Sigv4::StaticCredentialsProvider.new(access_key_id: 'AKIDSTATIC', secret_access_key: SECRET,
                                                       session_token: TOKEN)
    s = signer(credentials: static)
    c = Sigv4rs::Credentials.new('AKIDSTATIC', SECRET, TOKEN)
    [T, T + 10**6].each { |t| assert_signed_with(c, s, t) }
    assert_nil s.expiration

    now = T
    sdk = FakeSdkProvider.new(-> { now })
    s = signer(credentials: sdk)
    assert_signed_with(set_of(sdk, 'ASIASDK1'), s, T)
    assert_equal 1, sdk.refreshes
    assert_equal Time.at(T + 3600).utc, s.expiration
    # At expiry - 300 the signer asks; the SDK refreshes only when *less*
    # than 300 seconds remain, so it returns the same set: the signer keeps
    # it and asks again 10 s later (FFI::PROVIDER_RETRY_SECS), not on every call.
    (3300..3309).each do |dt|
      now = T + dt
      assert_signed_with(set_of(sdk, 'ASIASDK1'), s, now)
    end
    assert_equal 1, sdk.refreshes
    now = T + 3310
    assert_signed_with(set_of(sdk, 'ASIASDK2'), s, now)
    assert_equal 2, sdk.refreshes
    assert_equal Time.at(T + 3310 + 3600).utc, s.expiration
  end

  class ProviderDown < StandardError; end

  def test_failing_provider_keeps_the_old_credentials_until_they_expire
    now = T
    fail_from = 2
    prov = Counting.new(-> { now }, life: 1000) { |n| raise ProviderDown, "fetch #{n} failed" if n >= fail_from }
    s = signer(credentials: prov)
    set1 = set_of(prov, 'ASIAPROV1')
    assert_signed_with(set1, s, T)
    assert_equal 1, prov.calls
    assert_signed_with(set1, s, T + 750) # due (margin 300): fails, old set used
    assert_equal 2, prov.calls
    assert_signed_with(set1, s, T + 759) # retried 10 s later only
    assert_equal 2, prov.calls
    assert_signed_with(set1, s, T + 760)
    assert_equal 3, prov.calls
    e = assert_raises(Sigv4rs::CredentialsExpiredError) { sign(s, T + 1000) }
    assert_equal 4, prov.calls
    assert_equal 141, e.code
    assert_instance_of ProviderDown, e.cause
    assert_equal 'fetch 4 failed', e.cause.message
    assert_equal 'credentials expired (the credentials provider failed: CredentialsTest::ProviderDown; see #cause)',
                 e.message
    assert_raises(Sigv4rs::CredentialsExpiredError) { s.presign_url(http_method: 'GET', url: URL, time: T + 1001) }
    assert_equal 4, prov.calls
    # Back: the next ask after the retry delay gets a new set.
    fail_from = Float::INFINITY
    now = T + 1010
    assert_signed_with(set_of(prov, 'ASIAPROV5'), s, T + 1010)
    assert_equal 5, prov.calls
    assert_signed_with(set_of(prov, 'ASIAPROV5'), s, T + 1011)

    # Failing from the start: MissingCredentialsError with the cause.
    s = signer(credentials: -> { raise ProviderDown, 'no network' })
    e = assert_raises(Sigv4rs::MissingCredentialsError) { sign(s, T) }
    assert_instance_of ProviderDown, e.cause
    assert_equal 140, e.code
  end

  # Whatever the provider does, nothing unwinds into the library: each
  # failure is the next error's cause, and the signer goes on working.
  # What is meant for the code around the signing call (a throw past it,
  # Ctrl-C, exit) goes on there once the call is out of C.
  def test_provider_failures_are_contained
    causes = {
      -> { 42 } => TypeError, # not credentials
      -> {} => Sigv4rs::MissingCredentialsError, # nil
      -> { Sigv4rs::Credentials.new('AKID', nil) } => TypeError,
      -> { Sigv4rs::Credentials.new('AKID BAD', SECRET) } => Sigv4rs::InvalidAccessKeyIdError, # the library refuses
      -> { Sigv4rs::Credentials.new('AKID', SECRET, nil, T - 1) } => Sigv4rs::CredentialsExpiredError, # already expired
      -> { Sigv4rs::Credentials.new('AKID', SECRET, nil, 'soon') } => TypeError,
      -> { raise NoMemoryError, 'fake' } => NoMemoryError,
      -> { raise SystemStackError } => SystemStackError,
      -> { Timeout.timeout(0.02) { sleep 1 } } => Timeout::Error, # the provider's own timeout
      -> { Fiber.yield } => FiberError,
      proc { next 1 } => TypeError
    }
    causes.each do |prov, klass|
      s = signer(credentials: prov)
      e = assert_raises(Sigv4rs::MissingCredentialsError) { sign(s, T) }
      assert_kind_of klass, e.cause, "provider #{prov.source_location.inspect}"
      s.rotate(**keys(A)) # not left busy
      assert_signed_with(A, s, T)
    end
    # Not the provider's failures: raised (or thrown) from the signing call.
    s = signer(**keys(A), credentials: -> { throw :escape, :thrown }, margin: 3600)
    assert_equal :thrown, catch(:escape) { sign(s, T) }
    assert_raises(UncaughtThrowError) { signer(credentials: -> { throw :nowhere }).then { |x| sign(x, T) } }
    assert_raises(Interrupt) { signer(credentials: -> { raise Interrupt }).then { |x| sign(x, T) } }
    assert_equal 3, assert_raises(SystemExit) { signer(credentials: -> { exit 3 }).then { |x| sign(x, T) } }.status
    assert_signed_with(A, s, T) # none of it left the signer busy
    s.rotate(**keys(B))
    assert_signed_with(B, s, T)
    # Nor this thread masked against interrupts (a Fiber left inside its
    # provider by Fiber.yield must not leave a mask on the thread).
    t0 = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    assert_raises(Timeout::Error) { Timeout.timeout(0.05) { sleep 2 } }
    assert_operator Process.clock_gettime(Process::CLOCK_MONOTONIC) - t0, :<, 1
    refute Thread.pending_interrupt?

    e = returning_provider
    assert_instance_of Sigv4rs::MissingCredentialsError, e
    assert_instance_of LocalJumpError, e.cause

    # The provider may not rotate or close its own signer.
    s = nil
    s = signer(credentials: -> { s.rotate(**keys(B)) })
    assert_instance_of Sigv4rs::BusyError, assert_raises(Sigv4rs::MissingCredentialsError) { sign(s, T) }.cause
    s = signer(credentials: -> { s.close })
    assert_instance_of Sigv4rs::BusyError, assert_raises(Sigv4rs::MissingCredentialsError) { sign(s, T) }.cause
    refute s.closed?
    # Signing with it from inside its provider: the current set or none.
    inner = nil
    s = signer(credentials: lambda {
      inner = begin; sign(s, T); rescue Sigv4rs::Error => e; e; end
      B
    })
    assert_signed_with(B, s, T)
    assert_instance_of Sigv4rs::MissingCredentialsError, inner
  end

  # A Proc's `return` from a method still on the stack would unwind through C.
  def returning_provider
    s = signer(credentials: proc { return :escaped })
    sign(s, T)
    flunk 'signed without credentials'
  rescue Sigv4rs::MissingCredentialsError => e
    e
  end

  # The provider runs with the signer's lock released: other threads sign
  # with the current set meanwhile; a thread whose set expired, rotate and
  # close wait for it.
  def test_slow_provider_does_not_stop_other_threads
    entered = Queue.new
    gate = Queue.new
    prov = lambda do
      entered << Thread.current
      gate.pop
    end
    s = signer(**keys(A).merge(expiration: T + 1000), credentials: prov)
    threads = []
    threads << (asker = Thread.new { sign(s, T + 800) }) # due: asks
    assert_waits_for_provider(asker, entered)
    # Not blocked by the provider: the current set, at once.
    quick = Thread.new { sign(s, T + 801) }
    assert quick.join(5), 'a signing call waited for the provider'
    assert_equal gem_headers(A, T + 801), quick.value
    assert_equal Time.at(T + 1000).utc, s.expiration
    threads << (expired = Thread.new { sign(s, T + 1000) }) # A expired: waits for the provider
    threads << (rotator = Thread.new { s.rotate(**keys(C)) })
    assert_nil expired.join(0.2)
    assert_nil rotator.join(0.01)
    gate << B
    assert_equal gem_headers(B, T + 800), asker.value
    # After the provider: B, or C when the rotation came first.
    assert_includes [gem_headers(B, T + 1000), gem_headers(C, T + 1000)], expired.value
    rotator.join
    assert_signed_with(C, s, T + 1001)

    # close waits too.
    s.rotate(**keys(A).merge(expiration: T + 2000))
    threads << (asker = Thread.new { sign(s, T + 1800) })
    assert_waits_for_provider(asker, entered)
    threads << (closer = Thread.new { s.close })
    assert_nil closer.join(0.2)
    refute s.closed?
    gate << B
    assert_equal gem_headers(B, T + 1800), asker.value
    closer.join
    assert s.closed?
  ensure
    2.times { gate << B }
    threads&.each { |t| t.join(5) }
  end

  # The signing thread `asker` is inside a provider call: the provider runs
  # (it told `entered` its thread), on a thread of its own, while `asker`
  # waits for it.
  def assert_waits_for_provider(asker, entered)
    runner = Timeout.timeout(5) { entered.pop }
    refute_equal asker, runner, 'the provider ran on the signing thread'
    assert_equal 'sleep', asker.status
  end

  # A Thread#kill (or a Timeout around the whole call) arriving while the
  # provider runs waits for the signing call to end; the provider still
  # delivers, and the signer is not left busy.
  def test_kill_during_provider_is_deferred
    out = run_child(<<~'RUBY')
      entered = Queue.new
      gate = Queue.new
      s = Sigv4rs::Signer.new(region: 'us-east-1', service: 'service',
                              credentials: -> { entered << 1; gate.pop; Sigv4rs::Credentials.new('ASIAKILL', 'secret', nil, 1_440_940_000) })
      t = Thread.new { s.sign_request(http_method: 'GET', url: 'https://h/', time: 1_440_938_160); :finished }
      entered.pop
      t.kill
      sleep 0.1
      gate << :go
      t.join
      h = s.sign_request(http_method: 'GET', url: 'https://h/', time: 1_440_938_161)
      s.rotate(access_key_id: 'AKIDAFTER', secret_access_key: 'x')
      puts "status=#{t.status.inspect} value=#{t.value.inspect} akid=#{h['Authorization'][/Credential=(\w+)/, 1]} " \
           "rotated=#{s.sign_request(http_method: 'GET', url: 'https://h/', time: 1_440_938_162)['Authorization'][/Credential=(\w+)/, 1]}"
      e = nil
      s2 = Sigv4rs::Signer.new(region: 'us-east-1', service: 'service', credentials: -> { sleep 0.5; Sigv4rs::Credentials.new('ASIATO', 'x') })
      begin
        Timeout.timeout(0.05) { s2.sign_request(http_method: 'GET', url: 'https://h/', time: 1_440_938_160) }
      rescue Timeout::Error => e
      end
      # The interrupted provider is asked again 10 s (PROVIDER_RETRY_SECS) later.
      puts "timeout=#{e.class} then=#{s2.sign_request(http_method: 'GET', url: 'https://h/', time: 1_440_938_170)['Authorization'][/Credential=(\w+)/, 1]}"
    RUBY
    assert_equal "status=false value=nil akid=ASIAKILL rotated=AKIDAFTER\ntimeout=Timeout::Error then=ASIATO\n", out
  end

  # A Timeout.timeout inside the provider (net-http 0.3+'s open_timeout is
  # one) ends with its block. The thread Timeout starts must not inherit the
  # signing call's interrupt mask: Timeout's cleanup could not kill it,
  # would wait out the whole timeout, and then raise.
  def test_timeouts_inside_the_provider_end_with_its_work
    c = Sigv4rs::Credentials.new('ASIAFASTTIMEOUT', "#{SECRET}T", "#{TOKEN}T", T + 3600)
    s = signer(credentials: lambda {
      Timeout.timeout(2) { :fast }
      c
    })
    assert_promptly { assert_signed_with(c, s, T) }

    # The README's container-credentials provider, against a local endpoint,
    # bounded as a whole too: net-http 0.3+ (Ruby 3.2+) runs its connect in
    # a Timeout for open_timeout, 0.2 (Ruby 3.1) does not.
    doc = JSON.generate('AccessKeyId' => 'ASIACONTAINER', 'SecretAccessKey' => "#{SECRET}N", 'Token' => "#{TOKEN}N",
                        'Expiration' => Time.at(T + 3600).utc.iso8601)
    server = TCPServer.new('127.0.0.1', 0)
    port = server.addr[1]
    endpoint = Thread.new do
      loop do
        conn = server.accept
        nil while (line = conn.gets) && line != "\r\n"
        conn.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: #{doc.bytesize}\r\n" \
                   "Connection: close\r\n\r\n#{doc}")
        conn.close
      end
    rescue IOError, SystemCallError
      nil # closed
    end
    container = lambda do
      body = Timeout.timeout(2) do
        Net::HTTP.start('127.0.0.1', port, open_timeout: 2, read_timeout: 2) { |h| h.get('/v2/creds').body }
      end
      d = JSON.parse(body)
      Sigv4rs::Credentials.new(d['AccessKeyId'], d['SecretAccessKey'], d['Token'], Time.iso8601(d['Expiration']))
    end
    s = signer(credentials: container)
    want = Sigv4rs::Credentials.new('ASIACONTAINER', "#{SECRET}N", "#{TOKEN}N", T + 3600)
    assert_promptly { assert_signed_with(want, s, T) }
    assert_equal Time.at(T + 3600).utc, s.expiration
    # And when keys near expiry.
    assert_promptly { assert_signed_with(want, signer(**keys(A), credentials: container), T + 3300) }
  ensure
    server&.close
    endpoint&.join(5)
  end

  # The block's time, asserted well under the 2 s timeouts it contains.
  def assert_promptly
    t0 = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    yield
    secs = Process.clock_gettime(Process::CLOCK_MONOTONIC) - t0
    assert_operator secs, :<, 1, 'the provider waited for its Timeout'
  end

  # --- threads ------------------------------------------------------------------

  def test_threads_sign_while_another_rotates
    sets = [A, B, C, Sigv4rs::Credentials.new('ASIAROTATEDD', "#{SECRET}D", "#{TOKEN}D", T + 99_999)]
    want_h = sets.to_h { |c| [gem_headers(c, T), c.access_key_id] }
    want_p = sets.to_h { |c| [gem_presign(c, T).split('?', 2)[1].split('&').sort, c.access_key_id] }
    s = signer(**keys(sets[0]))
    stop = false
    rotations = 0
    # Thread.pass on both sides: Ruby hands the GVL over every 100 ms
    # otherwise, and the threads would take turns instead of interleaving.
    rotator = Thread.new do
      until stop
        s.rotate(**keys(sets[(rotations += 1) % sets.size]))
        Thread.pass
      end
    end
    seen = Hash.new(0)
    deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + 10
    bad = Array.new(8) do |i|
      Thread.new do
        n = 0
        miss = 0
        while (n += 1) <= 300 || (rotations < 300 && Process.clock_gettime(Process::CLOCK_MONOTONIC) < deadline)
          if (i + n).odd?
            akid = want_h[sign(s, T)]
          else
            q = s.presign_url(http_method: 'GET', url: URL, expires_in: 300, time: T).split('?', 2)[1].split('&').sort
            akid = want_p[q]
          end
          akid ? seen[akid] += 1 : miss += 1
          Thread.pass
        end
        miss
      end
    end.sum(&:value)
    stop = true
    rotator.join
    assert_equal 0, bad, 'signatures matching none of the sets'
    assert_operator rotations, :>=, 300
    assert_equal sets.size, seen.size, "sets seen: #{seen}"
    STATS[:rotation_sigs] += seen.values.sum
    STATS[:rotations] += rotations
  end

  # A provider whose sets last 100 s of signing time, signing times moving
  # forward across 8 threads: refreshes happen under load, the provider
  # yields the GVL (so other threads sign during its calls, with the
  # scratch buffers swapped), and every signature is one of its sets', for
  # the request its thread signed (each thread's of another length).
  def test_threads_sign_through_refreshes
    clock = T
    tick = Mutex.new
    prov = Counting.new(-> { tick.synchronize { clock } }, life: 400) { sleep 0.002 }
    s = signer(credentials: prov)
    results = Array.new(8) do |i|
      Thread.new do
        url = "#{URL}&pad=#{'p' * (37 * i)}"
        note = 'n' * (1 + (11 * i))
        Array.new(150) do
          t = tick.synchronize { clock += 1 }
          [t, url, note, sign(s, t, url: url, note: note)]
        rescue Sigv4rs::Error => e
          [t, url, note, e]
        end
      end
    end.flat_map(&:value)
    errors = results.reject { |*, r| r.is_a?(Hash) }
    assert_empty errors.first(3), "#{errors.size} errors"
    bad = results.count do |t, url, note, h|
      c = prov.sets[h['Authorization'][/Credential=(\w+)/, 1]]
      c.nil? || gem_headers(c, t, url: url, note: note) != h
    end
    assert_equal 0, bad
    # One refresh per 100 s of signing time (1200 s in all), not more.
    assert_operator prov.calls, :<=, 1 + (1200 / 100) + 1
    assert_operator prov.calls, :>=, 8
    STATS[:provider_sigs] += results.size
    STATS[:refreshes] += prov.calls
  end

  # The library's callback from calls that release the GVL (`blocking:
  # true`, which the binding does not use): ruby-ffi takes the GVL back for
  # the callback, which then runs without the signer's lock.
  module Blocking
    extend FFI::Library
    ffi_lib Sigv4rs::FFI.ffi_libraries.first.name
    attach_function :sign_headers, :sigv4rs_signer_sign_headers,
                    %i[pointer pointer int64 pointer size_t pointer], :uint32, blocking: true
  end

  def test_callback_from_calls_without_the_gvl
    clock = T
    tick = Mutex.new
    # Sets last 1000 s, asked for 900 s before: a refresh every 100 s of
    # signing time, while the set being replaced is still valid.
    prov = Counting.new(-> { tick.synchronize { clock } }, life: 1000) { Thread.pass }
    s = signer(**keys(A).merge(expiration: T + 1000), credentials: prov, margin: 900)
    handle = s.instance_variable_get(:@handle)
    url = URL
    results = Array.new(4) do
      Thread.new do
        strs = ::FFI::MemoryPointer.from_string("GET#{url}x-noten")
        req = Sigv4rs::FFI::Request.new
        hdr = Sigv4rs::FFI::Header.new
        req[:method][:ptr] = strs
        req[:method][:len] = 3
        req[:url][:ptr] = strs + 3
        req[:url][:len] = url.bytesize
        hdr[:name][:ptr] = strs + 3 + url.bytesize
        hdr[:name][:len] = 6
        hdr[:value][:ptr] = strs + 9 + url.bytesize
        hdr[:value][:len] = 1
        req[:headers] = hdr
        req[:headers_len] = 1
        out = ::FFI::MemoryPointer.new(:uint8, 4096)
        len = ::FFI::MemoryPointer.new(:size_t)
        Array.new(400) do
          t = tick.synchronize { clock += 1 }
          st = Blocking.sign_headers(handle, req, t, out, out.size, len)
          [t, st, st.zero? ? out.get_bytes(0, len.read(:size_t) - 1).split("\0").to_h { |l| l.split(': ', 2) } : nil]
        end
      end
    end.flat_map(&:value)
    # The old set signs during a refresh; a refresh that takes long enough
    # for another thread to sign past its expiry gives CREDENTIALS_EXPIRED
    # there (these raw calls do not wait for it as the binding's do).
    assert_empty results.map { |_, st, _| st }.uniq - [0, 141]
    ok = results.select { |_, st, _| st.zero? }
    assert_operator ok.size, :>=, results.size / 2
    sets = prov.sets.merge(A.access_key_id => A)
    bad = ok.count do |t, _, h|
      c = sets[h['Authorization'][/Credential=(\w+)/, 1]]
      c.nil? || gem_headers(c, t) != h
    end
    assert_equal 0, bad
    # At most one refresh per 100 s (1600 s in all): single flight, no
    # duplicates (fewer when a refresh takes long enough for the others to
    # sign far ahead).
    assert_operator prov.calls, :<=, 17
    assert_operator prov.calls, :>=, 2
    STATS[:checked] += ok.size
  end

  # --- GC -------------------------------------------------------------------------

  # The callback is an FFI::Function only the signer references: GC.start,
  # GC.compact and new FFI::Functions (which would take a freed callback's
  # slot) between calls must leave it working, each call reaching this
  # signer's provider.
  def test_gc_keeps_the_callback_alive
    out = run_child(<<~'RUBY')
      def make(calls, clock)
        Sigv4rs::Signer.new(region: 'us-east-1', service: 'service',
                            credentials: -> { calls[0] += 1; Sigv4rs::Credentials.new("ASIAGC#{calls[0]}", 'secret', nil, clock[0] + 310) })
      end
      calls = [0]
      clock = [1_440_938_160]
      s = make(calls, clock)
      bad = 0
      decoys = []
      200.times do |i|
        GC.start(full_mark: true, immediate_sweep: true)
        GC.compact if i % 20 == 0 && GC.respond_to?(:compact)
        decoys = Array.new(20) { FFI::Function.new(:uint32, [:pointer, :int64, :pointer]) { |*| 1 } }
        clock[0] += 20 # every call is within the margin of the last set: asks
        GC.stress = true if i % 50 == 0
        h = s.sign_request(http_method: 'GET', url: 'https://h/', time: clock[0])
        GC.stress = false
        bad += 1 unless h['Authorization'].include?("Credential=ASIAGC#{calls[0]}/") && calls[0] == i + 1
      end
      puts "calls=#{calls[0]} bad=#{bad}"
    RUBY
    assert_equal "calls=200 bad=0\n", out
  end

  # --- what is shown --------------------------------------------------------------

  def test_no_secret_in_inspect_or_messages
    c = Sigv4rs::Credentials.new(access_key_id: 'AKIDSHOWN', secret_access_key: SECRET, session_token: TOKEN,
                                 expiration: T + 10)
    shown = [c.inspect, c.to_s, PP.pp(c, +''), [c].inspect, { c: c }.to_s]
    s = signer(credentials: -> { c })
    sign(s, T)
    shown += [s.inspect, s.to_s, PP.pp(s, +'')]
    s.rotate(**keys(c))
    shown += [s.inspect, PP.pp(s, +'')]
    errors = []
    errors << assert_raises(Sigv4rs::CredentialsExpiredError) { sign(s, T + 10) } # the provider returns an expired set
    s = signer(credentials: -> { Sigv4rs::Credentials.new('AKIDSHOWN', SECRET * 4, TOKEN) }) # secret too long
    errors << assert_raises(Sigv4rs::MissingCredentialsError) { sign(s, T) }
    s = signer(credentials: -> { Sigv4rs::Credentials.new('AKIDSHOWN', SECRET, "#{TOKEN} bad") })
    errors << assert_raises(Sigv4rs::MissingCredentialsError) { sign(s, T) }
    s = signer(credentials: -> { Sigv4rs::Credentials.new('AKIDSHOWN', SECRET.to_sym) })
    errors << assert_raises(Sigv4rs::MissingCredentialsError) { sign(s, T) }
    errors << assert_raises(Sigv4rs::InvalidSecretKeyError) { s.rotate(access_key_id: 'AKID', secret_access_key: SECRET * 4) }
    errors << assert_raises(Sigv4rs::InvalidSessionTokenError) { s.rotate(access_key_id: 'AKID', secret_access_key: SECRET, session_token: "#{TOKEN} x") }
    errors << assert_raises(TypeError) { s.rotate(access_key_id: 'AKID', secret_access_key: SECRET, session_token: TOKEN.to_sym) }
    errors << assert_raises(Sigv4rs::InvalidTimeError) { s.rotate(access_key_id: 'AKID', secret_access_key: SECRET, expiration: -1) }
    errors.each do |e|
      shown += [e.message, e.inspect, e.full_message(highlight: false)]
      shown += [e.cause.message, e.cause.inspect] if e.cause
    end
    shown.each do |text|
      refute_includes text, SECRET[0, 16]
      refute_includes text, TOKEN[0, 16]
    end
    assert_includes c.inspect, 'AKIDSHOWN'
    assert_match(/expired at 2015-08-30T12:36:10Z/, errors[0].cause.message)
  end

  def test_argument_errors
    assert_raises(ArgumentError) { signer }
    assert_raises(ArgumentError) { signer(access_key_id: nil, secret_access_key: nil) }
    assert_raises(TypeError) { signer(credentials: 42) }
    assert_raises(ArgumentError) { signer(**keys(A), margin: 60) } # margin without a provider
    assert_raises(ArgumentError) { signer(credentials: -> { A }, margin: -1) }
    assert_raises(TypeError) { signer(credentials: -> { A }, margin: 1.5) }
    assert_raises(ArgumentError) { signer(access_key_id: 'AKID', credentials: A) }
    assert_raises(ArgumentError) { Sigv4rs::Credentials.new(access_key: 'x') }
    assert_raises(ArgumentError) { Sigv4rs::Credentials.new('x', access_key_id: 'y') }
    # Empty keys: none yet (a rotation brings them).
    s = signer(access_key_id: '', secret_access_key: '')
    assert_raises(Sigv4rs::MissingCredentialsError) { sign(s, T) }
    assert_raises(Sigv4rs::MissingCredentialsError) { s.expiration }
    s.rotate(**keys(B))
    assert_signed_with(B, s, T)
    # The struct's own ways.
    c = Sigv4rs::Credentials.new('a', 'b')
    assert_equal [nil, nil], [c.session_token, c.expiration]
    assert_equal({ access_key_id: 'a', secret_access_key: 'b', session_token: nil, expiration: nil }, c.to_h)
    assert_equal c, Sigv4rs::Credentials.new(access_key_id: 'a', secret_access_key: 'b')
  end
end
