# frozen_string_literal: true

require 'net/http'
require 'uri'

module Sigv4rs
  # Signing Net::HTTP requests in place.
  module NetHTTP
    module_function

    # Signs `request` (a Net::HTTPRequest) with `signer` and sets the
    # resulting headers on it. `uri` (URI or String) gives scheme, host and
    # port; it defaults to the URI the request was made with. The request
    # target signed is `request.path`, exactly as Net::HTTP sends it.
    #
    # Headers present now are signed, as Net::HTTP will write them (repeated
    # fields joined with ", "), so Net::HTTP's defaults set at creation
    # (Accept, Accept-Encoding; User-Agent is never signed) are covered.
    # Headers Net::HTTP adds later (Connection, Content-Length,
    # Content-Type default) are not signed. The host is signed from `uri`,
    # lower-cased, and the Host header is set to what was signed, so the
    # wire carries it; a Host header the caller set is signed as given.
    #
    # The body is `request.body`, or `request.body_stream` (hashed, then
    # rewound), unless `payload_hash:` or `unsigned_payload: true` is given.
    def sign!(signer, uri, request, payload_hash: nil, unsigned_payload: false, time: Time.now)
      url, own_host = prepare(signer, uri, request)
      body = nil
      if payload_hash.nil? && !unsigned_payload
        body = request.body || request.body_stream
        body = nil if body.is_a?(String) && body.empty?
      end
      added = relocating(request, own_host) do
        signer.sign_request(
          http_method: request.method, url: url, headers: wire_headers(request, own_host), body: body,
          payload_hash: payload_hash, unsigned_payload: unsigned_payload, time: time
        )
      end
      added.each { |name, value| request[name] = value }
      request
    end

    # Signs `request` (a PUT) for an aws-chunked upload of `size` bytes read
    # from `body` (an IO or a String), sets the seed headers on it and its
    # body_stream to the returned Sigv4rs::ChunkedEncoder. The request's
    # headers are signed as in #sign!, and Content-Length (the encoded
    # length) is among them, so Net::HTTP sends no Transfer-Encoding. A
    # missing Content-Type is set to application/octet-stream first, so
    # Net::HTTP adds no unsigned form type. Set `http.max_retries = 0`: a
    # retry would resend a half-read stream.
    def sign_streaming!(signer, uri, request, body:, size:, chunk_size: 65_536, mode: :signed, checksum: nil,
                        time: Time.now)
      raise TypeError, 'body must be an IO or a String, got nil' if body.nil?

      url, own_host = prepare(signer, uri, request)
      request['Content-Type'] = 'application/octet-stream' unless request.key?('content-type')
      # Replaced by the seed headers; a chunked transfer would contradict them.
      %w[transfer-encoding content-length].each { |n| request.delete(n) }
      added, encoder = relocating(request, own_host) do
        signer.sign_streaming(
          http_method: request.method, url: url, headers: wire_headers(request, own_host), body: body, size: size,
          chunk_size: chunk_size, mode: mode, checksum: checksum, time: time
        )
      end
      added.each { |name, value| request[name] = value }
      request.body_stream = encoder
      encoder
    end

    # Checks the arguments; returns the URL to sign and whether the Host
    # header is Net::HTTP's (then set from `uri`, and left out of the
    # headers given to the library).
    def prepare(signer, uri, request)
      raise TypeError, "signer must be a Sigv4rs::Signer, got #{signer.class}" unless signer.is_a?(Signer)
      unless request.is_a?(Net::HTTPGenericRequest)
        raise TypeError, "request must be a Net::HTTPRequest, got #{request.class}"
      end

      uri = URI(uri) if uri.is_a?(String)
      uri ||= request.uri
      raise ArgumentError, 'uri is required for a request made from a path' unless uri
      raise ArgumentError, "uri must be an http(s) URI, got #{uri}" unless uri.is_a?(URI::HTTP) && uri.host

      host = uri.host
      host = "[#{host}]" if host.include?(':') && !host.start_with?('[')
      # Net::HTTP writes the host as the URI spells it (`Bucket.S3...`): set
      # at creation, or from the address when sending. The library signs
      # the URL's host lower-cased, as servers compare it, and returns a Host
      # header when that differs; #sign! sets it. A Host the caller set is
      # not Net::HTTP's: it is passed, and signed as given.
      own = !request.key?('host') || net_http_host?(request['host'], uri, host)
      request['host'] = host_header(host, uri) if own
      ["#{uri.scheme}://#{host}:#{uri.port}#{request.path}", own]
    end

    # Whether `value` is the Host Net::HTTP set from `uri` at creation
    # (Ruby 3.1 drops an IPv6 literal's brackets there).
    def net_http_host?(value, uri, host)
      [host_header(uri.hostname, uri), host_header(host, uri)].include?(value)
    end

    # The headers as Net::HTTP will write them; without Host when it is
    # Net::HTTP's own (the library signs the URL's).
    def wire_headers(request, own_host)
      headers = []
      request.each_capitalized do |name, value|
        headers << [name, value] unless own_host && name.casecmp?('host')
      end
      headers
    end
    # Runs the signing call; a header error's index, which counts the
    # headers given to the library, is turned into the request's own
    # (Net::HTTP's order, #each_capitalized), counting the Host left out.
    # The request is unchanged between the two, so both lists agree.
    def relocating(request, own_host)
      yield
    rescue Error => e
      raise unless own_host && e.index

      kept = []
      request.each_capitalized.with_index { |(name, _), i| kept << i unless name.casecmp?('host') }
      e.send(:locate!, e.field, kept.fetch(e.index, e.index), e.offset, e.header_name)
      raise
    end

    private_class_method :prepare, :net_http_host?, :wire_headers, :relocating

    # What Net::HTTP would send itself: the port only when not the default.
    def host_header(host, uri)
      uri.port == uri.default_port ? host : "#{host}:#{uri.port}"
    end
  end
end
