# frozen_string_literal: true

require 'stringio'
require 'tempfile'

module Sigv4rs
  # Rack support (the plain Rack protocol: no rack gem needed).
  module Rack
    # Middleware that lets through only requests signed with SigV4 (header
    # form or presigned) by a key your lookup knows:
    #
    #   use Sigv4rs::Rack::Verify, region: 'us-east-1', service: 's3', s3: true do |access_key_id|
    #     KEYS[access_key_id] # secret, [secret, token] or nil
    #   end
    #
    # (or `verifier:` a Sigv4rs::Verifier). The request is rebuilt from the
    # env as received (REQUEST_URI, else SCRIPT_NAME + PATH_INFO +
    # QUERY_STRING; HTTP_* back to header names) and verified, then the
    # whole body is read and checked (its x-amz-content-sha256, or every
    # aws-chunked chunk and trailer signature) before the app is called with
    # `rack.input` the verified payload (in memory up to `memory_limit`
    # bytes, else a Tempfile), CONTENT_LENGTH its size, and
    # `env['sigv4rs.result']` the VerifyResult. A refused request gets an
    # S3-style XML error and never reaches the app: 403 (500 when the
    # lookup failed, 400 for a body that does not match what was signed,
    # 413 over `max_body` bytes).
    #
    # Header names with `_` cannot be told from `-` in a Rack env, and
    # servers join repeated headers with ", ": such requests may fail.
    class Verify
      RESULT_KEY = 'sigv4rs.result'
      READ_SIZE = 65_536

      # S3's error code and HTTP status for a few statuses; others: 403
      # AccessDenied.
      CODES = {
        SIGNATURE_MISMATCH: ['SignatureDoesNotMatch', 403],
        CHUNK_SIGNATURE_MISMATCH: ['SignatureDoesNotMatch', 403],
        UNKNOWN_ACCESS_KEY: ['InvalidAccessKeyId', 403],
        CLOCK_SKEW: ['RequestTimeTooSkewed', 403],
        TOKEN_MISMATCH: ['InvalidToken', 403],
        MISSING_AUTHORIZATION: ['AccessDenied', 403],
        MALFORMED_AUTHORIZATION: ['AuthorizationHeaderMalformed', 403],
        MALFORMED_CREDENTIAL: ['AuthorizationHeaderMalformed', 403],
        WRONG_REGION: ['AuthorizationHeaderMalformed', 403],
        MALFORMED_QUERY_AUTH: ['AuthorizationQueryParametersError', 403],
        LOOKUP_FAILED: ['InternalError', 500],
        PAYLOAD_MISMATCH: ['XAmzContentSHA256Mismatch', 400],
        INCOMPLETE_PAYLOAD: ['IncompleteBody', 400],
        CHECKSUM_MISMATCH: ['BadDigest', 400],
        MALFORMED_CHUNK: ['InvalidRequest', 400],
        CHUNK_TOO_SMALL: ['InvalidRequest', 400],
        MALFORMED_TRAILER: ['InvalidRequest', 400],
        DECODED_LENGTH_MISMATCH: ['IncompleteBody', 400]
      }.each_with_object({}) do |(name, v), h|
        code = FFI::STATUS[name]
        h[code] = v.freeze if code # a status the loaded library lacks is never returned
      end.freeze
      SKIP_HEADERS = %w[HTTP_VERSION HTTP_CONTENT_TYPE HTTP_CONTENT_LENGTH].freeze
      # scheme://authority of an absolute-form REQUEST_URI.
      ABSOLUTE = %r{\A[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*}.freeze
      private_constant :READ_SIZE, :CODES, :SKIP_HEADERS, :ABSOLUTE

      # `memory_limit`: bodies longer are kept in a Tempfile. `max_body`:
      # the longest body accepted (413 beyond). `clock`: the server's time
      # (a callable returning a Time). Other options and the block make the
      # Verifier when `verifier` is not given.
      def initialize(app, verifier: nil, memory_limit: 1 << 20, max_body: 1 << 30, clock: Time.method(:now), **opts,
                     &lookup)
        @app = app
        @verifier = verifier || Verifier.new(**opts, &lookup)
        raise ArgumentError, 'give verifier: or the Verifier options, not both' if verifier && (lookup || opts.any?)

        @memory_limit = memory_limit
        @max_body = max_body
        @clock = clock
      end

      def call(env)
        method, target, headers = Verify.request(env)
        now = @clock.call
        begin
          # A declared length over the limit: refused before reading.
          raise TooLarge if env['CONTENT_LENGTH'].to_s.match?(/\A\d+\z/) && env['CONTENT_LENGTH'].to_i > @max_body

          body, result = verified_body(env, method, target, headers, now)
        rescue VerificationError => e
          return Verify.error_response(e.code, e.message)
        rescue TooLarge
          return Verify.error_response(nil, "the body is over #{@max_body} bytes", 'EntityTooLarge', 413)
        end
        env['rack.input'] = body
        env['CONTENT_LENGTH'] = body.size.to_s
        Verify.drop_aws_chunked(env)
        env[RESULT_KEY] = result
        respond(env, body)
      end

      # [method, request target, [[name, value], ...]] from a Rack env.
      def self.request(env)
        headers = []
        env.each do |k, v|
          next unless k.start_with?('HTTP_') && !SKIP_HEADERS.include?(k) && v.is_a?(String)

          headers << [k[5..].tr('_', '-').downcase, raw(v)]
        end
        ct = env['CONTENT_TYPE']
        cl = env['CONTENT_LENGTH']
        headers << ['content-type', raw(ct)] if ct.is_a?(String)
        headers << ['content-length', raw(cl)] if cl.is_a?(String) && !cl.empty?
        [env['REQUEST_METHOD'].to_s, raw(target(env)), headers]
      end

      # The bytes as received: a server may tag them UTF-8 when they are
      # not; the library judges them.
      def self.raw(s)
        s.ascii_only? ? s : s.b
      end

      # The request target as received: REQUEST_URI (an absolute form
      # loses its scheme and authority), else the parts Rack splits it in.
      def self.target(env)
        uri = env['REQUEST_URI']
        if uri.is_a?(String) && !uri.empty?
          return uri if uri.start_with?('/')

          if (m = uri.match(ABSOLUTE))
            rest = m.post_match
            return rest.start_with?('/') ? rest : "/#{rest}"
          end
        end
        path = "#{env['SCRIPT_NAME']}#{env['PATH_INFO']}"
        path = '/' if path.empty?
        q = env['QUERY_STRING'].to_s
        q.empty? ? path : "#{path}?#{q}"
      end

      # An S3-style error response; never the secret (the status's static
      # message only).
      def self.error_response(code, message, s3_code = nil, http = nil)
        s3_code, http = CODES.fetch(code, ['AccessDenied', 403]) unless s3_code
        xml = +%(<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>#{s3_code}</Code>)
        xml << "<Message>#{xml_escape(message)}</Message></Error>\n"
        [http, { 'content-type' => 'application/xml', 'content-length' => xml.bytesize.to_s }, [xml]]
      end

      def self.xml_escape(s)
        s.gsub(/[&<>"']/, '&' => '&amp;', '<' => '&lt;', '>' => '&gt;', '"' => '&quot;', "'" => '&apos;')
      end

      # The app sees the payload: `aws-chunked` is no longer its encoding.
      def self.drop_aws_chunked(env)
        ce = env['HTTP_CONTENT_ENCODING'] or return
        rest = ce.split(',').map(&:strip).reject { |x| x.casecmp?('aws-chunked') }
        rest.empty? ? env.delete('HTTP_CONTENT_ENCODING') : env['HTTP_CONTENT_ENCODING'] = rest.join(', ')
      end

      private

      # Over max_body.
      class TooLarge < StandardError; end
      private_constant :TooLarge

      # [the verified payload (an IO at 0), VerifyResult]: the headers
      # verified first, then the whole body read through the body verifier;
      # a body whose hash only the signature covers (non-S3 services
      # without x-amz-content-sha256) is hashed as read, then verified.
      def verified_body(env, method, target, headers, now)
        input = env['rack.input']
        begin
          bv = @verifier.begin(method: method, url: target, headers: headers, now: now)
        rescue PayloadRequiredError
          hasher = PayloadHasher.new
          body = read_body(input) do |s|
            hasher.update(s)
            s
          end
          ok = false
          begin
            result = @verifier.verify(method: method, url: target, headers: headers, body_sha256: hasher.hexdigest,
                                      now: now)
            ok = true
          ensure
            discard(body) unless ok
          end
          return [body, result]
        end
        ok = false
        begin
          body = read_body(input) { |s| bv.update(s) }
          result = bv.finish
          ok = true
        ensure
          discard(body) unless ok
        end
        [body, result]
      end

      # Reads `input` to its end into a StringIO, or a Tempfile past
      # memory_limit, keeping what the block returns for each piece.
      def read_body(input)
        out = StringIO.new(String.new(encoding: Encoding::BINARY))
        total = 0
        buf = String.new(capacity: READ_SIZE, encoding: Encoding::BINARY)
        while input && (piece = input.read(READ_SIZE, buf))
          total += piece.bytesize
          raise TooLarge if total > @max_body

          data = yield piece
          out = spill(out) if out.is_a?(StringIO) && out.size + data.bytesize > @memory_limit
          out.write(data) unless data.empty?
        end
        out.rewind
        out
      rescue StandardError
        discard(out)
        raise
      end

      def spill(io)
        t = Tempfile.new('sigv4rs-body')
        t.binmode
        t.unlink # gone from the file system; closed with the response body
        t.write(io.string)
        t
      end

      def discard(body)
        body.close! if body.is_a?(Tempfile)
      end

      # Calls the app; a Tempfile body is closed when the response body is.
      def respond(env, body)
        status, headers, rbody = @app.call(env)
        return [status, headers, rbody] unless body.is_a?(Tempfile)

        [status, headers, ClosingBody.new(rbody, body)]
      rescue StandardError
        discard(body)
        raise
      end

      # The response body, closing the Tempfile with it.
      class ClosingBody
        def initialize(body, file)
          @body = body
          @file = file
        end

        def each(&blk)
          @body.each(&blk)
        end

        def close
          @body.close if @body.respond_to?(:close)
        ensure
          @file.close!
        end

        def respond_to_missing?(name, priv = false)
          name != :to_ary && @body.respond_to?(name, priv)
        end

        def method_missing(name, *args, &blk)
          return super if name == :to_ary || !@body.respond_to?(name)

          @body.public_send(name, *args, &blk)
        end
      end
    end
  end
end
