# frozen_string_literal: true

module Sigv4rs
  # An S3 flexible checksum (x-amz-checksum-*) of a body that may arrive in
  # pieces (sigv4rs_checksum_*): `update` (or `<<`) the data, then `finish`
  # gives the header value (base64, as S3 wants it) to send under
  # #header_name, signed with the request's other headers. One use: after
  # #finish it raises NotInitializedError. Not for concurrent use.
  #
  #   c = Sigv4rs::Checksum.new(:crc64nvme)
  #   c << part1 << part2
  #   headers[c.header_name] = c.finish
  class Checksum
    # Algorithm => SIGV4RS_CHECKSUM_* (S3's ChecksumAlgorithm names, down-cased).
    ALGORITHMS = {
      crc32: FFI::CHECKSUM_CRC32,
      crc32c: FFI::CHECKSUM_CRC32C,
      crc64nvme: FFI::CHECKSUM_CRC64NVME,
      sha1: FFI::CHECKSUM_SHA1,
      sha256: FFI::CHECKSUM_SHA256
    }.freeze

    # The algorithm (a Symbol from ALGORITHMS) and its lower-case header
    # name ("x-amz-checksum-crc64nvme").
    attr_reader :algorithm, :header_name

    # `algorithm`: :crc32, :crc32c, :crc64nvme, :sha1 or :sha256 (or S3's
    # spelling, "CRC64NVME").
    def initialize(algorithm)
      @algorithm = Checksum.algorithm(algorithm)
      id = ALGORITHMS.fetch(@algorithm)
      # NULL: a library built without it (firmware builds lack CRC64NVME/SHA-1).
      name = FFI.sigv4rs_checksum_header_name(id) or
        raise InvalidArgumentError.new(FFI::STATUS_INVALID_ARGUMENT, "this libsigv4rs has no #{@algorithm} checksum")
      @header_name = name.dup.force_encoding(Encoding::UTF_8).freeze # static ASCII text
      @state = ::FFI::MemoryPointer.new(:uint8, FFI::CHECKSUM_STATE_SIZE)
      check(FFI.sigv4rs_checksum_init(@state, id))
    end

    # Feeds a String (its bytes as they go on the wire); returns self.
    def update(data)
      s = Input.str(data, 'data')
      return self if s.empty?

      # Copied to native memory: the C call borrows the bytes.
      buf = ::FFI::MemoryPointer.new(:uint8, s.bytesize, false)
      buf.put_bytes(0, s)
      b = FFI::Bytes.new
      b[:ptr] = buf
      b[:len] = s.bytesize
      check(FFI.sigv4rs_checksum_update(@state, b))
      self
    end
    alias << update

    # The header value (base64); ends the checksum.
    def finish
      out = ::FFI::MemoryPointer.new(:uint8, FFI::CHECKSUM_MAX_LEN + 1)
      len = ::FFI::MemoryPointer.new(:size_t)
      check(FFI.sigv4rs_checksum_finish(@state, out, out.size, len))
      out.get_bytes(0, len.read(:size_t) - 1).force_encoding(Encoding::UTF_8) # without the final NUL
    end

    def inspect
      "#<#{self.class} #{@algorithm}>"
    end

    # [header name, value] of a String or an IO (read in 1 MiB pieces, then
    # rewound).
    def self.of(algorithm, data)
      c = new(algorithm)
      if data.respond_to?(:read)
        while (chunk = data.read(1 << 20))
          c.update(chunk)
        end
        data.rewind if data.respond_to?(:rewind)
      else
        c.update(data)
      end
      [c.header_name, c.finish]
    end

    # A key of ALGORITHMS from a Symbol or String in any case (internal).
    def self.algorithm(value)
      key = value.to_s.downcase.to_sym if value.is_a?(Symbol) || value.is_a?(String)
      return key if ALGORITHMS.key?(key)

      raise ArgumentError, "checksum algorithm must be one of #{ALGORITHMS.keys.inspect}, got #{value.inspect}"
    end

    private

    def check(status)
      raise Error.for_status(status) unless status.zero?
    end
  end

  # The S3 checksum header of `data` (a String or an IO): [name, value],
  # e.g. ["x-amz-checksum-crc64nvme", "rosUhgp5mIg="].
  def self.checksum(algorithm, data)
    Checksum.of(algorithm, data)
  end
end
