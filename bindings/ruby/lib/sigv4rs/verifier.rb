# frozen_string_literal: true

module Sigv4rs
  # What a verification found (Verifier#verify, BodyVerifier#finish, and
  # VerificationError#result as far as it got): `form` (:header, :query or
  # nil), the credential scope's `access_key_id`, `region` and `service`,
  # `signed_headers` (lower-case names), `signed_at` (X-Amz-Date, a UTC
  # Time or nil), `expires` (X-Amz-Expires seconds of a presigned request,
  # else nil) and `canonical_request` (when asked for and computed). Never
  # the secret.
  VerifyResult = Struct.new(:form, :access_key_id, :region, :service, :signed_headers, :signed_at, :expires,
                            :canonical_request, keyword_init: true)

  # Verifies received SigV4 requests (sigv4rs_verify): the header form or a
  # presigned URL, against the secret your lookup returns for the request's
  # access key id. Immutable; share one between threads.
  #
  #   v = Sigv4rs::Verifier.new(region: 'us-east-1', service: 's3', s3: true) do |access_key_id|
  #     key = KEYS[access_key_id] # nil: unknown key (UnknownAccessKeyError)
  #     key && [key.secret, key.session_token] # token nil for long-term keys
  #   end
  #
  # The lookup (a block, or `lookup:` anything with #call) returns the
  # secret, [secret, token] or nil; it runs inside the library call on the
  # calling thread (in a Fiber of its own, with copies of the caller's
  # fiber-local variables). Whatever it raises makes the
  # verification fail with LookupFailedError, whose #cause is the exception;
  # nothing unwinds through C. A `throw`, Ctrl-C, `exit` or a Timeout
  # around the call go on once the library call has returned.
  #
  # `skip:` turns policy checks off: :clock_skew, :expiry, :region,
  # :service, :unsigned_headers, :payload_hash. `max_skew:` seconds (1 ..
  # 2**32-1). `s3:` S3's canonicalization (else path normalization and
  # double encoding, or `normalize_path: false`, `single_encode_path: true`);
  # `unsigned_session_token:` for clients that attach the token after
  # signing.
  class Verifier
    SKIPS = {
      clock_skew: FFI::VERIFY_SKIP_CLOCK_SKEW,
      expiry: FFI::VERIFY_SKIP_EXPIRY,
      region: FFI::VERIFY_SKIP_REGION,
      service: FFI::VERIFY_SKIP_SERVICE,
      unsigned_headers: FFI::VERIFY_SKIP_UNSIGNED_HEADERS,
      payload_hash: FFI::VERIFY_SKIP_PAYLOAD_HASH
    }.freeze
    FORMS = { FFI::VERIFY_FORM_HEADER => :header, FFI::VERIFY_FORM_QUERY => :query }.freeze

    def initialize(region:, service:, s3: false, unsigned_session_token: false, normalize_path: true,
                   single_encode_path: false, skip: [], max_skew: FFI::DEFAULT_MAX_SKEW, lookup: nil, &block)
      raise ArgumentError, 'give a lookup block or lookup:, not both' if lookup && block

      @lookup = lookup || block
      raise ArgumentError, 'missing the secret lookup: a block or lookup:' unless @lookup
      raise TypeError, "lookup must respond to #call, got #{@lookup.class}" unless @lookup.respond_to?(:call)

      flags = Signer.flags(s3, normalize_path, single_encode_path, false, unsigned_session_token)
      unless max_skew.is_a?(Integer) && max_skew.between?(1, 0xFFFF_FFFF)
        raise ArgumentError, "max_skew must be 1..#{0xFFFF_FFFF} seconds (skip: [:clock_skew] turns the check off), " \
                             "got #{max_skew.inspect}"
      end
      @config = config_mem(Input.str(region, 'region'), Input.str(service, 'service'), flags, skip_bits(skip),
                           max_skew)
      @lookup_fn = ::FFI::Function.new(:uint32, [:pointer, :pointer, :size_t, :pointer, :size_t, :pointer,
                                                 :pointer, :size_t, :pointer]) do |_u, *args|
        lookup_callback(*args)
      end
      # The C config holds the callback's address: the Function lives as
      # long as this Verifier (@lookup_fn), and so does the config.
      @config.put_pointer(FFI::VerifierConfig.offset_of(:lookup), @lookup_fn)
      check_config
    end

    # Verifies a request as received: `method`, `url` (the request target
    # as on the wire, "/path?query", or an absolute URL), `headers` (every
    # one received, Authorization included: a Hash or [[name, value], ...]),
    # and the payload: `body` (a String, or an IO hashed then rewound) or
    # `body_sha256` (its SHA-256 hex); neither: the body is not at hand, so
    # a request whose signature covers it without x-amz-content-sha256
    # fails with PayloadRequiredError. `now` is the server's clock.
    # Returns a VerifyResult; raises VerificationError (a subclass per
    # verifier status) when the request is refused.
    def verify(method:, url:, headers:, body: nil, body_sha256: nil, now: Time.now, canonical_request: false)
      mode, payload = payload_args(body, body_sha256)
      run(method, url, headers, mode, payload, now, canonical_request, nil)
    end

    # As #verify, but the body comes after, through the returned
    # BodyVerifier (#update with each piece as received, then #finish). The
    # request's headers are verified here; the body's hash, or each
    # aws-chunked chunk and trailer signature, at #update and #finish. A
    # request that signs its body's hash without x-amz-content-sha256
    # (non-S3 services) raises PayloadRequiredError: read the body, then
    # #verify with it.
    def begin(method:, url:, headers:, now: Time.now, canonical_request: false)
      state = ::FFI::MemoryPointer.new(FFI::BodyVerifier, 1) # 8-aligned
      result = run(method, url, headers, FFI::PAYLOAD_MODE_UNSIGNED, '', now, canonical_request, state)
      BodyVerifier.send(:new, state, result)
    end

    def inspect
      "#<#{self.class}>" # never the lookup's secrets
    end
    alias to_s inspect

    private

    C_REGION = FFI::VerifierConfig.offset_of(:region)
    C_SERVICE = FFI::VerifierConfig.offset_of(:service)
    REQ_SIZE = FFI::Request.size
    HDR_SIZE = FFI::Header.size
    SIZE_T = ::FFI.find_type(:size_t)
    # Offsets of the declared layouts: requests written and results read
    # straight in native memory, without a Ruby object per field.
    R = %i[method url path query payload headers headers_len payload_mode]
        .to_h { |f| [f, FFI::Request.offset_of(f)] }.freeze
    H_NAME = FFI::Header.offset_of(:name)
    H_VALUE = FFI::Header.offset_of(:value)
    V = FFI::VerifyResult.members.to_h { |f| [f, FFI::VerifyResult.offset_of(f)] }.freeze
    RES_SIZE = FFI::VerifyResult.size
    # Lookup state of the verify call under way on this fiber: the
    # callback runs inside it, on the same fiber.
    CALL_KEY = :__sigv4rs_verify_call
    NO_INTERRUPTS = { Object => :never }.freeze
    ANY_INTERRUPT = { Object => :immediate }.freeze
    private_constant :C_REGION, :C_SERVICE, :REQ_SIZE, :HDR_SIZE, :SIZE_T, :R, :H_NAME, :H_VALUE, :V,
                     :RES_SIZE, :CALL_KEY,
                     :NO_INTERRUPTS, :ANY_INTERRUPT

    def skip_bits(skip)
      raise TypeError, "skip must be an Array of #{SKIPS.keys.inspect}, got #{skip.class}" unless skip.is_a?(Array)

      skip.sum do |k|
        SKIPS.fetch(k) { raise ArgumentError, "skip: unknown check #{k.inspect} (known: #{SKIPS.keys.inspect})" }
      end
    end

    # The sigv4rs_verifier_config and its two strings, in one allocation
    # kept for the Verifier's life.
    def config_mem(region, service, flags, skip, max_skew)
      size = FFI::VerifierConfig.size
      mem = ::FFI::MemoryPointer.new(:uint8, size + region.bytesize + service.bytesize)
      put_bytes(mem, mem.address, C_REGION, region, size)
      put_bytes(mem, mem.address, C_SERVICE, service, size + region.bytesize)
      mem.put_uint32(FFI::VerifierConfig.offset_of(:flags), flags)
      mem.put_uint32(FFI::VerifierConfig.offset_of(:skip), skip)
      mem.put_uint32(FFI::VerifierConfig.offset_of(:max_skew), max_skew)
      mem
    end

    # Config errors (a bad region or service) at construction, not as a
    # refusal of every request: a request without any signature must get
    # MISSING_AUTHORIZATION.
    def check_config
      req = request_mem('GET', '/', [%w[host h]], FFI::PAYLOAD_MODE_UNSIGNED, '')
      st = FFI.sigv4rs_verify(@config, req, 0, ::FFI::MemoryPointer.new(:uint8, RES_SIZE), nil, 0)
      raise Error.for_status(st) unless st == FFI::STATUS_MISSING_AUTHORIZATION
    end

    def payload_args(body, sha)
      raise ArgumentError, 'give body or body_sha256, not both' if body && sha
      return [FFI::PAYLOAD_MODE_SHA256_HEX, Input.str(sha, 'body_sha256')] if sha
      return [FFI::PAYLOAD_MODE_UNSIGNED, ''] if body.nil?
      return [FFI::PAYLOAD_MODE_BYTES, Input.str(body, 'body')] if body.is_a?(String)
      raise TypeError, "body must be a String, an IO or nil, got #{body.class}" unless body.respond_to?(:read)

      [FFI::PAYLOAD_MODE_SHA256_HEX, PayloadHasher.hexdigest(body)]
    end

    # One sigv4rs_verify (or _body_verifier_begin into `state`). The
    # lookup's exception, if any, is kept in this fiber's call state and
    # becomes the error's cause; async interrupts wait until C returns.
    def run(method, url, headers, mode, payload, now, want_creq, state)
      pairs = Input.header_pairs(headers) || []
      req = request_mem(Input.method_name(method), Input.str(url, 'url'), pairs, mode, payload)
      time = Input.unix_time(now)
      res = ::FFI::MemoryPointer.new(:uint8, RES_SIZE, false) # written in full by the call
      cap = want_creq ? 1024 + (3 * req.size) : 0
      creq = want_creq ? ::FFI::MemoryPointer.new(:uint8, cap, false) : nil
      call = {}
      outer = Thread.current[CALL_KEY]
      Thread.current[CALL_KEY] = call
      begin
        st = native(req, time, res, creq, cap, state)
        n = res.get(SIZE_T, V[:canonical_request_len])
        if want_creq && n > cap
          # Too small a guess: once more with the size (the status does not
          # depend on the buffer; the lookup is asked again).
          creq = ::FFI::MemoryPointer.new(:uint8, n, false)
          call.clear
          st = native(req, time, res, creq, n, state)
        end
      ensure
        Thread.current[CALL_KEY] = outer
      end
      result = Verifier.result(res, want_creq ? creq : nil)
      return result if st.zero?

      state&.clear
      err = call[:error]
      if err && Signer.control_flow?(err)
        # Meant for the code around the call (a throw, Ctrl-C, a Timeout,
        # exit): it goes on now that C has returned.
        throw err.tag, err.value if err.is_a?(UncaughtThrowError)
        raise err
      end
      raise Verifier.error(st, result, err && 'the lookup raised'), cause: err
    end

    def native(req, time, res, creq, cap, state)
      Thread.handle_interrupt(NO_INTERRUPTS) do
        if state
          FFI.sigv4rs_body_verifier_begin(@config, req, time, res, creq, cap, state)
        else
          FFI.sigv4rs_verify(@config, req, time, res, creq, cap)
        end
      end
    end

    # The sigv4rs_secret_lookup_fn. Nothing may unwind into C: exceptions
    # are kept for the error's cause; the `return` in `ensure` ends a
    # `throw` or a block's `break`/`return` too.
    def lookup_callback(akid_ptr, akid_len, secret, secret_cap, secret_len, token, token_cap, token_len)
      status = nil
      begin
        status = lookup_into(akid_ptr.get_bytes(0, akid_len), secret, secret_cap, secret_len, token, token_cap,
                             token_len)
      rescue Exception => e # rubocop:disable Lint/RescueException: nothing may reach C
        lookup_failed(e)
        status = FFI::STATUS_LOOKUP_FAILED
      ensure
        unless status
          lookup_failed(LocalJumpError.new('the lookup left by a non-local exit'))
          status = FFI::STATUS_LOOKUP_FAILED
        end
        return status # rubocop:disable Lint/EnsureReturn
      end
    end

    def lookup_failed(err)
      call = Thread.current[CALL_KEY]
      call[:error] ||= err if call
    end

    # Asks the lookup (async interrupts allowed while it runs: a Timeout in
    # it works) and copies what it gives into the library's buffers.
    def lookup_into(akid, secret, secret_cap, secret_len, token, token_cap, token_len)
      akid.force_encoding(Encoding::UTF_8) # key ids are ASCII; the library checked the scope
      ok, got = ask(akid)
      unless ok
        lookup_failed(got) # not raised here: Timeout 0.2's error would throw past C
        return FFI::STATUS_LOOKUP_FAILED
      end
      return FFI::STATUS_UNKNOWN_ACCESS_KEY if got.nil?

      s, t = got.is_a?(Array) ? got : [got, nil]
      unless got.is_a?(String) || (got.is_a?(Array) && got.size.between?(1, 2))
        raise TypeError, "the lookup must return a secret, [secret, token] or nil, got #{got.class}"
      end

      s = Input.str(s, 'the looked-up secret')
      t = Input.opt_str(t, 'the looked-up session token')
      raise ArgumentError, "the looked-up secret is over #{secret_cap} bytes" if s.bytesize > secret_cap
      raise ArgumentError, "the looked-up session token is over #{token_cap} bytes" if t.bytesize > token_cap

      secret.put_bytes(0, s)
      secret_len.put(SIZE_T, 0, s.bytesize)
      unless t.empty?
        token.put_bytes(0, t)
        token_len.put(SIZE_T, 0, t.bytesize)
      end
      FFI::STATUS_OK
    end

    # [true, what the lookup returned] or [false, what it raised]. It runs
    # in a Fiber of its own: a `throw` (Timeout 0.2's way out, or the
    # caller's own) cannot cross a Fiber, so it becomes an
    # UncaughtThrowError there instead of unwinding into the library's
    # frames; the exception is returned, not raised (a Timeout 0.2 error
    # raised again on this fiber would throw). Blocking: no Fiber scheduler
    # switches away while C waits. The caller's fiber-local variables
    # (Thread#[]) are copied in.
    def ask(akid)
      t = Thread.current
      locals = t.keys.map { |k| [k, t[k]] }
      Fiber.new(blocking: true) do
        locals.each { |k, v| t[k] = v }
        [true, Thread.handle_interrupt(ANY_INTERRUPT) { @lookup.call(akid) }]
      rescue Exception => e # rubocop:disable Lint/RescueException: nothing may reach C
        [false, e]
      end.resume
    end

    # The request (sigv4rs_request, headers, strings) in one allocation. A
    # request target ("/path?query") goes in path and query, the host from
    # the Host header; an absolute URL in url.
    def request_mem(method, url, pairs, mode, payload)
      path = query = ''
      if url.start_with?('/')
        path, query = url.split('?', 2)
        query ||= ''
        url = ''
      end
      nh = pairs.size
      data_off = REQ_SIZE + (nh * HDR_SIZE)
      size = data_off + method.bytesize + url.bytesize + path.bytesize + query.bytesize + payload.bytesize
      pairs.each { |n, v| size += n.bytesize + v.bytesize }
      mem = ::FFI::MemoryPointer.new(:uint8, size)
      base = mem.address
      off = put_bytes(mem, base, R[:method], method, data_off)
      off = put_bytes(mem, base, R[:url], url, off)
      off = put_bytes(mem, base, R[:path], path, off)
      off = put_bytes(mem, base, R[:query], query, off)
      off = put_bytes(mem, base, R[:payload], payload, off)
      at = REQ_SIZE
      pairs.each do |n, v|
        off = put_bytes(mem, base, at + H_NAME, n, off)
        off = put_bytes(mem, base, at + H_VALUE, v, off)
        at += HDR_SIZE
      end
      mem.put_pointer(R[:headers], nh.zero? ? 0 : base + REQ_SIZE)
      mem.put(SIZE_T, R[:headers_len], nh)
      mem.put_uint32(R[:payload_mode], mode)
      mem
    end

    def put_bytes(mem, base, at, s, off)
      FFI.put_bytes(mem, base, at, s, off)
    end

    class << self
      # A VerifyResult from the C struct in `res` (internal); the
      # canonical request from `creq` when asked for and computed.
      def result(res, creq)
        at = res.get_int64(V[:signed_at])
        exp = res.get_uint32(V[:expires])
        n = res.get(SIZE_T, V[:canonical_request_len])
        VerifyResult.new(
          form: FORMS[res.get_uint32(V[:form])],
          access_key_id: field(res, :access_key_id),
          region: field(res, :region),
          service: field(res, :service),
          signed_headers: field(res, :signed_headers)&.split(';') || [],
          signed_at: at.zero? ? nil : Time.at(at).utc,
          expires: exp.zero? ? nil : exp,
          canonical_request: creq && n.positive? ? text(creq.get_bytes(0, n - 1)) : nil
        ).freeze
      end

      # The VerificationError for `status` (internal).
      def error(status, result, why = nil)
        klass = STATUS_CLASSES[status]
        klass = VerificationError unless klass && klass <= VerificationError
        klass.new(status, why && "#{Sigv4rs.status_message(status)} (#{why}; see #cause)").send(:with_result!, result)
      end

      private

      FIELD_LENS = { access_key_id: :access_key_id_len, region: :region_len, service: :service_len,
                     signed_headers: :signed_headers_len }.freeze

      def field(res, name)
        n = res.get(SIZE_T, V[FIELD_LENS[name]])
        n.zero? ? nil : text(res.get_bytes(V[name], n))
      end

      # UTF-8 when it is, else binary.
      def text(bytes)
        s = bytes.force_encoding(Encoding::UTF_8)
        s.valid_encoding? ? s : s.b
      end
    end
  end

  # The body of a request Verifier#begin accepted: give it each piece as
  # received (#update returns the payload in it: aws-chunked framing
  # removed, other bodies unchanged), then #finish. Nothing #update returns
  # is authenticated until #finish returns: keep it, commit nothing before.
  # Not for concurrent use.
  class BodyVerifier
    # The VerifyResult of the request's headers.
    attr_reader :result
    # Bytes given to #update, and the payload bytes it returned.
    attr_reader :received, :decoded

    def initialize(state, result)
      @state = state
      @result = result
      @buf = ::FFI::MemoryPointer.new(:uint8, 65_536, false)
      @len = ::FFI::MemoryPointer.new(:size_t)
      @received = @decoded = 0
      @done = false
      # A body never finished: its state (the signing key) is zeroed
      # before the memory is freed.
      ObjectSpace.define_finalizer(self, BodyVerifier.wiper(state))
    end
    private_class_method :new

    # The finalizer (holds the state, not the BodyVerifier).
    def self.wiper(state)
      proc { state.clear }
    end

    # The payload in `chunk` (a String, any split of the body); raises
    # VerificationError on a bad chunk, signature or length (then every
    # later call raises it again).
    def update(chunk)
      s = Input.str(chunk, 'chunk')
      raise_spent
      n = s.bytesize
      @buf = ::FFI::MemoryPointer.new(:uint8, n, false) if n > @buf.size
      @buf.put_bytes(0, s) if n.positive?
      st = FFI.sigv4rs_body_verifier_update(@state, @buf, n, @len)
      fail!(st) unless st.zero?

      @received += n
      m = @len.get(:size_t, 0)
      @decoded += m
      @buf.get_bytes(0, m)
    end
    alias << update

    # The body has ended: returns the result when all of it arrived and
    # checked; raises VerificationError (IncompletePayloadError,
    # PayloadMismatchError, ChunkSignatureMismatchError...) otherwise.
    def finish
      raise_spent
      st = FFI.sigv4rs_body_verifier_finish(@state)
      @done = true
      @state.clear # the state held the signing key
      fail!(st) unless st.zero?

      @result
    end

    def finished?
      @done
    end

    def inspect
      "#<#{self.class} #{@received} bytes in, #{@decoded} out#{' (finished)' if @done}>"
    end
    alias to_s inspect

    private

    def raise_spent
      raise @error if @error
      raise IOError, 'the body verifier has finished' if @done
    end

    def fail!(status)
      @state.clear
      @error = Verifier.error(status, @result)
      raise @error
    end
  end
end
