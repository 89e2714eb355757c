# frozen_string_literal: true

module Sigv4rs
  # Turns Ruby arguments into the bytes the C API takes, with clear errors
  # for wrong types and unusable encodings (never a crash).
  module Input
    module_function

    BINARY = Encoding::BINARY
    UTF_8 = Encoding::UTF_8

    # The bytes of a String as they go on the wire. ASCII-compatible
    # encodings (UTF-8, US-ASCII, binary, Latin-1...) are taken as is;
    # UTF-16/32 are converted to UTF-8.
    def str(value, what)
      return value if value.is_a?(String) && value.ascii_only? # as is: the common case, checked first

      raise TypeError, "#{what} must be a String, got #{value.class}" unless value.is_a?(String)

      s = value
      unless s.encoding.ascii_compatible?
        begin
          s = s.encode(UTF_8)
        rescue EncodingError => e
          raise ArgumentError, "#{what}: cannot convert #{value.encoding} to UTF-8 (#{e.message})"
        end
      end
      if s.encoding != BINARY && !s.valid_encoding?
        raise ArgumentError,
              "#{what}: invalid #{s.encoding} byte sequence (pass String#b to sign raw bytes)"
      end
      s
    end

    # Same, nil allowed (as empty).
    def opt_str(value, what)
      value.nil? ? '' : str(value, what)
    end

    def bool(value, what)
      return value if value == true || value == false

      raise TypeError, "#{what} must be true or false, got #{value.class}"
    end

    def method_name(value)
      return value if value.is_a?(String) && value.ascii_only?
      # Symbols read as Ruby style (:get); strings are sent as written.
      return value.to_s.upcase if value.is_a?(Symbol)

      str(value, 'http_method')
    end

    def header_name(name)
      name = name.to_s if name.is_a?(Symbol)
      str(name, 'header name')
    end

    # [[name, value], ...] from a Hash (an Array value repeats the header)
    # or an Array of pairs (order and repeats kept).
    def header_pairs(headers)
      pairs = []
      case headers
      when nil
        nil
      when Hash
        headers.each do |k, v|
          # ASCII-only Strings are taken as is (the common case: no
          # conversion, no error text built).
          n = k.is_a?(String) && k.ascii_only? ? k : header_name(k)
          if v.is_a?(String) && v.ascii_only?
            pairs << [n, v]
          elsif v.is_a?(Array)
            v.each { |x| pairs << [n, str(x, "header #{n.inspect} value")] }
          else
            pairs << [n, str(v, "header #{n.inspect} value")]
          end
        end
      when Array
        headers.each do |pair|
          unless pair.is_a?(Array) && pair.size == 2
            raise TypeError, "headers: each entry must be a [name, value] pair, got #{pair.inspect[0, 60]}"
          end

          n = header_name(pair[0])
          pairs << [n, str(pair[1], "header #{n.inspect} value")]
        end
      else
        raise TypeError, "headers must be a Hash or an Array of [name, value] pairs, got #{headers.class}"
      end
      pairs
    end

    # #header_pairs, or the Hash itself when it holds only ASCII-only
    # String names and values (nothing to convert or check: its #each
    # yields the same pairs, without an Array per header).
    def header_list(headers)
      if headers.is_a?(Hash)
        headers.each do |k, v|
          return header_pairs(headers) unless k.is_a?(String) && v.is_a?(String) && k.ascii_only? && v.ascii_only?
        end
        return headers
      end
      header_pairs(headers)
    end

    def url(value)
      return value if value.is_a?(String) && value.ascii_only? && !value.empty?

      value = value.to_s if defined?(URI::Generic) && value.is_a?(URI::Generic)
      s = str(value, 'url')
      # Else C would look for host/path/query.
      raise Sigv4rs::InvalidUrlError.new.send(:locate!, :url) if s.empty?

      s
    end

    # Seconds since the epoch from a Time or an Integer.
    def unix_time(time)
      t = case time
          when Time then time.to_i
          when Integer then time
          else raise TypeError, "time must be a Time or Integer seconds, got #{time.class}"
          end
      # Fits an int64_t (cheaper than comparing with 2**63 Bignums).
      raise Sigv4rs::InvalidTimeError unless t.bit_length < 64

      t
    end

    # When credentials expire, as the C ABI takes it: Unix seconds from a
    # Time, an Integer or anything with #to_time (DateTime); 0 for nil (they
    # do not expire).
    def expiration(value, what)
      return 0 if value.nil?

      t = case value
          when Integer then value
          when Time then value.to_i
          else
            raise TypeError, "#{what} must be a Time, Integer Unix seconds or nil, got #{value.class}" \
              unless value.respond_to?(:to_time)

            value.to_time.to_i
          end
      # 0 is "does not expire" in C: an expiry in 1970 is a mistake.
      unless t.positive? && t.bit_length < 64
        raise Sigv4rs::InvalidTimeError.new(FFI::STATUS_INVALID_TIME,
                                            "#{what} must be after 1970-01-01 (nil: they do not expire)")
      end
      t
    end

    # Presign expiry in seconds (the C range check does the rest).
    def expires(value, what)
      raise TypeError, "#{what} must be an Integer number of seconds, got #{value.class}" unless value.is_a?(Integer)
      # Out of uint32 cannot be passed.
      raise Sigv4rs::InvalidExpiresError unless value.between?(0, 0xFFFF_FFFF)

      value
    end

    # The debug calls' (auth, expires_secs): header mode without an expiry.
    def auth_mode(expires)
      expires.nil? ? [FFI::AUTH_HEADERS, 0] : [FFI::AUTH_PRESIGN, expires]
    end

  end

  # SHA-256 of a body that arrives in pieces (sigv4rs_payload_hasher), for
  # `payload_hash:`.
  class PayloadHasher
    def initialize
      @mem = ::FFI::MemoryPointer.new(:uint8, FFI::PAYLOAD_HASHER_SIZE)
      check(FFI.sigv4rs_payload_hasher_init(@mem))
    end

    def update(data)
      s = Input.str(data, 'data')
      return self if s.empty?

      buf = ::FFI::MemoryPointer.new(:uint8, s.bytesize, false)
      buf.put_bytes(0, s)
      b = FFI::Bytes.new
      b[:ptr] = buf
      b[:len] = s.bytesize
      check(FFI.sigv4rs_payload_hasher_update(@mem, b))
      self
    end
    alias << update

    # 64 lower-case hex digits; the hasher must not be used afterwards.
    def hexdigest
      out = ::FFI::MemoryPointer.new(:uint8, FFI::SHA256_HEX_LEN + 1)
      len = ::FFI::MemoryPointer.new(:size_t)
      check(FFI.sigv4rs_payload_hasher_finish(@mem, out, out.size, len))
      out.get_bytes(0, FFI::SHA256_HEX_LEN).force_encoding(Encoding::UTF_8)
    end

    # Hashes a String or an IO (read in 1 MiB pieces, then rewound).
    def self.hexdigest(data)
      h = new
      if data.respond_to?(:read)
        while (chunk = data.read(1 << 20))
          h.update(chunk)
        end
        data.rewind if data.respond_to?(:rewind)
      else
        h.update(data)
      end
      h.hexdigest
    end

    private

    def check(status)
      raise Error.for_status(status) unless status.zero?
    end
  end

  # A signer for a region and service (a heap `sigv4rs_signer`), with static
  # credentials, credentials that expire, or a provider it asks for fresh
  # ones. Safe to share between threads; reuse it (it caches the day's
  # signing key). #rotate replaces its credentials while other threads
  # sign. #close frees it early; the GC frees it otherwise.
  class Signer
    PAYLOAD_MODES = {
      auto: FFI::PAYLOAD_MODE_AUTO,
      bytes: FFI::PAYLOAD_MODE_BYTES,
      sha256_hex: FFI::PAYLOAD_MODE_SHA256_HEX,
      unsigned: FFI::PAYLOAD_MODE_UNSIGNED
    }.freeze
    UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD'
    SHA256_HEADER = 'x-amz-content-sha256'

    # Credentials: `access_key_id:`, `secret_access_key:`, `session_token:`
    # and `expiration:` (a Time or Unix seconds; nil: they do not expire),
    # or `credentials:` a Sigv4rs::Credentials (the same, as one object; or
    # any object with those readers that is not a provider), or
    # `credentials:` a provider the signer asks when it has none or they
    # expire within `margin:` seconds: an object responding to #call that
    # returns Sigv4rs::Credentials, an aws-sdk style provider
    # (#credentials, and #expiration when it has one), or a
    # Sigv4rs::DefaultChain. Keys and a provider together: the keys first,
    # the provider when they near expiry.
    #
    # `sigv4a: true` signs with SigV4a (AWS4-ECDSA-P256-SHA256); `region:`
    # is then the region set ("us-east-1", "us-east-1,us-west-2", "*").
    # `s3express: true` signs for S3 Express One Zone (S3 rules, the token
    # in X-Amz-S3session-Token; credentials need a session token); not with
    # sigv4a (InvalidArgumentError).
    def initialize(region:, service:, access_key_id: nil, secret_access_key: nil, session_token: nil,
                   expiration: nil, credentials: nil, margin: nil,
                   s3: false, normalize_path: true, single_encode_path: false,
                   content_sha256_header: false, unsigned_session_token: false, unsigned_headers: [],
                   sigv4a: false, s3express: false)
      flags = Signer.flags(s3, normalize_path, single_encode_path, content_sha256_header, unsigned_session_token,
                           sigv4a, s3express)
      unless unsigned_headers.is_a?(Array)
        raise TypeError, "unsigned_headers must be an Array of header names, got #{unsigned_headers.class}"
      end

      keys = [access_key_id, secret_access_key, session_token, expiration]
      provider = credentials
      if Signer.static_credentials?(credentials)
        raise ArgumentError, 'give credentials: or access_key_id:/secret_access_key:, not both' if keys.any?

        c = credentials
        keys = [c.access_key_id, c.secret_access_key, c.respond_to?(:session_token) ? c.session_token : nil,
                c.respond_to?(:expiration) ? c.expiration : nil]
        provider = nil
      end
      if keys.none?
        raise ArgumentError, 'missing credentials: give access_key_id: and secret_access_key:, or credentials:' \
          unless provider

        keys = ['', '', nil, nil] # none yet: the first signing call asks the provider
      end
      raise ArgumentError, 'margin: goes with a credentials provider (credentials:)' unless margin.nil? || provider

      strings = [
        Input.str(keys[0], 'access_key_id'),
        Input.str(keys[1], 'secret_access_key'),
        Input.opt_str(keys[2], 'session_token'),
        Input.str(region, 'region'),
        Input.str(service, 'service')
      ]
      exp = Input.expiration(keys[3], 'expiration')
      names = unsigned_headers.map { |n| Input.header_name(n) }
      adapter = ProviderAdapter.new(provider, Signer.margin(margin)) if provider
      init_state(3 * strings[2].bytesize, flags) # a presigned URL repeats the token encoded
      @handle = create { |out| new_from_config(strings, names, flags, exp, out) }
      attach_provider(adapter) if adapter
    end

    # A set of credentials rather than a provider: a Sigv4rs::Credentials,
    # or an object with the keys that is not callable (Aws::Sigv4::Credentials).
    def self.static_credentials?(c)
      c.is_a?(Credentials) ||
        (!c.respond_to?(:call) && !c.respond_to?(:credentials) &&
         c.respond_to?(:access_key_id) && c.respond_to?(:secret_access_key))
    end

    # `margin:` in seconds (default FFI::DEFAULT_REFRESH_MARGIN).
    def self.margin(value)
      return FFI::DEFAULT_REFRESH_MARGIN if value.nil?
      raise TypeError, "margin must be an Integer number of seconds, got #{value.class}" unless value.is_a?(Integer)
      raise ArgumentError, "margin must be 0..#{0xFFFF_FFFF} seconds, got #{value}" unless value.between?(0, 0xFFFF_FFFF)

      value
    end

    # A time for messages: ISO 8601, UTC.
    def self.iso(secs)
      Time.at(secs).utc.strftime('%Y-%m-%dT%H:%M:%SZ')
    end

    # An access key id for messages (not secret: it is in every
    # Authorization header), when it looks like one.
    def self.show_akid(akid)
      akid.b.match?(/\A[A-Z0-9]{1,128}\z/n) ? akid : 'an access key id'
    end

    # SIGV4RS_FLAG_* bits from the keyword options (internal).
    def self.flags(s3, normalize_path, single_encode_path, content_sha256_header, unsigned_session_token,
                   sigv4a = false, s3express = false)
      flags = 0
      flags |= FFI::FLAG_S3 if Input.bool(s3, 's3')
      flags |= FFI::FLAG_NO_PATH_NORMALIZATION unless Input.bool(normalize_path, 'normalize_path')
      flags |= FFI::FLAG_SINGLE_ENCODE_PATH if Input.bool(single_encode_path, 'single_encode_path')
      flags |= FFI::FLAG_CONTENT_SHA256_HEADER if Input.bool(content_sha256_header, 'content_sha256_header')
      flags |= FFI::FLAG_UNSIGNED_SESSION_TOKEN if Input.bool(unsigned_session_token, 'unsigned_session_token')
      flags |= FFI::FLAG_SIGV4A if Input.bool(sigv4a, 'sigv4a')
      flags |= FFI::FLAG_S3EXPRESS if Input.bool(s3express, 's3express')
      flags
    end

    # A signer on the default credential chain (a DefaultChain of its own,
    # closed with it): `profile:`, `sts_region:` (the chain's `region:`),
    # `transport:` and `process_timeout:` go to DefaultChain.new, the rest
    # (`margin:`, `s3:`...) to Signer.new. Nothing is fetched before the
    # first signing call.
    def self.from_default_chain(region:, service:, profile: nil, sts_region: nil, transport: nil, process_timeout: nil,
                                **opts)
      chain = DefaultChain.new(profile: profile, region: sts_region, transport: transport,
                               process_timeout: process_timeout)
      signer = new(region: region, service: service, credentials: chain, **opts)
      signer.instance_variable_set(:@owned_chain, chain)
      signer
    rescue StandardError
      chain&.close
      raise
    end

    # A signer from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
    # AWS_SESSION_TOKEN (region from AWS_REGION / AWS_DEFAULT_REGION when
    # nil). Raises MissingCredentialsError when they are not set.
    def self.from_env(service:, region: nil, s3: false, normalize_path: true, single_encode_path: false,
                      content_sha256_header: false, unsigned_session_token: false, sigv4a: false, s3express: false)
      bits = flags(s3, normalize_path, single_encode_path, content_sha256_header, unsigned_session_token,
                   sigv4a, s3express)
      signer = allocate
      signer.send(:init_from_env, Input.opt_str(region, 'region'), Input.str(service, 'service'), bits)
      signer
    end

    # Frees the native signer now (zeroing its keys). Idempotent. Waits for
    # a provider call under way on another thread.
    def close
      @lock.synchronize do
        wait_for_provider('close')
        h = @handle
        @handle = nil
        h&.free
      end
      @provider_fn = nil # the C signer that could call it is gone
      @owned_chain&.close # from_default_chain's, after the signer that used it
      nil
    end

    # The DefaultChain this signer asks for credentials, or nil.
    def default_chain
      @provider&.chain
    end

    # Replaces the credentials while other threads sign with this signer:
    # each signature uses one set, whole (the old or the new); the old
    # secret is zeroed by the library. `expiration`: a Time or Unix seconds
    # (nil: they do not expire). Waits for a provider call under way on
    # another thread; from inside this signer's own provider it raises
    # BusyError.
    def rotate(access_key_id:, secret_access_key:, session_token: nil, expiration: nil)
      akid = Input.str(access_key_id, 'access_key_id')
      token = Input.opt_str(session_token, 'session_token')
      mem = credentials_mem(akid, Input.str(secret_access_key, 'secret_access_key'), token,
                            Input.expiration(expiration, 'expiration'))
      begin
        status = @lock.synchronize do
          wait_for_provider('rotate')
          h = @handle or raise ClosedError
          st = FFI.sigv4rs_signer_rotate(h, mem)
          rotated(token) if st.zero?
          st
        end
      ensure
        mem.clear # the library copied them
      end
      raise Error.for_status(status) unless status.zero?

      nil
    end

    # Rotates to the credentials in a JSON document: what EC2 instance
    # metadata, the ECS / EKS Pod Identity container endpoint, a
    # `credential_process` or the AWS IoT credentials provider returns
    # (`AccessKeyId`, `SecretAccessKey`, `Token`, `Expiration`). Raises
    # InvalidCredentialsDocumentError when it is not one; as #rotate
    # otherwise.
    def rotate_json(json)
      rotate_document(:sigv4rs_signer_rotate_json, Input.str(json, 'json'), 'rotate_json')
    end

    # Rotates to the credentials in an XML response: an S3 CreateSession
    # (S3 Express One Zone: `CreateSessionResult/Credentials`) or an STS
    # AssumeRole* (`<X>Response/<X>Result/Credentials`). AccessKeyId,
    # SecretAccessKey, SessionToken and Expiration are all required. Raises
    # InvalidCredentialsDocumentError when it is not one (malformed, an
    # error response, credentials missing); as #rotate otherwise.
    def rotate_xml(xml)
      rotate_document(:sigv4rs_signer_rotate_xml, Input.str(xml, 'xml'), 'rotate_xml')
    end

    # When the current credentials expire: a Time (UTC), or nil when they do
    # not. MissingCredentialsError when there are none yet.
    def expiration
      out = ::FFI::MemoryPointer.new(:int64)
      status = @lock.synchronize do
        h = @handle or raise ClosedError
        FFI.sigv4rs_signer_expiration(h, out)
      end
      raise Error.for_status(status) unless status.zero?

      secs = out.read_int64
      secs.zero? ? nil : Time.at(secs).utc
    end

    def closed?
      @handle.nil?
    end

    # True for a SigV4a signer (`sigv4a: true`).
    def sigv4a?
      @sigv4a
    end

    def inspect
      "#<#{self.class}#{closed? ? ' (closed)' : ''}>" # never the keys
    end
    alias_method :to_s, :inspect

    # Header authentication. Returns the headers to add to the request
    # (name => value): Host (when the URL's host has upper-case letters and
    # `headers` has no Host: the lower-cased host that was signed, to send
    # instead), X-Amz-Date, X-Amz-Security-Token (with a token),
    # X-Amz-Content-SHA256 (S3 or content_sha256_header) and Authorization.
    # `headers` are the ones you will send (Hash, an Array value repeats a
    # header, or [[name, value], ...]); `url` is the wire form
    # (already percent-encoded; a `+` in the query is a space, a plus is
    # `%2B`). `body` is a String or an IO (hashed, then rewound);
    # `payload_hash` is its SHA-256 in hex; `unsigned_payload` signs
    # UNSIGNED-PAYLOAD.
    def sign_request(http_method:, url:, headers: {}, body: nil, payload_hash: nil,
                     unsigned_payload: false, time: Time.now)
      pairs = Input.header_list(headers)
      mode, payload = payload_args(pairs, body, payload_hash, unsigned_payload)
      packed(FFI::AUTH_HEADERS, 0, Input.method_name(http_method), Input.url(url), pairs, mode, payload,
             Input.unix_time(time))
    end

    # Query authentication: the URL with the X-Amz-* parameters appended,
    # its host lower-cased and its query parameters written as signed.
    # `body_digest` is the payload's SHA-256 in hex or 'UNSIGNED-PAYLOAD'
    # (S3 signers default to UNSIGNED-PAYLOAD, others to the hash of `body`).
    def presign_url(http_method:, url:, headers: {}, expires_in: 900, time: Time.now, body_digest: nil, body: nil)
      pairs = Input.header_list(headers)
      if body_digest.nil?
        mode, payload = payload_args(pairs, body, nil, false)
      else
        raise ArgumentError, 'give body or body_digest, not both' unless body.nil?

        d = Input.str(body_digest, 'body_digest')
        mode, payload = d == UNSIGNED_PAYLOAD ? [FFI::PAYLOAD_MODE_UNSIGNED, ''] : payload_args(pairs, nil, d, false)
      end
      packed(FFI::AUTH_PRESIGN, Input.expires(expires_in, 'expires_in'), Input.method_name(http_method),
             Input.url(url), pairs, mode, payload, Input.unix_time(time))
    end

    # Troubleshooting: the canonical request that #sign_request signs for
    # these arguments (SIGV4RS_AUTH_HEADERS), or, with `presign_expires_in:`
    # seconds, #presign_url (SIGV4RS_AUTH_PRESIGN).
    def canonical_request(http_method:, url:, headers: {}, body: nil, payload_hash: nil,
                          unsigned_payload: false, time: Time.now, presign_expires_in: nil)
      debug(:sigv4rs_signer_canonical_request, http_method, url, headers, body, payload_hash,
            unsigned_payload, time, presign_expires_in)
    end

    # Troubleshooting: the string to sign, as #canonical_request.
    def string_to_sign(http_method:, url:, headers: {}, body: nil, payload_hash: nil,
                       unsigned_payload: false, time: Time.now, presign_expires_in: nil)
      debug(:sigv4rs_signer_string_to_sign, http_method, url, headers, body, payload_hash,
            unsigned_payload, time, presign_expires_in)
    end

    # The C call as it is: `url`, or `host`/`path`/`query` (when url is
    # empty), headers as [[name, value], ...] in order, `payload_mode` one of
    # :auto, :bytes, :sha256_hex, :unsigned. `output`: :headers (an Array of
    # [name, value] in the library's order), :presign (the URL; needs
    # expires_in), :canonical_request or :string_to_sign (header mode unless
    # expires_in).
    def sign_raw(method:, host: '', path: '', query: '', url: '', headers: [], payload: nil,
                 payload_mode: :auto, time: Time.now, output: :headers, expires_in: nil)
      mode = PAYLOAD_MODES.fetch(payload_mode) do
        raise ArgumentError, "payload_mode must be one of #{PAYLOAD_MODES.keys.inspect}, got #{payload_mode.inspect}"
      end
      args = [Input.str(method, 'method'), Input.opt_str(url, 'url'), Input.opt_str(host, 'host'),
              Input.opt_str(path, 'path'), Input.opt_str(query, 'query'), Input.header_pairs(headers),
              mode, Input.opt_str(payload, 'payload'), Input.unix_time(time)]
      exp = expires_in.nil? ? nil : Input.expires(expires_in, 'expires_in')
      case output
      when :headers
        raise ArgumentError, 'expires_in is for presigning' if exp

        text(call(:sigv4rs_signer_sign_headers, *args, nil)).split("\0").map { |h| h.split(': ', 2) }
      when :presign
        raise ArgumentError, 'output: :presign needs expires_in' unless exp

        text(call(:sigv4rs_signer_presign, *args, exp))
      when :canonical_request
        text(call(:sigv4rs_signer_canonical_request, *args, Input.auth_mode(exp)))
      when :string_to_sign
        text(call(:sigv4rs_signer_string_to_sign, *args, Input.auth_mode(exp)))
      else
        raise ArgumentError, "output must be :headers, :presign, :canonical_request or :string_to_sign, got #{output.inspect}"
      end
    end

    # Signs a Net::HTTP request in place (see Sigv4rs::NetHTTP.sign!).
    def sign_net_http!(request, uri = nil, **opts)
      NetHTTP.sign!(self, uri, request, **opts)
    end

    # An aws-chunked upload (S3 PUT / UploadPart) of `size` bytes. Signs
    # the seed request and returns [headers to add, ChunkedEncoder]. The
    # headers include Content-Encoding, Content-Length (the encoded length),
    # X-Amz-Decoded-Content-Length, X-Amz-Trailer (trailer modes),
    # X-Amz-Content-SHA256 and Authorization; they replace request headers
    # of those names. With `body` (an IO, or a String), the encoder is an
    # IO-like (#read) giving the encoded body, for Net::HTTP's
    # body_stream; without, call its #sign_chunk and #finish yourself.
    # `mode`: :signed, :signed_trailer or :unsigned_trailer; `checksum`
    # (trailer modes only): :crc32, :crc32c, :crc64nvme, :sha1 or :sha256.
    # A SigV4a signer signs the seed, chunks and trailer with ECDSA
    # (STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD[-TRAILER]).
    def sign_streaming(url:, size:, http_method: 'PUT', headers: {}, body: nil, chunk_size: 65_536,
                       mode: :signed, checksum: nil, time: Time.now)
      stream = ChunkedEncoder.stream_struct(mode, checksum, size, chunk_size, @sigv4a)
      args = [Input.method_name(http_method), Input.url(url), Input.header_pairs(headers), Input.unix_time(time)]
      state = ::FFI::MemoryPointer.new(:uint8, FFI::CHUNKED_STATE_SIZE)
      added = begin_chunked(*args, stream, state)
      [added, ChunkedEncoder.send(:new, self, args, stream, state, added, body)]
    end

    private

    # Byte offsets from the declared layouts, so requests are written
    # straight into native memory without a Ruby object per field.
    REQ_SIZE = FFI::Request.size
    HDR_SIZE = FFI::Header.size
    R_METHOD = FFI::Request.offset_of(:method)
    R_URL = FFI::Request.offset_of(:url)
    R_HOST = FFI::Request.offset_of(:host)
    R_PATH = FFI::Request.offset_of(:path)
    R_QUERY = FFI::Request.offset_of(:query)
    R_HEADERS = FFI::Request.offset_of(:headers)
    R_HEADERS_LEN = FFI::Request.offset_of(:headers_len)
    R_MODE = FFI::Request.offset_of(:payload_mode)
    R_PAYLOAD = FFI::Request.offset_of(:payload)
    H_NAME = FFI::Header.offset_of(:name)
    H_VALUE = FFI::Header.offset_of(:value)
    SIZE_T = ::FFI.find_type(:size_t)
    private_constant :REQ_SIZE, :HDR_SIZE, :R_METHOD, :R_URL, :R_HOST, :R_PATH, :R_QUERY,
                     :R_HEADERS, :R_HEADERS_LEN, :R_MODE, :R_PAYLOAD, :H_NAME, :H_VALUE, :SIZE_T

    # sigv4rs_signer_sign_packed: `data` holds method, url, payload, then
    # name and value of each header (Array#pack's 'a*' takes the bytes
    # whatever the encoding); PACK_FORMATS[n] packs n headers, its '@0'
    # first rewinding the reused buffer it is given.
    PACK_FORMATS = Array.new(FFI::MAX_HEADERS + 1) { |n| "@0#{'a*' * (3 + (2 * n))}".freeze }.freeze
    SPAN_MAX = 0xFFFF_FFFF
    SIZE_T_64 = SIZE_T.size == 8 # get_uint64 is quicker than get(SIZE_T)
    # Data and output buffers reused by every packed call of a signer
    # (under @lock); longer ones get their own.
    SCRATCH_DATA = 4096
    SCRATCH_OUT = 4096
    SPANS_BYTES = 4 * 2 * (FFI::PACKED_FIRST_HEADER + (2 * FFI::MAX_HEADERS))
    FIELDS_BYTES = 4 * FFI::PACKED_FIELDS_LEN
    private_constant :PACK_FORMATS, :SPAN_MAX, :SIZE_T_64, :SCRATCH_DATA, :SCRATCH_OUT, :SPANS_BYTES, :FIELDS_BYTES

    # The packed calls' scratch, used under @lock: every object a call does
    # not allocate is less GC work.
    def init_scratch
      @span_list = []
      @str_list = []
      @data = String.new(encoding: Encoding::BINARY) # grows as needed, bounded by SCRATCH_DATA
      # The native buffers share one allocation (a fresh signer pays for one;
      # each slice keeps it alive): out_len, spans, fields, out.
      mem = ::FFI::MemoryPointer.new(:uint8, 8 + SPANS_BYTES + FIELDS_BYTES + SCRATCH_OUT)
      @out_len = mem.slice(0, SIZE_T.size)
      @spans = mem.slice(8, SPANS_BYTES)
      @fields = mem.slice(8 + SPANS_BYTES, FIELDS_BYTES)
      @out = mem.slice(8 + SPANS_BYTES + FIELDS_BYTES, SCRATCH_OUT)
    end

    # #sign_request (AUTH_HEADERS: the header Hash) and #presign_url
    # (AUTH_PRESIGN: the URL) through sigv4rs_signer_sign_packed, in the
    # signer's scratch (#init_scratch) under @lock, held until the output
    # has been read (a longer output gets its own buffer). A failure is the
    # slow path: the same request goes again through the struct call, whose
    # error is located by sigv4rs_request_locate.
    def packed(auth, expires, method, url, pairs, mode, payload, time)
      return packed_call(auth, expires, method, url, pairs, mode, payload, time) unless @provider

      guarded { packed_call(auth, expires, method, url, pairs, mode, payload, time) }
    end

    # #packed itself. The scratch is read under @lock only, into locals: a
    # provider call (#provide) hands other threads new buffers while this
    # call goes on with these.
    def packed_call(auth, expires, method, url, pairs, mode, payload, time)
      nh = pairs.size
      return packed_fallback(0, auth, expires, method, url, pairs, mode, payload, time) if nh > FFI::MAX_HEADERS

      @lock.lock # not #synchronize: its block costs more than much of what it guards
      begin
        h = @handle or raise ClosedError
        data = layout(method, url, payload, pairs)
        if data
          off = data.bytesize
          sm = @spans # put_array is cheaper than Array#pack('L*')
          sm.put_array_of_uint32(0, @span_list)
          nspans = @span_list.size
          out_len = @out_len
          fields = auth == FFI::AUTH_HEADERS ? @fields : nil
          cap = 1024 + (3 * off) + @token_guess
          out = cap > SCRATCH_OUT ? ::FFI::MemoryPointer.new(:uint8, cap, false) : @out
          cap = out.size
          status = FFI.sigv4rs_signer_sign_packed(h, data, off, sm, nspans, mode, time, auth, expires,
                                                  out, cap, out_len, fields, FIELDS_BYTES)
          if status == FFI::STATUS_BUFFER_TOO_SMALL
            cap = out_len.get(SIZE_T, 0)
            out = ::FFI::MemoryPointer.new(:uint8, cap, false)
            status = FFI.sigv4rs_signer_sign_packed(h, data, off, sm, nspans, mode, time, auth, expires,
                                                    out, cap, out_len, fields, FIELDS_BYTES)
          end
          if status.zero?
            n = SIZE_T_64 ? out_len.get_uint64(0) : out_len.get(SIZE_T, 0)
            s = out.get_bytes(0, n - 1) # without the final NUL
            f = fields.get_array_of_uint32(4, 4 * fields.get_uint32(0)) if fields
          end
        else
          status = 0 # too many bytes for 32-bit spans: the struct call
        end
      ensure
        @lock.unlock
      end
      return packed_fallback(status, auth, expires, method, url, pairs, mode, payload, time) unless s

      s = text(s)
      return s unless f

      s.freeze # not returned: its slices then share it without a copy
      hash = {}
      i = 0
      while i < f.size
        # Frozen keys: Hash#[]= would otherwise intern a copy of each.
        hash[s.byteslice(f[i], f[i + 1]).freeze] = s.byteslice(f[i + 2], f[i + 3])
        i += 4
      end
      hash
    end

    # The request as sigv4rs_signer_sign_packed takes it (under @lock: it
    # fills the scratch): the spans into @span_list, and returns the data
    # (@data, or a String of its own when longer than SCRATCH_DATA); nil
    # when there are too many bytes for 32-bit spans.
    def layout(method, url, payload, pairs)
      ml = method.bytesize
      ul = url.bytesize
      pl = payload.bytesize
      off = ml + ul + pl
      spans = @span_list.clear.push(0, ml, ml, ul, 0, 0, 0, 0, 0, 0, ml + ul, pl)
      strs = @str_list.clear.push(method, url, payload)
      pairs.each do |n, v|
        nl = n.bytesize
        vl = v.bytesize
        spans.push(off, nl, off + nl, vl)
        strs.push(n, v)
        off += nl + vl
      end
      return if off > SPAN_MAX

      fmt = PACK_FORMATS[pairs.size]
      off > SCRATCH_DATA ? strs.pack(fmt) : strs.pack(fmt, buffer: @data)
    ensure
      @str_list.clear # keeps none of the caller's strings alive
    end

    # The struct call for what #packed could not do: a request too big for
    # 32-bit spans (status 0), or a failure (raised with its location).
    def packed_fallback(status, auth, expires, method, url, pairs, mode, payload, time)
      pairs = pairs.to_a # a Hash from Input.header_list: located_error indexes the pairs
      if auth == FFI::AUTH_HEADERS
        header_hash(call(:sigv4rs_signer_sign_headers, method, url, '', '', '', pairs, mode, payload, time, nil))
      else
        text(call(:sigv4rs_signer_presign, method, url, '', '', '', pairs, mode, payload, time, expires))
      end.tap do
        # The struct call succeeded where the packed one failed: only a
        # credentials status may change in between (a provider delivered).
        raise Error.for_status(status) unless status.zero? || CREDENTIAL_STATUSES.include?(status)
      end
    end

    def create
      out = ::FFI::MemoryPointer.new(:pointer)
      status = yield out
      raise Error.for_status(status) unless status.zero?

      ::FFI::AutoPointer.new(out.read_pointer, FFI.method(:sigv4rs_signer_free))
    end

    def new_from_config(strings, names, flags, expiration, out)
      cfg_size = FFI::Config.size
      names_off = cfg_size
      data_off = names_off + (names.size * FFI::Bytes.size)
      total = data_off + strings.sum(&:bytesize) + names.sum(&:bytesize)
      mem = ::FFI::MemoryPointer.new(:uint8, total) # zeroed: a `{0}` config
      base = mem.address
      off = data_off
      %i[access_key_id secret_access_key session_token region service].each_with_index do |f, i|
        off = put_bytes(mem, base, FFI::Config.offset_of(f), strings[i], off)
      end
      names.each_with_index { |n, i| off = put_bytes(mem, base, names_off + (i * FFI::Bytes.size), n, off) }
      mem.put_uint32(FFI::Config.offset_of(:flags), flags)
      mem.put_int64(FFI::Config.offset_of(:expiration), expiration)
      mem.put_pointer(FFI::Config.offset_of(:unsigned_headers), names.empty? ? 0 : base + names_off)
      mem.put(SIZE_T, FFI::Config.offset_of(:unsigned_headers_len), names.size)
      FFI.sigv4rs_signer_new(mem, out)
    ensure
      # The secret was copied by the library; do not leave it in freed memory.
      mem&.clear
    end

    def init_from_env(region, service, flags)
      mem = ::FFI::MemoryPointer.new(:uint8, [region.bytesize + service.bytesize, 1].max)
      mem.put_bytes(0, region)
      mem.put_bytes(region.bytesize, service)
      r = FFI::Bytes.new
      r[:ptr] = mem
      r[:len] = region.bytesize
      s = FFI::Bytes.new
      s[:ptr] = mem + region.bytesize
      s[:len] = service.bytesize
      init_state(0, flags)
      @handle = create { |out| FFI.sigv4rs_signer_new_from_env(r, s, flags, out) }
    end

    def put_bytes(mem, base, at, s, off)
      FFI.put_bytes(mem, base, at, s, off)
    end

    AUTO_EMPTY = [FFI::PAYLOAD_MODE_AUTO, ''].freeze
    private_constant :AUTO_EMPTY

    def payload_args(pairs, body, payload_hash, unsigned)
      return AUTO_EMPTY if body.nil? && payload_hash.nil? && unsigned == false # no body: the common case

      unsigned = Input.bool(unsigned, 'unsigned_payload')
      raise ArgumentError, 'give payload_hash or unsigned_payload, not both' if unsigned && payload_hash
      raise ArgumentError, 'give body or payload_hash, not both' if payload_hash && !body.nil?
      return [FFI::PAYLOAD_MODE_UNSIGNED, ''] if unsigned
      return [FFI::PAYLOAD_MODE_SHA256_HEX, Input.str(payload_hash, 'payload_hash')] if payload_hash
      return [FFI::PAYLOAD_MODE_AUTO, Input.opt_str(body, 'body')] if body.nil? || body.is_a?(String)
      raise TypeError, "body must be a String or an IO, got #{body.class}" unless body.respond_to?(:read)

      # A caller x-amz-content-sha256 header wins in AUTO mode: do not read.
      return [FFI::PAYLOAD_MODE_AUTO, ''] if pairs.any? { |n, _| n.casecmp?(SHA256_HEADER) }

      [FFI::PAYLOAD_MODE_SHA256_HEX, PayloadHasher.hexdigest(body)]
    end

    def debug(fn, http_method, url, headers, body, payload_hash, unsigned_payload, time, expires)
      pairs = Input.header_pairs(headers)
      exp = Input.expires(expires, 'presign_expires_in') unless expires.nil?
      mode, payload = payload_args(pairs, body, payload_hash, unsigned_payload)
      text(call(fn, Input.method_name(http_method), Input.url(url), '', '', '', pairs, mode, payload,
                Input.unix_time(time), Input.auth_mode(exp)))
    end

    # One native call. Everything the request points to lives in one
    # MemoryPointer (`mem`): the sigv4rs_request, the header array, out_len,
    # the input bytes and an output buffer. `mem` stays referenced until
    # the output has been copied out, so the GC cannot free it mid-call.
    def call(fn, method, url, host, path, query, pairs, mode, payload, time, expires)
      nh = pairs.size
      hdr_off = REQ_SIZE
      len_off = hdr_off + (nh * HDR_SIZE)
      data_off = len_off + 8
      strings_size = method.bytesize + url.bytesize + host.bytesize + path.bytesize + query.bytesize
      pairs.each { |n, v| strings_size += n.bytesize + v.bytesize }
      # Output guess: signed-header names, URL and token show up to ~3 times
      # (a presigned URL); a too-small guess costs one more call.
      cap = 1024 + (3 * strings_size) + @token_guess
      out_off = data_off + strings_size + payload.bytesize
      mem = ::FFI::MemoryPointer.new(:uint8, out_off + cap, false)
      base = mem.address
      off = data_off
      off = put_bytes(mem, base, R_METHOD, method, off)
      off = put_bytes(mem, base, R_URL, url, off)
      off = put_bytes(mem, base, R_HOST, host, off)
      off = put_bytes(mem, base, R_PATH, path, off)
      off = put_bytes(mem, base, R_QUERY, query, off)
      at = hdr_off
      pairs.each do |n, v|
        off = put_bytes(mem, base, at + H_NAME, n, off)
        off = put_bytes(mem, base, at + H_VALUE, v, off)
        at += HDR_SIZE
      end
      mem.put_pointer(R_HEADERS, nh.zero? ? 0 : base + hdr_off)
      mem.put(SIZE_T, R_HEADERS_LEN, nh)
      mem.put_uint32(R_MODE, mode)
      put_bytes(mem, base, R_PAYLOAD, payload, off)
      len_ptr = mem + len_off
      status = native(fn, mem, time, expires, mem + out_off, cap, len_ptr)
      if status == FFI::STATUS_BUFFER_TOO_SMALL
        cap = mem.get(SIZE_T, len_off)
        big = ::FFI::MemoryPointer.new(:uint8, cap, false)
        status = native(fn, mem, time, expires, big, cap, len_ptr)
      end
      raise_status(located_error(status, mem, pairs)) unless status.zero?

      n = mem.get(SIZE_T, len_off) - 1 # without the final NUL
      big ? big.get_bytes(0, n) : mem.get_bytes(out_off, n)
    end

    # The error for a failed call on the request in `req`, located by
    # sigv4rs_request_locate (on failures only: success pays nothing). The
    # headers went to C as `pairs`, one entry each in the caller's order,
    # so C's index is the caller's and names the caller's header.
    def located_error(status, req, pairs)
      e = Error.for_status(status)
      loc = FFI::Location.new
      return e unless FFI.sigv4rs_request_locate(req, status, loc).zero?

      field = Error::FIELDS[loc[:field]]
      return e unless field

      offset = loc[:offset] == FFI::NO_OFFSET ? nil : loc[:offset]
      if %i[header_name header_value].include?(field)
        i = loc[:index]
        return e unless i < pairs.size

        e.send(:locate!, field, i, offset, pairs[i][0])
      else
        e.send(:locate!, field, nil, offset)
      end
    end

    # `extra`: the arguments between the time and the output (nil, an
    # expiry, or an Array of them: [auth, expiry], [stream, state]).
    def native(fn, req, time, extra, out, cap, len_ptr)
      extra = extra.nil? ? [] : Array(extra)
      unless @provider
        return @lock.synchronize do
          h = @handle or raise ClosedError
          FFI.public_send(fn, h, req, time, *extra, out, cap, len_ptr)
        end
      end

      guarded do
        @lock.synchronize do
          h = @handle or raise ClosedError
          st = FFI.public_send(fn, h, req, time, *extra, out, cap, len_ptr)
          if CREDENTIAL_STATUSES.include?(st) && @provider_thread && !in_provider?
            # Another thread's provider call is fetching them: wait for it
            # (interruptible: this is between C calls), then once more.
            Thread.handle_interrupt(ProviderAdapter::USER_CODE) { @cv.wait(@lock) while @provider_thread }
            h = @handle or raise ClosedError
            st = FFI.public_send(fn, h, req, time, *extra, out, cap, len_ptr)
          end
          st
        end
      end
    end

    # A call on an aws-chunked state (ChunkedEncoder): `args` follow the signer.
    def chunked_native(fn, *args)
      run = lambda do
        @lock.synchronize do
          h = @handle or raise ClosedError
          FFI.public_send(fn, h, *args)
        end
      end
      @provider ? guarded(&run) : run.call
    end

    # --- credentials that change -------------------------------------------

    # Masks async interrupts (Thread#raise, Thread#kill, Timeout) around the
    # C calls of a signer with a provider: an exception must never unwind
    # through the library's frames. They arrive when the call returns.
    NO_INTERRUPTS = { Object => :never }.freeze
    # The provider's thread: everything at once, for it and the threads it
    # starts (Timeout's must die when Timeout is done with them).
    ANY_INTERRUPT = { Object => :immediate }.freeze
    CREDENTIAL_STATUSES = [FFI::STATUS_MISSING_CREDENTIALS, FFI::STATUS_CREDENTIALS_EXPIRED].freeze
    C_AKID = FFI::Credentials.offset_of(:access_key_id)
    C_SECRET = FFI::Credentials.offset_of(:secret_access_key)
    C_TOKEN = FFI::Credentials.offset_of(:session_token)
    C_EXPIRATION = FFI::Credentials.offset_of(:expiration)
    private_constant :NO_INTERRUPTS, :ANY_INTERRUPT, :CREDENTIAL_STATUSES, :C_AKID, :C_SECRET, :C_TOKEN,
                     :C_EXPIRATION

    # What every constructor sets up.
    def init_state(token_guess, flags)
      @sigv4a = flags.anybits?(FFI::FLAG_SIGV4A) # picks the aws-chunked modes
      @lock = Mutex.new
      @cv = ConditionVariable.new
      @provider = nil     # ProviderAdapter
      @provider_fn = nil  # its FFI::Function, referenced as long as the C signer may call it
      @provider_thread = nil # the signing thread inside a provider call, with @lock released
      @provider_worker = nil # the thread running the provider's code (#run_provider)
      @escapes = {} # thread => control flow its provider call interrupted (#guarded)
      @owned_chain = nil # from_default_chain's DefaultChain, closed by #close
      @token_guess = token_guess
      init_scratch
    end

    # Gives the C signer its provider: an FFI::Function this signer keeps
    # (the GC must not free it while the C signer holds its address).
    def attach_provider(adapter)
      fn = ::FFI::Function.new(:uint32, [:pointer, :int64, :pointer]) { |_user, t, sink| provider_callback(t, sink) }
      status = FFI.sigv4rs_signer_set_provider(@handle, fn, nil, adapter.margin)
      raise Error.for_status(status) unless status.zero?

      @provider_fn = fn
      @provider = adapter
    end

    # Under @lock: waits while another thread is inside this signer's
    # provider (which runs with @lock released); refuses from inside it.
    def wait_for_provider(what)
      if in_provider?
        raise BusyError.new(FFI::STATUS_BUSY, "#{what} called from inside this signer's own credentials provider")
      end

      @cv.wait(@lock) while @provider_thread
    end

    # True on the provider's thread, or the signing thread in the call.
    def in_provider?
      t = Thread.current
      @provider_worker.equal?(t) || @provider_thread.equal?(t)
    end

    # #rotate_json and #rotate_xml: `doc` copied to native memory (cleared
    # after the call: it holds the secret) and given to `fn`.
    def rotate_document(fn, doc, what)
      mem = ::FFI::MemoryPointer.new(:uint8, [doc.bytesize, 1].max)
      mem.put_bytes(0, doc)
      b = FFI::Bytes.new
      b[:ptr] = mem
      b[:len] = doc.bytesize
      begin
        status = @lock.synchronize do
          wait_for_provider(what)
          h = @handle or raise ClosedError
          st = FFI.public_send(fn, h, b)
          rotated(doc) if st.zero? # the token is at most the document
          st
        end
      ensure
        mem.clear
      end
      raise Error.for_status(status) unless status.zero?

      nil
    end

    # Under @lock, after a successful rotation.
    def rotated(token)
      @provider&.reset
      @token_guess = [@token_guess, 3 * token.bytesize].max
    end

    # A sigv4rs_credentials and its strings in one native buffer (clear it
    # after the call: it holds the secret).
    def credentials_mem(akid, secret, token, expiration)
      size = FFI::Credentials.size
      mem = ::FFI::MemoryPointer.new(:uint8, size + akid.bytesize + secret.bytesize + token.bytesize)
      base = mem.address
      off = put_bytes(mem, base, C_AKID, akid, size)
      off = put_bytes(mem, base, C_SECRET, secret, off)
      put_bytes(mem, base, C_TOKEN, token, off)
      mem.put_int64(C_EXPIRATION, expiration)
      mem
    end

    # The sigv4rs_provider_fn, called by the library from inside a signing
    # call on the signing thread (GVL held: the calls are not `blocking:`;
    # ruby-ffi would take it back for a callback on a Ruby thread that
    # released it). Nothing may unwind into C: the provider runs on a
    # thread of its own, where exceptions are caught and a `throw` or a
    # Proc's `return` cannot reach past it (#run_provider); the `return` in
    # `ensure` ends anything else.
    def provider_callback(t, sink)
      status = nil
      begin
        status = Thread.handle_interrupt(NO_INTERRUPTS) { provide(t, sink) }
      ensure
        unless status
          status = FFI::STATUS_MISSING_CREDENTIALS
          @provider&.failed(LocalJumpError.new('the credentials provider left by a non-local exit'))
        end
        return status # rubocop:disable Lint/EnsureReturn
      end
    end

    # Asks the provider and puts what it gives into `sink`. While the
    # provider runs, @lock is released (when this thread holds it: the
    # signing paths do), so other threads sign with the current credentials
    # (the library keeps a provider call to one thread and skips refreshing
    # on the others) in new scratch buffers; close and rotate wait for it.
    def provide(t, sink)
      pr = @provider
      return FFI::STATUS_MISSING_CREDENTIALS unless pr
      # Another thread read the previous set as due and asks after it was
      # replaced: keep the fresh one (a failure keeps what the signer has).
      return FFI::STATUS_MISSING_CREDENTIALS if pr.fresh_at?(t)

      held = @lock.owned?
      if held
        init_scratch
        @provider_thread = Thread.current
        @lock.unlock
      end
      chain = pr.chain
      begin
        # A chain resolves straight into the sink: the secret stays native.
        ok, value = chain ? [true, chain.send(:resolve, t, sink)] : run_provider(pr, t)
      ensure
        if held
          @lock.lock
          @provider_thread = nil
          @cv.broadcast
        end
      end
      return chain_resolved(pr, *value) if chain

      unless ok
        if Signer.control_flow?(value)
          @escapes[Thread.current] = value # for the signing call to deliver once out of C
        else
          pr.failed(value)
        end
        return FFI::STATUS_MISSING_CREDENTIALS
      end
      akid, secret, token, exp = value
      mem = credentials_mem(akid, secret, token, exp)
      status = FFI.sigv4rs_credentials_sink_put(sink, mem)
      mem.clear
      if status.zero?
        pr.put(akid, exp)
        @token_guess = [@token_guess, 3 * token.bytesize].max
      else
        pr.failed((STATUS_CLASSES[status] || Error).new(status, 'the credentials provider returned credentials the ' \
                                                                "library refuses: #{Sigv4rs.status_message(status)}"))
      end
      status
    rescue Exception => e # rubocop:disable Lint/RescueException: nothing may reach C
      pr&.failed(e)
      FFI::STATUS_MISSING_CREDENTIALS
    end

    # After a DefaultChain resolve: its status for the library, its error as
    # the provider's failure, its escape for the signing call.
    def chain_resolved(pr, status, err, escape)
      @escapes[Thread.current] = escape if escape
      if status.zero?
        pr.resolved
      else
        pr.failed(err)
      end
      status
    end

    # [true, the provider's credentials] or [false, what it raised], from a
    # thread of its own: threads inherit the signing thread's mask, and the
    # ones the provider starts (Timeout's) could then not be killed: Timeout
    # would wait out its time and raise. A `throw` past the provider becomes
    # an UncaughtThrowError there, a Proc's `return` a LocalJumpError. The
    # signing thread waits in a blocking Fiber (no Fiber scheduler switches
    # away from the library's frames): a Thread#kill waits for the provider;
    # an exception (Thread#raise, a Timeout around the call, Ctrl-C) ends it
    # and is what it raised.
    def run_provider(pr, t)
      worker = Thread.new do
        Thread.handle_interrupt(ANY_INTERRUPT) { [true, pr.fetch(t)] }
      rescue Exception => e # rubocop:disable Lint/RescueException
        [false, e]
      end
      worker.report_on_exception = false
      worker.name = 'sigv4rs credentials provider'
      @provider_worker = worker
      # Exceptions taken inside the Fiber only: there a Timeout 0.2 error
      # cannot throw to its Timeout past the library's frames.
      waiter = Fiber.new(blocking: true) do
        Thread.handle_interrupt(ProviderAdapter::USER_CODE) { worker.join }
        nil
      rescue Exception => e # rubocop:disable Lint/RescueException
        e
      end
      interrupt = waiter.resume
      if interrupt && worker.alive?
        worker.kill
        return [false, interrupt]
      end
      r = worker.value || [false, LocalJumpError.new('the credentials provider ended its thread')]
      return r unless interrupt
      return [false, interrupt] unless r[0]

      @escapes[Thread.current] = interrupt # it came as the provider ended: its set stands
      r
    ensure
      @provider_worker = nil
    end

    # What the provider raised that is not its own failure but meant for the
    # code around the signing call: a `throw` past it, Ctrl-C (Interrupt)
    # and other signals, `exit`, and the Timeout around the signing call
    # (Timeout 0.2 raises its own Timeout::Error; later ones ExitException).
    # The signing call delivers it once out of C (#deliver_escape).
    def self.control_flow?(err)
      case err
      when UncaughtThrowError, SignalException, SystemExit then true
      else
        return false unless defined?(::Timeout)
        return true if defined?(::Timeout::ExitException) && err.is_a?(::Timeout::ExitException)

        err.is_a?(::Timeout::Error) && err.respond_to?(:thread) && err.thread.equal?(Thread.current)
      end
    end

    # The C call of a signer with a provider (the block), async interrupts
    # deferred until it returns (NO_INTERRUPTS); then the control flow the
    # provider interrupted goes on: the throw thrown again, the exception
    # raised again.
    def guarded(&blk)
      Thread.handle_interrupt(NO_INTERRUPTS, &blk)
    ensure
      deliver_escape unless @escapes.empty?
    end

    def deliver_escape
      e = @escapes.delete(Thread.current) or return
      throw e.tag, e.value if e.is_a?(UncaughtThrowError)
      raise e # a Timeout 0.2 error throws itself to its Timeout again
    end

    # Raises `e`; a missing or expired credentials error of a signer whose
    # provider failed has that failure as its #cause, and says so.
    def raise_status(e)
      cause = @provider&.error if CREDENTIAL_STATUSES.include?(e.code)
      raise e unless cause

      # A chain's error says why in words that hold no secret (last_error).
      why = if @provider.chain
              "the default credential chain failed: #{cause.message}"
            else
              "the credentials provider failed: #{cause.class}"
            end
      raise e.class.new(e.code, "#{e.message} (#{why}; see #cause)"), cause: cause
    end

    # Signs the seed request into `state` (a fresh or a spent one); returns
    # the headers to send. ChunkedEncoder#rewind calls it again.
    def begin_chunked(method, url, pairs, time, stream, state)
      header_hash(call(:sigv4rs_chunked_begin, method, url, '', '', '', pairs, FFI::PAYLOAD_MODE_AUTO, '',
                       time, [stream, state]))
    end

    # Output text: UTF-8 when it is (a URL with raw UTF-8 stays readable),
    # else binary.
    def text(bytes)
      s = bytes.force_encoding(Encoding::UTF_8)
      s.valid_encoding? ? s : s.force_encoding(Encoding::BINARY)
    end

    def header_hash(out)
      h = {}
      text(out).split("\0").each do |line|
        name, value = line.split(': ', 2)
        h[name] = value
      end
      h
    end
  end
end
