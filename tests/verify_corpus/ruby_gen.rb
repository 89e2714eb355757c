# frozen_string_literal: true

# Ruby aws-sigv4 (Debian ruby-aws-sigv4, pure Ruby) signer of the verifier
# corpus, and re-signer of other signers' header-form lines.
#
#   ruby ruby_gen.rb gen COUNT_PER_FORM < cases.jsonl > ruby.jsonl
#   ruby ruby_gen.rb resign < other.jsonl   (one JSON summary line)
#
# Aws::Sigv4::Signer#sign_request (the time through an X-Amz-Date header,
# which the gem reads) and #presign_url (time:, expires_in:). S3-style:
# uri_escape_path: false, apply_checksum_header: true, normalize_path:
# false, presigned with body_digest: 'UNSIGNED-PAYLOAD'; other services:
# uri_escape_path: true, normalize_path: true (the pure-Ruby signer ignores
# it: it never normalizes, so those paths have no dot or empty segments),
# apply_checksum_header from the input. User-Agent is an unsigned header.
#
# The gem takes a Hash of headers: names repeated (in any case) are given
# once, their trimmed values joined with ',' (what SigV4 signs and what the
# request then carries).

require 'aws-sigv4'
require 'digest'
require 'json'

module Aws
  module Sigv4
    # Keep the canonical request the signer computed (presign_url does not
    # return it).
    class Signer
      attr_reader :last_canonical_request

      alias corpus_canonical_request canonical_request
      private :corpus_canonical_request

      def canonical_request(*args)
        @last_canonical_request = corpus_canonical_request(*args)
      end
      private :canonical_request
    end
  end
end

module Corpus
  module_function

  def amz_date(t) = Time.at(t).utc.strftime('%Y%m%dT%H%M%SZ')

  # [[name, value], ...] -> [[first spelling, joined value], ...]
  def group(headers)
    order = []
    by = {}
    headers.each do |n, v|
      k = n.downcase
      unless by.key?(k)
        order << k
        by[k] = [n, []]
      end
      by[k][1] << v
    end
    order.map do |k|
      n, vs = by[k]
      [n, vs.size == 1 ? vs[0] : vs.map(&:strip).join(',')]
    end
  end

  def signer_for(c, s3, checksum)
    creds = { access_key_id: c['access_key_id'], secret_access_key: c['secret_access_key'] }
    creds[:session_token] = c['session_token'] if c['session_token']
    Aws::Sigv4::Signer.new(
      service: c['service'], region: c['region'], **creds,
      uri_escape_path: !s3, apply_checksum_header: s3 || checksum, normalize_path: !s3,
      unsigned_headers: ['user-agent']
    )
  end

  def sign(c)
    s3 = c['s3']
    body = [c['body_hex']].pack('H*')
    url = "#{c['scheme']}://#{c['host']}#{c['path']}"
    url += "?#{c['query']}" unless c['query'].empty?
    headers = group(c['headers'])
    # A whole-quoted value keeps its inner runs in the gem (README).
    return nil if headers.any? { |_, v| v.match?(/^".*"$/) && v.match?(/\s\s/) }

    signer = signer_for(c, s3, c['checksum_header'])
    line = { 'signer' => 'ruby', 'form' => c['form'], 's3' => s3, 'method' => c['method'] }
    if c['form'] == 'header'
      hs = headers.dup
      hs << ['X-Amz-Content-Sha256', 'UNSIGNED-PAYLOAD'] if s3 && c['unsigned_payload']
      hs << ['X-Amz-Date', amz_date(c['time'])]
      sig = signer.sign_request(http_method: c['method'], url: url, headers: hs.to_h, body: body)
      have = hs.map { |n, _| n.downcase }
      out = [['host', sig.headers['host']]] + hs
      sig.headers.each { |n, v| out << [n, v] unless have.include?(n) || n == 'host' }
      line['url'] = url
      payload = sig.content_sha256
    else
      opts = { http_method: c['method'], url: url, headers: headers.to_h, expires_in: c['expires'],
               time: Time.at(c['time']) }
      if s3
        opts[:body_digest] = 'UNSIGNED-PAYLOAD'
      else
        opts[:body] = body
      end
      uri = signer.presign_url(opts)
      out = [['host', signer.send(:host, uri)]] + headers
      line['url'] = uri.to_s
      payload = s3 ? 'UNSIGNED-PAYLOAD' : Digest::SHA256.hexdigest(body)
    end
    out << ['Content-Length', body.bytesize.to_s] unless body.empty?
    line.merge(
      'headers' => out, 'body_hex' => c['body_hex'],
      'access_key_id' => c['access_key_id'], 'secret_access_key' => c['secret_access_key'],
      'session_token' => c['session_token'], 'region' => c['region'], 'service' => c['service'],
      'time' => c['time'], 'expires' => c['expires'], 'id' => c['id'],
      'signed_payload' => payload, 'canonical_request' => signer.last_canonical_request
    )
  end

  def gen(want)
    done = Hash.new(0)
    rejected = 0
    $stdin.each_line do |l|
      c = JSON.parse(l)
      next if done[c['form']] >= want

      line = sign(c)
      if line.nil?
        rejected += 1
        next
      end
      $stdout.write(JSON.generate(line), "\n")
      done[c['form']] += 1
    end
    abort "ruby_gen: only #{done}, want #{want} per form" if done.values_at('header', 'query').min < want
    warn "ruby: #{rejected} inputs rejected (whole-quoted values)"
  end

  def auth_signed(auth)
    auth[/SignedHeaders=([^,]*)/, 1].to_s.split(';')
  end

  # Re-signs a header-form line; returns [ours, theirs].
  def resign(l)
    auth = l['headers'].find { |n, _| n.casecmp?('authorization') }&.last.to_s
    signed = auth_signed(auth)
    hs = group(l['headers'].select { |n, _| signed.include?(n.downcase) })
    # apply_checksum_header off: a signed X-Amz-Content-Sha256 is among
    # the headers given (and the gem takes the payload hash from it).
    signer = signer_for(l, l['s3'], false)
    signer.instance_variable_set(:@apply_checksum_header, false)
    sig = signer.sign_request(http_method: l['method'], url: l['url'], headers: hs.to_h,
                              body: [l['body_hex']].pack('H*'))
    [sig.headers['authorization'], auth]
  end

  def resign_all
    res = { 's3' => { 'Checked' => 0, 'Agree' => 0, 'Disagree' => [] },
            'non-s3' => { 'Checked' => 0, 'Agree' => 0, 'Disagree' => [] } }
    $stdin.each_line do |raw|
      l = JSON.parse(raw)
      next unless l['form'] == 'header'

      c = res[l['s3'] ? 's3' : 'non-s3']
      c['Checked'] += 1
      begin
        ours, theirs = resign(l)
      rescue StandardError => e
        ours = "error: #{e.class}"
        theirs = nil
      end
      if ours == theirs
        c['Agree'] += 1
      else
        c['Disagree'] << l['id']
      end
    end
    puts JSON.generate(res)
  end
end

case ARGV
in ['gen', n] then Corpus.gen(Integer(n))
in ['resign'] then Corpus.resign_all
else abort 'usage: ruby ruby_gen.rb gen COUNT_PER_FORM < cases | ruby ruby_gen.rb resign < corpus'
end
