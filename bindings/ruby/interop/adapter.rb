# frozen_string_literal: true

# The Ruby adapter of tests/interop/run.py (protocol: tests/interop/README.md),
# run as `ruby -Ilib interop/adapter.rb` in bindings/ruby. One JSON request a
# line on stdin, one JSON answer a line on stdout: what Sigv4rs::Signer
# produced (ops sign, presign, chunked), what URI.encode_www_form wrote
# (form_encode), or how a request signed by Sigv4rs::NetHTTP and sent with
# Net::HTTP went (roundtrip).

require 'sigv4rs'
require 'json'
require 'net/http'
require 'digest'

module Adapter
  CHUNK = 65_536
  # Byte i of every test object is (i*31+7) % 251: period 251, so any slice
  # is a window into one repeated block.
  PATTERN = (0...251).map { |i| ((i * 31) + 7) % 251 }.pack('C*').freeze
  BLOCK = (PATTERN * ((CHUNK / 251) + 2)).freeze

  # `size` bytes of test data made while read, as the encoder reads them.
  class GenIO
    def initialize(size)
      @size = size
      @pos = 0
    end

    def read(len, buf = nil)
      n = [len, @size - @pos].min
      return nil if n.zero? && len.positive?

      s = Adapter.gen(@pos, n)
      @pos += n
      buf ? buf.replace(s) : s
    end
  end

  module_function

  def gen(off, n)
    out = String.new(capacity: n, encoding: Encoding::BINARY)
    out << BLOCK.byteslice((off + out.bytesize) % 251, [n - out.bytesize, CHUNK].min) while out.bytesize < n
    out
  end

  def signer(q)
    Sigv4rs::Signer.new(access_key_id: q['ak'], secret_access_key: q['sk'], session_token: q['token'],
                        region: q['region'], service: q['service'], s3: q['s3'])
  end

  def body(q)
    q['gen'] ? gen(0, q['gen']) : q.fetch('body', '').b
  end

  # The body, a hash made piece by piece (constant memory), or UNSIGNED-PAYLOAD.
  def payload(q)
    case q['payload']
    when 'unsigned' then { unsigned_payload: true }
    when 'hash'
      h = Sigv4rs::PayloadHasher.new
      (0...q['gen']).step(CHUNK) { |off| h.update(gen(off, [CHUNK, q['gen'] - off].min)) }
      { payload_hash: h.hexdigest }
    else { body: body(q) }
    end
  end

  def sign(s, q)
    added = s.sign_request(http_method: q['method'], url: q['url'], headers: q['headers'], time: q['time'],
                           **payload(q))
    { headers: added.to_a }
  end

  def presign(s, q)
    { url: s.presign_url(http_method: q['method'], url: q['url'], headers: q['headers'], expires_in: q['expires'],
                         time: q['time']) }
  end

  def stream(q)
    { size: q['gen'], chunk_size: q['chunk'], mode: q['mode'].tr('-', '_').to_sym,
      checksum: q['checksum'].empty? ? nil : q['checksum'].to_sym, time: q['time'] }
  end

  def chunked(s, q)
    added, enc = s.sign_streaming(http_method: q['method'], url: q['url'], headers: q['headers'], **stream(q))
    frames = (0...q['gen']).step(q['chunk']).map { |off| enc.sign_chunk(gen(off, [q['chunk'], q['gen'] - off].min)) }
    { headers: added.to_a, frames: (frames << enc.finish).map { |f| f.dup.force_encoding(Encoding::UTF_8) } }
  end

  def form_encode(_s, q)
    { url: "#{q['url']}?#{URI.encode_www_form(q['params'])}" }
  end

  def roundtrip(s, q)
    origin = q['url'][%r{\A[a-z]+://[^/?]+}i]
    uri = URI(origin)
    req = Net::HTTP.const_get(q['method'].capitalize).new(q['url'][origin.size..].then { |t| t.empty? ? '/' : t },
                                                          q['headers'].to_h)
    if q['mode']
      enc = Sigv4rs::NetHTTP.sign_streaming!(s, uri, req, body: GenIO.new(q['gen']), **stream(q))
    else
      req.body = body(q) unless body(q).empty?
      Sigv4rs::NetHTTP.sign!(s, uri, req, time: q['time'])
    end
    http = Net::HTTP.new(uri.host, uri.port)
    http.max_retries = 0 # a retry would resend a half-read stream
    sha = Digest::SHA256.new
    head = +''
    n = 0
    res = http.start do
      http.request(req) do |r|
        r.read_body do |seg|
          sha << seg
          n += seg.bytesize
          head << seg if head.bytesize < 4096
        end
      end
    end
    out = { status: res.code.to_i, length: n, sha256: sha.hexdigest, body: head[0, 4096].force_encoding('UTF-8').scrub,
            rss_kib: File.read('/proc/self/status')[/VmHWM:\s+(\d+)/, 1].to_i }
    enc ? out.merge(sent: enc.pos, declared: req['content-length'].to_i) : out
  end

  OPS = %w[sign presign chunked form_encode roundtrip].freeze

  def main
    $stdout.sync = true
    $stdin.each_line do |line|
      q = JSON.parse(line)
      ans = begin
        raise ArgumentError, "unknown op #{q['op']}" unless OPS.include?(q['op'])

        s = signer(q)
        begin
          send(q['op'], s, q)
        ensure
          s.close
        end
      rescue StandardError => e # a refusal is an answer; run.py judges it
        { error: "#{e.class}: #{e.message}" }
      end
      puts JSON.generate(ans)
    end
  end
end

Adapter.main if $PROGRAM_NAME == __FILE__
