# frozen_string_literal: true

require 'stringio'

module Sigv4rs
  # The body of one aws-chunked upload, made by Signer#sign_streaming: an
  # IO-like whose #read gives `<hex>;chunk-signature=<sig>\r\n<data>\r\n`...
  # then the final chunk and trailer, reading the source one chunk at a time
  # (memory: about two chunks, whatever the size). Give it to Net::HTTP as
  # `request.body_stream` (Content-Length from the returned headers), or
  # read it yourself. Without a source, #sign_chunk and #finish give the
  # framing for data you send yourself. Not for concurrent use.
  class ChunkedEncoder
    # Mode => [SigV4 signer's SIGV4RS_STREAM_MODE_*, SigV4a signer's]: the
    # library takes the signed modes of the signer's algorithm only.
    MODES = {
      signed: [FFI::STREAM_MODE_SIGNED, FFI::STREAM_MODE_SIGNED_V4A],
      signed_trailer: [FFI::STREAM_MODE_SIGNED_TRAILER, FFI::STREAM_MODE_SIGNED_TRAILER_V4A],
      unsigned_trailer: [FFI::STREAM_MODE_UNSIGNED_TRAILER, FFI::STREAM_MODE_UNSIGNED_TRAILER]
    }.freeze
    CHECKSUMS = { nil => FFI::CHECKSUM_NONE, none: FFI::CHECKSUM_NONE }.merge(Checksum::ALGORITHMS).freeze
    BINARY = Encoding::BINARY
    CRLF = "\r\n".b.freeze
    # Room for a chunk header or the end of either algorithm (SigV4a's
    # padded signatures are the longer); a larger need is met by a retry.
    OUT_CAP = [FFI::CHUNK_HEADER_MAX_LEN, FFI::CHUNKED_FINISH_MAX_LEN,
               FFI::SIGV4A_CHUNK_HEADER_MAX_LEN, FFI::SIGV4A_CHUNKED_FINISH_MAX_LEN].max
    U32 = (0..0xFFFF_FFFF).freeze
    U64 = (0..0xFFFF_FFFF_FFFF_FFFF).freeze
    private_constant :BINARY, :CRLF, :OUT_CAP, :U32, :U64

    # Headers to add to the request (as Signer#sign_streaming returned them).
    attr_reader :headers
    # Bytes #read gives in all (the Content-Length).
    attr_reader :encoded_length
    # Bytes of the object (`size:`).
    attr_reader :decoded_length
    attr_reader :chunk_size
    # Encoded bytes given so far.
    attr_reader :pos

    # A sigv4rs_stream from the Ruby arguments, for a SigV4a signer when
    # `sigv4a` (internal).
    def self.stream_struct(mode, checksum, size, chunk_size, sigv4a = false)
      st = FFI::Stream.new
      st[:mode] = MODES.fetch(mode) do
        raise ArgumentError, "mode must be one of #{MODES.keys.inspect}, got #{mode.inspect}"
      end[sigv4a ? 1 : 0]
      st[:checksum] = CHECKSUMS.fetch(checksum) do
        raise ArgumentError, "checksum must be one of #{CHECKSUMS.keys.inspect}, got #{checksum.inspect}"
      end
      raise TypeError, "size must be an Integer, got #{size.class}" unless size.is_a?(Integer)
      raise TypeError, "chunk_size must be an Integer, got #{chunk_size.class}" unless chunk_size.is_a?(Integer)
      # Values the C types cannot hold are invalid arguments, like chunk size 0.
      raise InvalidArgumentError unless U64.cover?(size) && U32.cover?(chunk_size)

      st[:decoded_length] = size
      st[:chunk_size] = chunk_size
      st
    end

    def initialize(signer, begin_args, stream, state, headers, body)
      @signer = signer
      @begin_args = begin_args
      @stream = stream
      @state = state
      @headers = headers
      @decoded_length = stream[:decoded_length]
      @chunk_size = stream[:chunk_size]
      len = ::FFI::MemoryPointer.new(:uint64)
      status = FFI.sigv4rs_chunked_encoded_length(stream, len)
      raise Error.for_status(status) unless status.zero?

      @encoded_length = len.read_uint64
      @source = source(body)
      @source_pos = start_pos(@source)
      # The largest chunk there can be: a small object needs no 64 KiB buffer.
      @data_cap = [[@chunk_size, @decoded_length].min, 1].max
      @data_mem = ::FFI::MemoryPointer.new(:uint8, @data_cap, false)
      @data_desc = FFI::Bytes.new
      @out_mem = ::FFI::MemoryPointer.new(:uint8, OUT_CAP, false)
      @len_mem = ::FFI::MemoryPointer.new(:size_t)
      @chunk = String.new(capacity: @source ? @data_cap : 0, encoding: BINARY)
      @tmp = String.new(encoding: BINARY)
      @head = StringIO.new
      @data = StringIO.new
      @crlf = StringIO.new(CRLF)
      reset
    end
    private_class_method :new

    # IO#read: up to `length` encoded bytes (nil at the end), or everything
    # left when `length` is nil (then memory grows with the object). The
    # bytes replace the contents of `outbuf` when given.
    def read(length = nil, outbuf = nil)
      raise ArgumentError, 'this encoder has no body to read: use #sign_chunk and #finish' unless @source
      unless length.nil?
        raise TypeError, "length must be an Integer, got #{length.class}" unless length.is_a?(Integer)
        raise ArgumentError, "negative length #{length} given" if length.negative?
      end

      out = outbuf || String.new
      out.force_encoding(BINARY)
      got = 0
      # Segments are copied out through a StringIO: a byteslice of the chunk
      # buffer would share it and leave a chunk of garbage per chunk.
      while length.nil? || got < length
        break unless (seg = segment)

        want = length && length - got
        if got.zero?
          seg.read(want, out)
        else
          out << seg.read(want, @tmp)
        end
        got = out.bytesize
        @segs.shift if seg.eof?
      end
      out.clear if got.zero?
      @pos += got
      got.zero? && length&.positive? ? nil : out
    end

    def eof?
      @finished && @segs.empty?
    end

    # Encoded bytes not given yet.
    def remaining
      @encoded_length - @pos
    end

    alias size encoded_length

    # Starts over: the source goes back to where it was and the seed is
    # signed again (same request and time, so the same headers), for a retry.
    # Net::HTTP never rewinds a body_stream: turn its retries off
    # (`http.max_retries = 0`) for a streamed upload.
    def rewind
      raise IOError, 'this encoder has no body to rewind' unless @source
      raise IOError, 'the body cannot be rewound (no #seek, or not seekable)' unless @source_pos

      @source.seek(@source_pos)
      again = @signer.send(:begin_chunked, *@begin_args, @stream, @state)
      raise Error.new(nil, 'seed headers changed when signed again') unless again == @headers

      reset
      0
    end

    # Without a source: signs the next chunk of data (exactly chunk_size
    # bytes, the last may be shorter) and returns its header,
    # `<hex>;chunk-signature=<sig>\r\n`. Send it, the data, then "\r\n".
    def sign_chunk(data)
      raise ArgumentError, 'this encoder reads its body: use #read' if @source

      native_chunk(Input.str(data, 'data'))
    end

    # Without a source: the final chunk, trailer and closing line (after the
    # last data chunk). Raises IncompletePayloadError if data is missing.
    def finish
      raise ArgumentError, 'this encoder reads its body: use #read' if @source

      native_finish
    end

    def inspect
      "#<#{self.class} #{@pos}/#{@encoded_length} bytes>"
    end

    private

    def source(body)
      case body
      when nil then nil
      when String then StringIO.new(Input.str(body, 'body'))
      else
        raise TypeError, "body must be an IO or a String, got #{body.class}" unless body.respond_to?(:read)

        body
      end
    end

    # Where a seekable source starts, for #rewind (nil: cannot rewind).
    def start_pos(src)
      return nil unless src.respond_to?(:seek) && src.respond_to?(:pos)

      src.pos
    rescue SystemCallError, IOError
      nil # a pipe or socket
    end

    def reset
      @left = @decoded_length
      @finished = false
      @segs = []
      @pos = 0
    end

    # The segment being read (a StringIO), refilled from the source when
    # used up; nil at the end.
    def segment
      refill if @segs.empty?
      @segs.first
    end

    def refill
      if @left.positive?
        data = fill([@left, @chunk_size].min)
        @head.string = native_chunk(data)
        @data.string = data
        @crlf.rewind
        @segs.push(@head, @data, @crlf)
        @left -= data.bytesize
      elsif !@finished
        @head.string = native_finish
        @segs.push(@head)
        @finished = true
      end
    end

    # Exactly `n` bytes from the source into the chunk buffer (read may give
    # fewer at a time). Reading into the buffer reuses its memory.
    def fill(n)
      got = @source.read(n, @chunk)
      @chunk.replace(got) if got && !got.equal?(@chunk) # a source that ignores the buffer
      @chunk.clear unless got
      @chunk.force_encoding(BINARY)
      while @chunk.bytesize < n
        more = @source.read(n - @chunk.bytesize, @tmp)
        if more.nil? || more.empty?
          done = @decoded_length - @left + @chunk.bytesize
          raise IncompletePayloadError.new(FFI::STATUS_INCOMPLETE_PAYLOAD,
                                           "incomplete payload: body ended after #{done} of #{@decoded_length} bytes")
        end
        @chunk << (more.encoding == BINARY ? more : more.b)
      end
      @chunk
    end

    def native_chunk(data)
      n = data.bytesize
      # The library would refuse it anyway; this keeps the copy in bounds.
      raise InvalidChunkSizeError if n > @data_cap

      @data_mem.put_bytes(0, data) if n.positive?
      @data_desc[:ptr] = @data_mem
      @data_desc[:len] = n
      wire(:sigv4rs_chunked_sign_chunk, @data_desc)
    end

    def native_finish
      wire(:sigv4rs_chunked_finish)
    end

    # The wire bytes a chunk call writes. On BUFFER_TOO_SMALL the state is
    # unchanged, so the call is made again with the size asked for.
    def wire(fn, *args)
      status = @signer.send(:chunked_native, fn, @state, *args, @out_mem, @out_mem.size, @len_mem)
      if status == FFI::STATUS_BUFFER_TOO_SMALL
        @out_mem = ::FFI::MemoryPointer.new(:uint8, @len_mem.read(:size_t), false)
        status = @signer.send(:chunked_native, fn, @state, *args, @out_mem, @out_mem.size, @len_mem)
      end
      raise Error.for_status(status) unless status.zero?

      @out_mem.get_bytes(0, @len_mem.read(:size_t))
    end
  end
end
