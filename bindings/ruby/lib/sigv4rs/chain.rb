# frozen_string_literal: true

require 'timeout'

module Sigv4rs
  # A DefaultChain of its own options (see DefaultChain.new).
  def self.default_chain(**opts)
    DefaultChain.new(**opts)
  end

  # The AWS SDKs' default credential chain, resolved by the library (a
  # sigv4rs_chain), in botocore's order: environment variables, the
  # profile's role_arn (AssumeRole), web identity, the shared files' keys,
  # credential_process, the ECS / EKS container endpoint, EC2 instance
  # metadata. STS goes through `transport` (Net::HTTP by default): the
  # library links no TLS stack. Give it to a signer as `credentials:` (or
  # use Signer.from_default_chain): the signer asks it when it has no
  # credentials or they near expiry, and the credentials go from the
  # library into the signer without passing through Ruby.
  class DefaultChain
    # Raised in a transport call that overran its timeout (the #cause of
    # the chain's failure when it was the last attempt).
    class TransportTimeout < ::Timeout::Error; end

    NO_INTERRUPTS = { Object => :never }.freeze
    # The transport thread's: everything at once, Thread#kill included, for
    # it and the threads it starts (Timeout's must die when killed).
    ANY_INTERRUPT = { Object => :immediate }.freeze
    # Seconds past the request's timeout before a transport is given up (its
    # own timeouts fire first and say why).
    GRACE = 1
    private_constant :NO_INTERRUPTS, :ANY_INTERRUPT, :GRACE

    # `profile`: the profile to use (it must exist; the environment
    # variables step is skipped, as botocore's Session(profile=...)); nil:
    # AWS_PROFILE, else default. `region`: the STS region; nil: AWS_REGION,
    # AWS_DEFAULT_REGION, the profile's region, else us-east-1.
    # `transport`: STS's HTTP stack, anything with #call(method, url,
    # headers, body, timeout_seconds) returning [status, body]; nil:
    # NetHTTPTransport.new. `process_timeout`: seconds a credential_process
    # may run before it is killed (nil: 60).
    def initialize(profile: nil, region: nil, transport: nil, process_timeout: nil)
      profile = Input.opt_str(profile, 'profile')
      region = Input.opt_str(region, 'region')
      transport = NetHTTPTransport.new if transport.nil?
      unless transport.respond_to?(:call)
        raise TypeError, 'transport must respond to #call(method, url, headers, body, timeout_seconds), ' \
                         "got #{transport.class}"
      end

      ms = DefaultChain.process_timeout_ms(process_timeout)
      @profile = profile
      @transport = transport
      @lock = Mutex.new
      @cv = ConditionVariable.new
      @resolver = nil # the thread inside #resolve: one at a time, and its transport may not resolve again
      @worker = nil # the thread running a transport call
      @escape = nil # control flow a transport call interrupted, for the signing call to deliver
      @transport_error = nil # what the last transport call raised
      # Kept as long as the native chain may call it.
      @transport_fn = ::FFI::Function.new(:uint32, %i[pointer pointer pointer]) do |_user, req, resp|
        transport_callback(req, resp)
      end
      @handle = create(profile, region, ms)
    end

    # Why the last resolve failed: "<source>: <kind>: <detail>" (e.g.
    # `Process: Fetch: ...`), nil after a success or before any. Never a
    # secret.
    def last_error
      @lock.synchronize do
        h = @handle or raise closed_error
        text = DefaultChain.read_last_error(h)
        text.empty? ? nil : text
      end
    end

    # Frees the native chain now. Idempotent. Waits for a resolve under way
    # on another thread; signers that use the chain then fail with
    # MissingCredentialsError (cause: ClosedError).
    def close
      @lock.synchronize do
        if reentry?
          raise BusyError.new(FFI::STATUS_BUSY, "close called from inside the default credential chain's own transport")
        end

        @cv.wait(@lock) while @resolver
        h = @handle
        @handle = nil
        h&.free
      end
      nil
    end

    def closed?
      @handle.nil?
    end

    def inspect
      "#<#{self.class}#{" profile=#{@profile.inspect}" unless @profile.empty?}#{' (closed)' if closed?}>"
    end
    alias_method :to_s, :inspect

    # `process_timeout:` in milliseconds for the C options (0: the default).
    def self.process_timeout_ms(value)
      return 0 if value.nil?
      unless value.is_a?(Numeric) && value.real? && !(value.is_a?(Float) && !value.finite?)
        raise TypeError, "process_timeout must be a number of seconds, got #{value.class}"
      end

      ms = (value * 1000).ceil
      unless ms.between?(1, 0xFFFF_FFFF)
        raise ArgumentError, "process_timeout must be 0.001..4294967 seconds, got #{value}"
      end

      ms
    end

    # sigv4rs_chain_last_error as a String ('' when there is none).
    def self.read_last_error(handle)
      len = ::FFI::MemoryPointer.new(:size_t)
      buf = ::FFI::MemoryPointer.new(:uint8, 512)
      st = FFI.sigv4rs_chain_last_error(handle, buf, buf.size, len)
      if st == FFI::STATUS_BUFFER_TOO_SMALL
        buf = ::FFI::MemoryPointer.new(:uint8, len.read(:size_t))
        st = FFI.sigv4rs_chain_last_error(handle, buf, buf.size, len)
      end
      return '' unless st.zero?

      buf.get_bytes(0, len.read(:size_t) - 1).force_encoding(Encoding::UTF_8).scrub
    end

    # What a transport returned, checked: [status, body String].
    def self.answer(value)
      unless value.is_a?(Array) && value.size == 2 && value[0].is_a?(Integer) && value[0].between?(100, 999)
        raise TypeError, "the transport must return [status (100..999), body], got #{value.class}"
      end

      body = value[1].nil? ? '' : value[1]
      raise TypeError, "the transport's body must be a String, got #{body.class}" unless body.is_a?(String)

      [value[0], body]
    end

    # Text from the library: UTF-8 when it is, else binary.
    def self.text(bytes)
      s = bytes.force_encoding(Encoding::UTF_8)
      s.valid_encoding? ? s : s.force_encoding(Encoding::BINARY)
    end

    def self.bytes_of(b)
      n = b[:len]
      n.zero? ? String.new(encoding: Encoding::BINARY) : b[:ptr].get_bytes(0, n)
    end

    # The transport's arguments from a sigv4rs_http_request.
    def self.request_args(req)
      headers = {}
      base = req[:headers]
      req[:headers_len].times do |i|
        h = FFI::Header.new(base + (i * FFI::Header.size))
        headers[text(bytes_of(h[:name]))] = text(bytes_of(h[:value]))
      end
      [text(bytes_of(req[:method])), text(bytes_of(req[:url])), headers, bytes_of(req[:body]),
       [req[:timeout_ms], 1].max / 1000.0]
    end

    private

    def create(profile, region, process_timeout_ms)
      strings = ::FFI::MemoryPointer.new(:uint8, [profile.bytesize + region.bytesize, 1].max)
      strings.put_bytes(0, profile + region)
      opts = FFI::ChainOptions.new # zeroed: the defaults
      opts[:profile][:ptr] = strings
      opts[:profile][:len] = profile.bytesize
      opts[:region][:ptr] = strings + profile.bytesize
      opts[:region][:len] = region.bytesize
      opts[:transport] = @transport_fn
      opts[:process_timeout_ms] = process_timeout_ms
      out = ::FFI::MemoryPointer.new(:pointer)
      status = FFI.sigv4rs_chain_new(opts, out) # copies the strings
      unless status.zero?
        raise Error.for_status(status) unless status == FFI::STATUS_INVALID_ARGUMENT

        raise InvalidArgumentError.new(status, 'invalid argument: profile and region must be UTF-8 without control ' \
                                               'characters')
      end
      # The native chain never calls the transport while it is freed: the
      # GC may free @transport_fn first.
      ::FFI::AutoPointer.new(out.read_pointer, FFI.method(:sigv4rs_chain_free))
    end

    # Called by the resolving thread, or from its transport.
    def reentry?
      @resolver.equal?(Thread.current) || @worker.equal?(Thread.current)
    end

    def closed_error
      ClosedError.new(FFI::STATUS_NOT_INITIALIZED, 'the default credential chain is closed')
    end

    # Resolves into a signer's `sink` (from its provider callback, signer
    # lock released): [status, error (nil on success), control flow a
    # transport call interrupted (nil)]. One thread at a time, so the
    # error and the transport's state are this resolve's.
    def resolve(time, sink)
      h = nil
      @lock.synchronize do
        return [FFI::STATUS_MISSING_CREDENTIALS, closed_error, nil] unless @handle
        if reentry?
          return [FFI::STATUS_BUSY, BusyError.new(FFI::STATUS_BUSY, 'the default credential chain was asked from ' \
                                                                    'inside its own transport'), nil]
        end

        @cv.wait(@lock) while @resolver
        return [FFI::STATUS_MISSING_CREDENTIALS, closed_error, nil] unless @handle

        @resolver = Thread.current
        @escape = nil
        @transport_error = nil
        h = @handle
      end
      status = FFI::STATUS_PANIC
      err = escape = nil
      begin
        status = FFI.sigv4rs_chain_resolve(h, time, sink)
      ensure
        @lock.synchronize do
          err = failure(h, status) unless status.zero?
          escape = @escape
          @escape = @transport_error = nil
          @resolver = nil
          @cv.broadcast
        end
      end
      [status, err, escape]
    end

    # The error a failed resolve leaves as the signing error's cause: its
    # status's class, the last_error text, and what the last transport
    # call raised (named, and as #cause: its message is the transport's).
    def failure(handle, status)
      text = DefaultChain.read_last_error(handle)
      msg = "#{Sigv4rs.status_message(status)}: #{text.empty? ? 'no detail' : text}"
      msg += " (the transport raised #{@transport_error.class})" if @transport_error
      e = (STATUS_CLASSES[status] || Error).new(status, msg)
      return e unless @transport_error

      begin
        raise e, cause: @transport_error
      rescue Error => x
        x
      end
    end

    # The sigv4rs_transport_fn, called by the library inside #resolve (on
    # the resolving thread, GVL taken back by ruby-ffi). Nothing may unwind
    # into C: every failure is a non-OK status, interrupts wait (the
    # signing call delivers them), the `return` in `ensure` ends anything
    # else.
    def transport_callback(req, resp)
      status = nil
      begin
        status = Thread.handle_interrupt(NO_INTERRUPTS) { exchange(req, resp) }
      ensure
        return status || FFI::STATUS_CREDENTIALS_FETCH_FAILED # rubocop:disable Lint/EnsureReturn
      end
    end

    def exchange(req, resp)
      @transport_error = nil
      # Control flow meant for the signing call (Ctrl-C, Thread#raise or
      # #kill, an outer Timeout; an escape from the transport) is on its
      # way out: the remaining attempts fail without sending.
      return FFI::STATUS_CREDENTIALS_FETCH_FAILED if @escape || Thread.pending_interrupt?

      ok, value = run_transport(DefaultChain.request_args(FFI::HttpRequest.new(req)))
      unless ok
        if Signer.control_flow?(value)
          @escape = value
        else
          @transport_error = value # nil: interrupted, delivered after the signing call
        end
        return FFI::STATUS_CREDENTIALS_FETCH_FAILED
      end
      code, body = value
      FFI::HttpResponse.new(resp)[:status] = code
      unless body.empty?
        st = FFI.sigv4rs_http_response_write(resp, body, body.bytesize) # the library caps it
        return st unless st.zero?
      end
      FFI::STATUS_OK
    rescue Exception => e # rubocop:disable Lint/RescueException: nothing may reach C
      @transport_error = e
      FFI::STATUS_CREDENTIALS_FETCH_FAILED
    end

    # [true, [status, body]] or [false, what it raised], from a thread of
    # its own: the signing thread's masks (interrupts deferred while C
    # frames are on its stack) must not reach the transport, whose Timeout
    # threads would then outlive a kill. Given up at the request's timeout
    # (plus GRACE) whatever the transport does, or at once when the signing
    # thread is interrupted. Signer.control_flow? errors (exit, a throw to
    # the caller's catch) go on from the signing call.
    def run_transport(args)
      transport = @transport
      deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + args.last + GRACE
      worker = Thread.new do
        Thread.handle_interrupt(ANY_INTERRUPT) { [true, DefaultChain.answer(transport.call(*args))] }
      rescue Exception => e # rubocop:disable Lint/RescueException
        [false, e]
      end
      worker.report_on_exception = false
      @worker = worker
      until worker.join(0.02)
        if Thread.pending_interrupt?
          worker.kill
          return [false, nil]
        end
        next if Process.clock_gettime(Process::CLOCK_MONOTONIC) < deadline

        worker.kill
        return [false, TransportTimeout.new("the transport took over #{args.last + GRACE} s")]
      end
      r = worker.value
      r.is_a?(Array) ? r : [false, TransportTimeout.new('the transport thread was killed')]
    ensure
      @worker = nil
    end

    # The default transport: one Net::HTTP exchange per call, TLS with
    # certificate and host name verification, the proxy variables Net::HTTP
    # honours, open/read/write/TLS timeouts and an overall Timeout of the
    # request's timeout (or `timeout:` seconds when shorter). Sends the
    # headers as given (Net::HTTP adds Host and Content-Length; its default
    # Accept, Accept-Encoding and User-Agent are removed); no retries of its
    # own (the chain retries).
    class NetHTTPTransport
      DEFAULT_HEADERS = %w[accept accept-encoding user-agent].freeze

      attr_reader :timeout

      def initialize(timeout: nil)
        unless timeout.nil? || (timeout.is_a?(Numeric) && timeout.real? && timeout.positive?)
          raise ArgumentError, "timeout must be a positive number of seconds or nil, got #{timeout.inspect}"
        end

        require 'net/http'
        require 'openssl'
        @timeout = timeout
      end

      def call(method, url, headers, body, timeout_seconds)
        secs = @timeout ? [timeout_seconds, @timeout].min : timeout_seconds
        uri = URI(url)
        raise ArgumentError, "not an http(s) URL: #{uri.scheme}://#{uri.host}" unless uri.is_a?(URI::HTTP) && uri.host

        http = Net::HTTP.new(uri.hostname, uri.port)
        http.use_ssl = uri.scheme == 'https'
        http.verify_mode = OpenSSL::SSL::VERIFY_PEER if http.use_ssl?
        http.open_timeout = http.read_timeout = http.write_timeout = http.ssl_timeout = secs
        http.max_retries = 0
        req = Net::HTTPGenericRequest.new(method, true, true, uri.request_uri, headers)
        given = headers.keys.map(&:downcase)
        DEFAULT_HEADERS.each { |h| req.delete(h) unless given.include?(h) }
        req.body = body
        Timeout.timeout(secs, TransportTimeout, "the exchange took over #{secs} s") { exchange(http, req) }
      end

      private

      # [status, body], the body read up to the library's cap.
      def exchange(http, req)
        code = nil
        out = String.new(encoding: Encoding::BINARY)
        http.start do |h|
          h.request(req) do |res|
            code = res.code.to_i
            res.read_body do |chunk|
              out << chunk
              raise IOError, "the response body is over #{FFI::MAX_HTTP_RESPONSE_LEN} bytes" \
                if out.bytesize > FFI::MAX_HTTP_RESPONSE_LEN
            end
          end
        end
        [code, out]
      end
    end
  end
end
