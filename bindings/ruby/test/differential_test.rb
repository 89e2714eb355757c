# frozen_string_literal: true

require_relative 'test_helper'
require 'aws-sigv4'
require 'digest'

# Seeded random requests signed by the binding and by Debian's ruby-aws-sigv4
# (Aws::Sigv4::Signer, pure Ruby: aws-crt is not installed): identical
# canonical requests and signatures required, in header mode and presigned.
#
# Inputs stay inside what both define the same way. Where the gem differs
# on purpose or by limitation, the mapping below says so and
# differences_test.rb shows each difference on a concrete request:
# * gem option mapping: S3 / single_encode_path -> uri_escape_path: false;
#   S3 or content_sha256_header -> apply_checksum_header: true; the lib's
#   never-signed headers are passed as the gem's unsigned_headers.
# * the gem takes a Hash, so repeated headers go to it as one value, each
#   trimmed, joined with ',' (what the lib and the SigV4 spec do).
# * the gem takes the time from an X-Amz-Date header (header mode) or
#   `time:` (presign); the lib from `time:`.
# * paths: the gem never normalizes, so non-S3 requests with normalization
#   on have no `.`, `..` or empty segments; S3 and single-encoded paths are
#   written in canonical form (the gem signs them as written).
# * queries are written in canonical form (the gem does not re-encode) but
#   for raw `+`, and a repeated key never has an empty value (the gem's sort
#   raises then).
# * hosts may have upper-case letters. The gem signs the URL as written, so
#   it gets the request as a server reads it (server_url): the host
#   lower-cased, and `+` in the query as `%20` (a space).
# * a quoted header value ("...") is never the whole value with inner
#   whitespace runs (the gem keeps those verbatim).
# * unsigned_session_token is not compared (the pure-Ruby gem has no
#   omit_session_token).
class DifferentialTest < Minitest::Test
  SEED = Integer(ENV.fetch('DIFF_SEED', '20260514'))
  COUNT = Integer(ENV.fetch('DIFF_N', '1000'))

  LIB_UNSIGNED = %w[authorization connection expect keep-alive proxy-authenticate proxy-authorization te
                    trailer transfer-encoding upgrade user-agent x-amzn-trace-id].freeze
  UNRESERVED = [*'a'..'z', *'A'..'Z', *'0'..'9', '-', '.', '_', '~'].freeze
  RESERVED = " !\"#$%&'()*+,/:;<=>?@[\\]^`{|}".chars.freeze
  NON_ASCII = %w[é ሴ 😀 ü].freeze
  SUB_DELIMS = "!$&'()*+,;=:@".chars.freeze
  HOSTS = %w[example.amazonaws.com examplebucket.s3.amazonaws.com s3.eu-west-1.amazonaws.com
             Search-Domain.US-West-2.es.amazonaws.com localhost 127.0.0.1 [::1] [2001:db8::7]
             my-host_1.internal ExampleBucket.S3.amazonaws.com LOCALHOST [2001:DB8::7A] My-Host_1.Internal].freeze
  HEADER_NAMES = %w[Content-Type content-type x-amz-meta-color X-Amz-Meta-Color x-custom X-CUSTOM Accept Range
                    If-Match x-amz-acl x-amz-storage-class Cache-Control Content-MD5 x-amz-meta-a_b
                    X-Forwarded-For User-Agent Connection Expect X-Amzn-Trace-Id TE Authorization].freeze
  WORDS = ['a', 'Value', 'café', 'ሴ', 'x=y', 'a,b', '"quoted"', '(paren)', '1;2', 'bytes=0-9',
           'application/json', 'UPPER', '*/*', '%41'].freeze
  SEPS = [' ', '  ', "\t", " \t ", '   '].freeze
  REGIONS = %w[us-east-1 eu-west-1 ap-southeast-2 cn-north-1 us-gov-west-1].freeze
  SERVICES = %w[es execute-api sts lambda service dynamodb aoss].freeze
  METHODS = %w[GET PUT POST DELETE HEAD PATCH OPTIONS].freeze
  B64 = [*'A'..'Z', *'a'..'z', *'0'..'9', '+', '/', '='].freeze

  Case = Struct.new(:s3, :normalize, :single_encode, :content_header, :token, :akid, :secret, :region,
                    :service, :unsigned, :method, :url, :path_empty, :headers, :body, :time, :payload,
                    :expires, :presign_payload, keyword_init: true)

  def pick(rng, list) = list[rng.rand(list.size)]

  def esc(str) = str.bytes.map { |b| format('%%%02X', b) }.join

  # A path segment in canonical form (unreserved + upper-case %XX), plus,
  # when the path is encoded again (non-S3), raw sub-delims and lower-case
  # escapes, which both sides encode once more.
  def segment(rng, double)
    Array.new(1 + rng.rand(10)) do
      r = rng.rand
      if r < 0.7 then pick(rng, UNRESERVED)
      elsif r < 0.8 then esc(pick(rng, RESERVED))
      elsif r < 0.87 then esc(pick(rng, NON_ASCII))
      elsif double && r < 0.95 then pick(rng, SUB_DELIMS)
      elsif double then format('%%%02x', rng.rand(256))
      else pick(rng, UNRESERVED)
      end
    end.join
  end

  def gen_path(rng, c)
    return '' if rng.rand < 0.08

    dots = c.s3 || !c.normalize # the gem never normalizes
    double = !c.s3 && !c.single_encode
    segs = Array.new(rng.rand(6)) do
      if dots && rng.rand < 0.25 then pick(rng, ['.', '..', ''])
      else
        s = segment(rng, double)
        s = "#{s}x" if !dots && ['.', '..'].include?(s)
        s
      end
    end
    path = "/#{segs.join('/')}"
    path += '/' if rng.rand < 0.2 && !path.end_with?('/')
    path
  end

  def query_word(rng)
    Array.new(1 + rng.rand(6)) do
      r = rng.rand
      if r < 0.7 then pick(rng, UNRESERVED)
      elsif r < 0.78 then '+' # a space, as form encoders write it
      elsif r < 0.9 then esc(pick(rng, RESERVED))
      else esc(pick(rng, NON_ASCII))
      end
    end.join
  end

  def gen_query(rng)
    params = []
    rng.rand(7).times do
      k = query_word(rng)
      r = rng.rand
      if r < 0.15 && !params.empty?
        # A repeated key, values not empty (see the class comment).
        prev = pick(rng, params)
        pk = prev.split('=', 2)[0]
        next unless prev.include?('=') && !prev.end_with?('=')

        params << "#{pk}=#{query_word(rng)}"
      elsif r < 0.25 then params << k # ?acl
      elsif r < 0.35 then params << "#{k}="
      else params << "#{k}=#{query_word(rng)}"
      end
    end
    # Every key appears either always with a non-empty value or just once.
    params.group_by { |p| p.split('=', 2)[0] }.each_value do |ps|
      next if ps.size < 2

      ps.each { |p| p << 'v' if !p.include?('=') || p.end_with?('=') }
    end
    params.join('&')
  end

  def header_value(rng)
    return '' if rng.rand < 0.08

    words = Array.new(1 + rng.rand(4)) { pick(rng, WORDS) }
    words << 'end' if words.last.start_with?('"') # see the class comment
    v = words.each_with_index.map { |w, i| i.zero? ? w : pick(rng, SEPS) + w }.join
    v = pick(rng, SEPS) + v if rng.rand < 0.3
    v += pick(rng, SEPS) if rng.rand < 0.3
    v
  end

  def gen_case(rng)
    c = Case.new
    c.s3 = rng.rand < 0.4
    c.normalize = c.s3 || rng.rand < 0.6
    c.single_encode = !c.s3 && rng.rand < 0.15
    c.content_header = !c.s3 && rng.rand < 0.25
    c.token = rng.rand < 0.5 ? Array.new(16 + rng.rand(600)) { pick(rng, B64) }.join : nil
    c.akid = "AKIA#{Array.new(16) { pick(rng, [*'A'..'Z', *'0'..'9']) }.join}"
    c.secret = Array.new(40) { pick(rng, B64) }.join
    c.region = pick(rng, REGIONS)
    c.service = c.s3 ? 's3' : pick(rng, SERVICES)
    c.unsigned = rng.rand < 0.2 ? Array.new(1 + rng.rand(2)) { pick(rng, %w[x-custom X-Forwarded-For cache-control Range]) }.uniq : []
    c.method = pick(rng, METHODS)
    scheme = rng.rand < 0.75 ? 'https' : 'http'
    port = case rng.rand
           when 0...0.6 then ''
           when 0.6...0.7 then scheme == 'https' ? ':443' : ':80'
           else ":#{1 + rng.rand(65_535)}"
           end
    path = gen_path(rng, c)
    c.path_empty = path.empty?
    query = rng.rand < 0.6 ? gen_query(rng) : ''
    c.url = "#{scheme}://#{pick(rng, HOSTS)}#{port}#{path}#{query.empty? ? '' : "?#{query}"}"
    c.headers = Array.new(rng.rand(7)) { [pick(rng, HEADER_NAMES), header_value(rng)] }
    if rng.rand < 0.1
      c.headers << [pick(rng, %w[Host host HOST]), " #{pick(rng, %w[other.example.com Other.Example.COM])}:#{1 + rng.rand(9999)} "]
    end
    sha_header = rng.rand < 0.15
    if sha_header
      c.headers.insert(rng.rand(c.headers.size + 1),
                       ['x-amz-content-sha256', pick(rng, [Digest::SHA256.hexdigest(rng.bytes(8)), 'UNSIGNED-PAYLOAD',
                                                           'STREAMING-UNSIGNED-PAYLOAD-TRAILER'])])
    end
    c.body = rng.rand < 0.5 ? nil : rng.bytes(rng.rand(300))
    c.time = 946_684_800 + rng.rand(946_771_200) # 2000 .. 2030
    # A caller x-amz-content-sha256 header is the payload hash in AUTO mode
    # for both; the other modes are tried only without one.
    c.payload = if sha_header then :auto
                else
                  r = rng.rand
                  if r < 0.2 then :hash
                  elsif r < 0.35 && (c.s3 || c.content_header) then :unsigned
                  else :auto
                  end
                end
    c.expires = 1 + rng.rand(604_800)
    c.presign_payload = sha_header ? :auto : pick(rng, %i[auto auto digest unsigned])
    c
  end

  def lib_signer(c)
    Sigv4rs::Signer.new(access_key_id: c.akid, secret_access_key: c.secret, session_token: c.token,
                        region: c.region, service: c.service, s3: c.s3, normalize_path: c.normalize,
                        single_encode_path: c.single_encode, content_sha256_header: c.content_header,
                        unsigned_headers: c.unsigned)
  end

  def gem_signer(c)
    Aws::Sigv4::Signer.new(access_key_id: c.akid, secret_access_key: c.secret, session_token: c.token,
                           region: c.region, service: c.service, uri_escape_path: !(c.s3 || c.single_encode),
                           apply_checksum_header: c.s3 || c.content_header,
                           unsigned_headers: LIB_UNSIGNED + c.unsigned)
  end

  # The gem's Hash: one entry per name, repeated values trimmed and joined
  # with ','.
  def gem_headers(pairs)
    h = {}
    pairs.each do |n, v|
      k = n.downcase
      v = v.gsub(/\A[ \t]+|[ \t]+\z/, '')
      h[k] = h.key?(k) ? "#{h[k]},#{v}" : v
    end
    h
  end

  def amz_date(t) = Time.at(t).utc.strftime('%Y%m%dT%H%M%SZ')

  # The URL as a server reads it (see the class comment): the host
  # lower-cased, a raw `+` in the query `%20`.
  def server_url(url)
    scheme, rest = url.split('://', 2)
    authority = rest[%r{\A[^/?]*}]
    base, query = (authority.downcase + rest[authority.size..]).split('?', 2)
    "#{scheme}://#{base}#{query ? "?#{query.gsub('+', '%20')}" : ''}"
  end

  def mixed_case_host?(c) = c.url[%r{://([^/?]*)}, 1].match?(/[A-Z]/)

  def explicit_host?(c) = c.headers.any? { |n, _| n.casecmp?('host') }

  def query_of(url) = (url.to_s.split('?', 2)[1] || '').split('&').tally

  def check_header_mode(c, lib, gem)
    args = { http_method: c.method, url: c.url, headers: c.headers, time: c.time }
    gh = gem_headers(c.headers).merge('x-amz-date' => amz_date(c.time))
    case c.payload
    when :hash
      args[:payload_hash] = Digest::SHA256.hexdigest(c.body.to_s)
      args[:payload_hash] = args[:payload_hash].upcase if c.time.odd?
    when :unsigned
      args[:unsigned_payload] = true
      gh['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD'
    else args[:body] = c.body
    end
    g = gem.sign_request(http_method: c.method, url: server_url(c.url), headers: gh, body: c.body)
    creq = lib.canonical_request(**args)
    return "canonical request\n--- gem\n#{g.canonical_request}\n--- lib\n#{creq}" unless creq == g.canonical_request

    out = lib.sign_request(**args)
    gem_out = g.headers
    # Host is returned (compared with the gem's below) when the URL's host
    # needs lower-casing and no Host header was given.
    want_host = mixed_case_host?(c) && !explicit_host?(c)
    return "Host returned: #{out['Host'].inspect}, want one: #{want_host}" unless out.key?('Host') == want_host

    out.each do |n, v|
      return "header #{n}: gem #{gem_out[n.downcase].inspect}, lib #{v.inspect}" unless gem_out[n.downcase] == v
    end
    # The gem also returns host and echoes a caller's x-amz-content-sha256.
    extra = gem_out.keys - out.keys.map(&:downcase) - ['host']
    extra -= ['x-amz-content-sha256'] if gh['x-amz-content-sha256'] == gem_out['x-amz-content-sha256']
    return "gem returned more headers: #{extra}" unless extra.empty?

    nil
  end

  def check_presign(c, lib, gem)
    lib_args = { http_method: c.method, url: c.url, headers: c.headers, expires_in: c.expires, time: c.time }
    gem_args = { http_method: c.method, url: server_url(c.url), headers: gem_headers(c.headers), expires_in: c.expires,
                 time: Time.at(c.time) }
    case c.presign_payload
    when :digest
      d = Digest::SHA256.hexdigest(c.body.to_s)
      lib_args[:body_digest] = gem_args[:body_digest] = d
    when :unsigned
      lib_args[:body_digest] = gem_args[:body_digest] = 'UNSIGNED-PAYLOAD'
    else
      lib_args[:body] = c.body
      # S3 presigns UNSIGNED-PAYLOAD by default in the lib; the gem needs it
      # said (aws-sdk-s3's presigner does), unless a header gives the hash.
      if c.s3 && !c.headers.any? { |n, _| n.casecmp?('x-amz-content-sha256') }
        gem_args[:body_digest] = 'UNSIGNED-PAYLOAD'
      else
        gem_args[:body] = c.body
      end
    end
    url = lib.presign_url(**lib_args)
    gurl = gem.presign_url(**gem_args).to_s
    lq = query_of(url)
    gq = query_of(gurl)
    return "presigned query\n--- gem\n#{gurl}\n--- lib\n#{url}" unless lq == gq

    # The caller's parameters first, in their order, as signed.
    callers = ->(u) { u[/\?(.*?)X-Amz-Algorithm=/, 1] }
    return "presigned caller query\n--- gem\n#{gurl}\n--- lib\n#{url}" unless callers.(url) == callers.(gurl)

    base = server_url(c.url).split('?', 2)[0]
    base += '/' if c.path_empty
    return "presigned URL base: #{url}" unless url.start_with?("#{base}?")

    nil
  end

  def test_against_aws_sigv4
    rng = Random.new(SEED)
    failures = []
    stats = Hash.new(0)
    COUNT.times do |i|
      c = gen_case(rng)
      stats[c.s3 ? :s3 : :other] += 1
      stats[:token] += 1 if c.token
      stats[:repeated] += 1 if c.headers.map { |n, _| n.downcase }.uniq.size < c.headers.size
      stats[:plus] += 1 if c.url.split('?', 2)[1].to_s.include?('+')
      stats[:mixed_host] += 1 if mixed_case_host?(c)
      lib = lib_signer(c)
      gem = gem_signer(c)
      if (why = check_header_mode(c, lib, gem))
        failures << "##{i} header mode #{c.to_h}\n#{why}"
      else
        stats[:header] += 1
      end
      if (why = check_presign(c, lib, gem))
        failures << "##{i} presign #{c.to_h}\n#{why}"
      else
        stats[:presign] += 1
      end
      lib.close
    end
    Summary << "ruby differential vs aws-sigv4 #{Aws::Sigv4::VERSION} (seed #{SEED}): #{COUNT} requests " \
               "(#{stats[:s3]} S3, #{stats[:other]} other, #{stats[:token]} with token, " \
               "#{stats[:repeated]} with repeated headers, #{stats[:plus]} with + in the query, " \
               "#{stats[:mixed_host]} with a mixed-case host): header #{stats[:header]}/#{COUNT}, " \
               "presign #{stats[:presign]}/#{COUNT} identical"
    assert_empty failures, "#{failures.size} mismatches; first:\n#{failures.first(3).join("\n\n")}"
  end
end
