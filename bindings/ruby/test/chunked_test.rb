# frozen_string_literal: true

require_relative 'test_helper'
require 'base64'
require 'digest'
require 'net/http'
require 'openssl'
require 'stringio'
require 'zlib'

# aws-chunked streaming (Signer#sign_streaming, ChunkedEncoder): the two AWS
# S3 documentation examples byte for byte, edge sizes in every mode checked
# against an independent re-computation (OpenSSL HMAC, Zlib, a CRC32C
# table), the IO contract Net::HTTP relies on, and the misuse errors.
class ChunkedTest < Minitest::Test
  extend CountPasses
  summary_key :chunked

  DOC_TIME = Time.utc(2013, 5, 24)
  DOC_AKID = 'AKIAIOSFODNN7EXAMPLE'
  DOC_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
  DOC_URL = 'https://s3.amazonaws.com/examplebucket/chunkObject.txt'
  DOC_HEADERS = { 'x-amz-storage-class' => 'REDUCED_REDUNDANCY' }.freeze
  SCOPE = '20130524/us-east-1/s3/aws4_request'
  EMPTY_SHA = Digest::SHA256.hexdigest('')

  def doc_signer(**kw)
    Sigv4rs::Signer.new(access_key_id: DOC_AKID, secret_access_key: DOC_SECRET, region: 'us-east-1',
                        service: 's3', s3: true, **kw)
  end

  def setup
    @s = doc_signer
  end

  def teardown
    @s.close
  end

  def chunk_sigs(body)
    body.scan(/chunk-signature=(\h{64})/).flatten
  end

  # Byte i is (i*31+7) % 256, as in tests/chunked.rs.
  def data(len)
    (0...len).map { |i| ((i * 31) + 7) & 255 }.pack('C*')
  end

  def test_aws_documentation_streaming_example
    headers, enc = @s.sign_streaming(url: DOC_URL, headers: DOC_HEADERS, size: 66_560, body: 'a' * 66_560,
                                     chunk_size: 65_536, mode: :signed, time: DOC_TIME)
    assert_equal '66824', headers['Content-Length']
    assert_equal '66560', headers['X-Amz-Decoded-Content-Length']
    assert_equal 'aws-chunked', headers['Content-Encoding']
    assert_equal 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', headers['X-Amz-Content-SHA256']
    assert_equal '20130524T000000Z', headers['X-Amz-Date']
    assert_nil headers['X-Amz-Trailer']
    assert_equal "AWS4-HMAC-SHA256 Credential=#{DOC_AKID}/#{SCOPE}, SignedHeaders=content-encoding;content-length;" \
                 'host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class, ' \
                 'Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9',
                 headers['Authorization']
    assert_same headers, enc.headers
    body = enc.read
    assert_equal %w[ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648
                    0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497
                    b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9], chunk_sigs(body)
    want = "10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n" \
           "#{'a' * 65_536}\r\n400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n" \
           "#{'a' * 1024}\r\n0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n"
    assert body == want.b, 'body differs from the documentation' # not assert_equal: no 66 KB diff
    assert_equal Encoding::BINARY, body.encoding
    assert_equal [66_824, 66_824, 66_824], [body.bytesize, enc.encoded_length, enc.pos]
    assert enc.eof?
  end

  def test_aws_documentation_trailer_example
    # That example does not sign Content-Length.
    s = doc_signer(unsigned_headers: ['content-length'])
    headers, enc = s.sign_streaming(url: DOC_URL, headers: DOC_HEADERS, size: 66_560, body: StringIO.new('a' * 66_560),
                                    mode: :signed_trailer, checksum: :crc32c, time: DOC_TIME)
    assert_equal 'x-amz-checksum-crc32c', headers['X-Amz-Trailer']
    assert_equal 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER', headers['X-Amz-Content-SHA256']
    assert headers['Authorization'].end_with?(
      'Signature=106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e'
    ), headers.inspect
    refute_includes headers['Authorization'][/SignedHeaders=([^,]*)/, 1].split(';'), 'content-length'
    body = enc.read
    assert_equal %w[b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2
                    1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7
                    2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992], chunk_sigs(body)
    assert body.end_with?("\r\nx-amz-checksum-crc32c:sOO8/Q==\r\n" \
                          "x-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435" \
                          "\r\n\r\n"), body[-200..].inspect
    assert_equal enc.encoded_length, body.bytesize
    assert_equal headers['Content-Length'], body.bytesize.to_s
  ensure
    s&.close
  end

  # ---- independent verification of a body

  def hmac(key, msg)
    OpenSSL::HMAC.digest('SHA256', key, msg)
  end

  def signing_key
    %w[us-east-1 s3 aws4_request].reduce(hmac("AWS4#{DOC_SECRET}", '20130524')) { |k, part| hmac(k, part) }
  end

  CRC32C_TABLE = (0..255).map do |n|
    8.times { n = n.odd? ? (n >> 1) ^ 0x82F6_3B78 : n >> 1 }
    n
  end.freeze

  def crc32c(data)
    c = 0xFFFF_FFFF
    data.each_byte { |b| c = CRC32C_TABLE[(c ^ b) & 255] ^ (c >> 8) }
    c ^ 0xFFFF_FFFF
  end

  def checksum(name, data)
    case name
    when 'x-amz-checksum-crc32' then Base64.strict_encode64([Zlib.crc32(data)].pack('N'))
    when 'x-amz-checksum-crc32c' then Base64.strict_encode64([crc32c(data)].pack('N'))
    when 'x-amz-checksum-sha256' then Base64.strict_encode64(Digest::SHA256.digest(data))
    else flunk "unexpected trailer #{name}"
    end
  end

  # Parses an aws-chunked body, checks every signature, the trailer and
  # the chunk sizes; returns the decoded data.
  def verify_body(body, seed, mode, chunk_size)
    key = signing_key
    prev = seed
    out = String.new(encoding: Encoding::BINARY)
    rest = StringIO.new(body)
    sizes = []
    loop do
      line = rest.gets("\r\n") or flunk 'no chunk header'
      size_hex, sig = line.chomp("\r\n").split(';chunk-signature=')
      size = Integer(size_hex, 16)
      sizes << size
      chunk = rest.read(size) || ''
      if mode == :unsigned_trailer
        assert_nil sig
      else
        sts = "AWS4-HMAC-SHA256-PAYLOAD\n20130524T000000Z\n#{SCOPE}\n#{prev}\n#{EMPTY_SHA}\n" \
              "#{Digest::SHA256.hexdigest(chunk)}"
        prev = hmac(key, sts).unpack1('H*')
        assert_equal prev, sig, "signature of chunk #{sizes.size}"
      end
      out << chunk
      break if size.zero?

      assert_equal "\r\n", rest.read(2)
    end
    assert sizes[0...-2].all?(chunk_size), "chunk sizes #{sizes}" # all full but the last data chunk
    tail = rest.read
    if mode == :signed
      assert_equal "\r\n", tail
    else
      lines = tail.split("\r\n", -1)
      trailer = lines.shift
      name, value = trailer.split(':', 2)
      assert_equal checksum(name, out), value, name
      if mode == :signed_trailer
        tsig = lines.shift.delete_prefix('x-amz-trailer-signature:')
        sts = "AWS4-HMAC-SHA256-TRAILER\n20130524T000000Z\n#{SCOPE}\n#{prev}\n#{Digest::SHA256.hexdigest("#{trailer}\n")}"
        assert_equal hmac(key, sts).unpack1('H*'), tsig, 'trailer signature'
      end
      assert_equal ['', ''], lines, 'closing blank line'
    end
    out
  end

  # Sizes 0, 1, chunk size and chunk size + 1 (and a few more) in every
  # mode and checksum: the encoded length is what #read produces, and the
  # body verifies independently.
  def test_edge_sizes_in_every_mode
    combos = [[:signed, nil], [:signed_trailer, :crc32], [:signed_trailer, :crc32c], [:signed_trailer, :sha256],
              [:unsigned_trailer, :crc32], [:unsigned_trailer, :crc32c], [:unsigned_trailer, :sha256]]
    [[8192, [0, 1, 8191, 8192, 8193, 3 * 8192, (3 * 8192) + 5]], [65_536, [0, 1, 65_536, 65_537]]].each do |chunk, sizes|
      combos.each do |mode, ck|
        sizes.each do |len|
          what = "#{mode}/#{ck.inspect} chunk #{chunk} size #{len}"
          src = data(len)
          headers, enc = @s.sign_streaming(url: 'https://b.s3.amazonaws.com/k', size: len, body: src,
                                           chunk_size: chunk, mode: mode, checksum: ck, time: DOC_TIME)
          body = String.new(encoding: Encoding::BINARY)
          while (piece = enc.read(4000))
            body << piece
          end
          assert_equal enc.encoded_length, body.bytesize, what
          assert_equal headers['Content-Length'], body.bytesize.to_s, what
          assert_equal len.to_s, headers['X-Amz-Decoded-Content-Length'], what
          assert(headers['X-Amz-Trailer'] == (ck && "x-amz-checksum-#{ck}"), what)
          seed = headers['Authorization'][/Signature=(\h{64})\z/, 1]
          assert verify_body(body, seed, mode, chunk) == src, "#{what}: decoded data differs"
        end
      end
    end
  end

  # What IO.copy_stream (Net::HTTP's body_stream path) needs: read(len, buf)
  # fills buf in place and returns nil at the end; read(nil) the rest.
  def test_io_contract
    src = data(20_000)
    _, whole = @s.sign_streaming(url: 'https://b.s3.amazonaws.com/k', size: 20_000, body: src, chunk_size: 8192,
                                 time: DOC_TIME)
    want = whole.read
    assert_equal '', whole.read
    assert_nil whole.read(1)
    assert_equal 0, whole.remaining

    _, enc = @s.sign_streaming(url: 'https://b.s3.amazonaws.com/k', size: 20_000, body: StringIO.new(src),
                               chunk_size: 8192, time: DOC_TIME)
    assert_equal want.bytesize, enc.size
    buf = +'stale contents'
    assert_equal '', enc.read(0, buf)
    assert_equal '', buf
    got = String.new(encoding: Encoding::BINARY)
    lens = [1, 7, 85, 2, 8192, 13, 100_000]
    i = 0
    while enc.read(lens[i % lens.size], buf)
      assert_operator buf.bytesize, :<=, lens[i % lens.size]
      got << buf
      i += 1
    end
    assert_equal '', buf
    assert want == got, 'pieces differ from one read'
    assert_equal want.bytesize, enc.pos

    # The path Net::HTTP takes, into a StringIO here.
    _, enc = @s.sign_streaming(url: 'https://b.s3.amazonaws.com/k', size: 20_000, body: StringIO.new(src),
                               chunk_size: 8192, time: DOC_TIME)
    sink = StringIO.new(+'')
    assert_equal want.bytesize, IO.copy_stream(enc, sink)
    assert want == sink.string.b, 'IO.copy_stream output differs'
    # A second encoding rewound from the start gives the same bytes.
    assert_equal 0, enc.rewind
    assert want == enc.read(nil), 'differs after rewind'

    # An output buffer too small for the library's answer is retried with
    # the size it asks for (the state is unchanged meanwhile).
    _, tiny = @s.sign_streaming(url: 'https://b.s3.amazonaws.com/k', size: 20_000, body: src, chunk_size: 8192,
                                time: DOC_TIME)
    tiny.instance_variable_set(:@out_mem, FFI::MemoryPointer.new(:uint8, 8))
    assert want == tiny.read, 'differs after retried calls'
  end

  # A source giving a few bytes per read, in another encoding, from an
  # offset: chunks are still filled to the chunk size.
  def test_short_reads_and_sources
    trickle = Class.new do
      def initialize(str)
        @io = StringIO.new(str)
      end

      def read(len, buf = nil)
        s = @io.read([len, 333].min) or return nil
        s.force_encoding(Encoding::UTF_8)
        buf ? buf.replace(s) : s
      end
    end
    src = data(30_000)
    _, a = @s.sign_streaming(url: 'https://b.s3.amazonaws.com/k', size: 30_000, body: src, chunk_size: 8192,
                             mode: :signed_trailer, checksum: :sha256, time: DOC_TIME)
    _, b = @s.sign_streaming(url: 'https://b.s3.amazonaws.com/k', size: 30_000, body: trickle.new(src),
                             chunk_size: 8192, mode: :signed_trailer, checksum: :sha256, time: DOC_TIME)
    want = a.read
    assert want == b.read, 'trickled source differs'
    e = assert_raises(IOError) { b.rewind } # no #seek
    assert_match(/cannot be rewound/, e.message)

    # Only `size` bytes are read, from where the IO stands.
    io = StringIO.new("skip#{src}extra")
    io.read(4)
    _, c = @s.sign_streaming(url: 'https://b.s3.amazonaws.com/k', size: 30_000, body: io, chunk_size: 8192,
                             mode: :signed_trailer, checksum: :sha256, time: DOC_TIME)
    assert want == c.read, 'source from an offset differs'
    assert_equal 'extra', io.read
    c.rewind
    assert want == c.read, 'differs after rewind to the offset'

    # A body shorter than `size`.
    _, d = @s.sign_streaming(url: 'https://b.s3.amazonaws.com/k', size: 30_001, body: src, chunk_size: 8192,
                             time: DOC_TIME)
    e = assert_raises(Sigv4rs::IncompletePayloadError) { d.read }
    assert_equal Sigv4rs::FFI::STATUS_INCOMPLETE_PAYLOAD, e.code
    assert_match(/body ended after 30000 of 30001 bytes/, e.message)
  end

  # Without a source: the caller sends header, data, CRLF per chunk, then
  # #finish; the result is the same body #read makes.
  def test_manual_framing
    src = data(20_000)
    _, auto = @s.sign_streaming(url: 'https://b.s3.amazonaws.com/k', size: 20_000, body: src, chunk_size: 8192,
                                mode: :unsigned_trailer, checksum: :crc32, time: DOC_TIME)
    want = auto.read
    _, man = @s.sign_streaming(url: 'https://b.s3.amazonaws.com/k', size: 20_000, chunk_size: 8192,
                               mode: :unsigned_trailer, checksum: :crc32, time: DOC_TIME)
    assert_raises(ArgumentError) { man.read(10) }
    assert_raises(ArgumentError) { auto.sign_chunk('x') }
    assert_raises(Sigv4rs::InvalidChunkSizeError) { man.sign_chunk(src[0, 100]) } # not the chunk size
    assert_raises(Sigv4rs::InvalidChunkSizeError) { man.sign_chunk(src[0, 8193]) }
    assert_raises(Sigv4rs::InvalidChunkSizeError) { man.sign_chunk('') }
    body = +''
    [0, 8192, 16_384].each do |off|
      piece = src.byteslice(off, 8192)
      body << man.sign_chunk(piece) << piece << "\r\n"
    end
    body << man.finish
    assert want == body, 'manual framing differs from #read'
    assert_raises(Sigv4rs::NotInitializedError) { man.finish }

    _, early = @s.sign_streaming(url: 'https://b.s3.amazonaws.com/k', size: 10, chunk_size: 5, time: DOC_TIME)
    early.sign_chunk('12345')
    e = assert_raises(Sigv4rs::IncompletePayloadError) { early.finish }
    assert_equal 'incomplete payload', e.message
  end

  def test_argument_errors
    sign = ->(**kw) { @s.sign_streaming(url: 'https://b.s3.amazonaws.com/k', size: 10, time: DOC_TIME, **kw) }
    assert_match(/mode must be one of/, assert_raises(ArgumentError) { sign.(mode: :chunked) }.message)
    assert_match(/checksum must be one of/, assert_raises(ArgumentError) { sign.(checksum: :md5) }.message)
    # Shapes the library refuses.
    assert_raises(Sigv4rs::InvalidArgumentError) { sign.(checksum: :crc32) }
    assert_raises(Sigv4rs::InvalidArgumentError) { sign.(mode: :signed_trailer) }
    assert_raises(Sigv4rs::InvalidArgumentError) { sign.(chunk_size: 0) }
    assert_raises(Sigv4rs::InvalidArgumentError) { sign.(chunk_size: 2**32) }
    assert_raises(Sigv4rs::InvalidArgumentError) { @s.sign_streaming(url: 'https://b/k', size: -1) }
    assert_raises(Sigv4rs::InputTooLongError) { @s.sign_streaming(url: 'https://b/k', size: 2**64 - 1, chunk_size: 1) }
    assert_match(/size must be an Integer/, assert_raises(TypeError) { @s.sign_streaming(url: 'https://b/k', size: '1') }.message)
    assert_match(/body must be an IO or a String/, assert_raises(TypeError) { sign.(body: 42) }.message)
    # Request errors are the signer's.
    assert_raises(Sigv4rs::InvalidHeaderValueError) { sign.(headers: { 'x-a' => "a\nb" }) }
    assert_raises(Sigv4rs::InvalidUrlError) { @s.sign_streaming(url: 'b/k', size: 1) }
    req = Net::HTTP::Put.new('/b/k')
    assert_match(/body must be/, assert_raises(TypeError) do
      Sigv4rs::NetHTTP.sign_streaming!(@s, 'https://b', req, body: nil, size: 1)
    end.message)
    assert_nil req['host'] # refused before the request was touched
    assert_raises(TypeError) { Sigv4rs::NetHTTP.sign_streaming!(@s, 'https://b', 'PUT /', body: 'x', size: 1) }
    _, enc = sign.(body: 'x' * 10)
    assert_raises(TypeError) { enc.read('1') }
    assert_raises(ArgumentError) { enc.read(-1) }
    @s.close
    assert_raises(Sigv4rs::ClosedError) { enc.read }
    assert_raises(Sigv4rs::ClosedError) { sign.() }
  end

  # Memory does not grow with the object: 128 MiB streamed through
  # IO.copy_stream from a generated source, in a fresh process (other tests
  # would have raised its peak already).
  MEMORY_SCRIPT = <<~'RUBY'
    require 'sigv4rs'
    hwm = -> { File.read('/proc/self/status')[/^VmHWM:\s+(\d+)/, 1].to_i }
    gen = Class.new do
      def initialize(size) = (@left = size; @block = ('0123456789abcdef' * 4096).b.freeze)
      def read(len, buf = nil)
        return nil if @left.zero?
        s = @block.byteslice(0, [len, @left, @block.bytesize].min)
        @left -= s.bytesize
        buf ? buf.replace(s) : s
      end
    end
    s = Sigv4rs::Signer.new(access_key_id: 'AKIDEXAMPLE', secret_access_key: 'secret', region: 'us-east-1',
                            service: 's3', s3: true)
    size = Integer(ARGV[0])
    _, enc = s.sign_streaming(url: 'https://b.s3.amazonaws.com/big', size: size, body: gen.new(size),
                              mode: :signed_trailer, checksum: :crc32c)
    GC.start
    before = hwm.()
    n = File.open(File::NULL, 'wb') { |null| IO.copy_stream(enc, null) }
    puts [n, enc.encoded_length, hwm.() - before].join(' ')
  RUBY

  def test_constant_memory
    skip 'needs /proc' unless File.exist?('/proc/self/status')
    lib = File.expand_path('../lib', __dir__)
    out = IO.popen([RbConfig.ruby, '-I', lib, '-e', MEMORY_SCRIPT, (128 << 20).to_s], &:read)
    assert $?.success?, out
    copied, encoded, grown = out.split.map(&:to_i)
    assert_equal encoded, copied
    Summary << format('ruby aws-chunked: 128 MiB through IO.copy_stream, peak RSS +%d KiB (fresh process)', grown)
    # Reads that byteslice the chunk buffer left a chunk of garbage per chunk: +55 MiB for 64 MiB.
    assert_operator grown, :<, 4 * 1024, 'peak RSS grew with the object'
  end
end
