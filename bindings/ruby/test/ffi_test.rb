# frozen_string_literal: true

require_relative 'test_helper'

# The raw declarations against the C contract: struct sizes and offsets of
# include/sigv4rs.h on LP64, the version, every status message.
class FfiTest < Minitest::Test
  F = Sigv4rs::FFI

  def test_struct_layouts
    assert_equal 16, F::Bytes.size
    assert_equal 32, F::Header.size
    assert_equal [0, 16, 32, 48, 64, 80, 88, 96, 104, 120],
                 %i[method url host path query headers headers_len payload_mode payload].map { |f| F::Request.offset_of(f) } +
                 [F::Request.size]
    assert_equal [0, 16, 32, 48, 64, 80, 88, 96, 104],
                 %i[access_key_id secret_access_key session_token region service flags unsigned_headers
                    unsigned_headers_len].map { |f| F::Config.offset_of(f) } + [F::Config.size]
    assert_equal [0, 4, 8, 16, 24], %i[mode checksum decoded_length chunk_size].map { |f| F::Stream.offset_of(f) } +
                                    [F::Stream.size]
    assert_equal F::PAYLOAD_HASHER_SIZE, F::PayloadHasher.size
    assert_equal F::SIGNER_STORAGE_SIZE, F::SignerStorage.size
    assert_equal F::CHUNKED_STATE_SIZE, F::Chunked.size
  end

  def test_version_and_statuses
    assert_equal [F::VERSION_MAJOR, F::VERSION_MINOR, F::VERSION_PATCH].join('.'), Sigv4rs.library_version
    F::STATUS.each_value { |code| refute_equal 'unknown status', Sigv4rs.status_message(code), code }
    assert_equal 'unknown status', Sigv4rs.status_message(5)
  end

  # The aws-chunked length of the S3 documentation's example: 66,560 bytes
  # in 64 KiB chunks are sent as 66,824 (a raw call through the Stream struct).
  def test_chunked_encoded_length
    st = F::Stream.new
    st[:mode] = F::STREAM_MODE_SIGNED
    st[:checksum] = F::CHECKSUM_NONE
    st[:decoded_length] = 66_560
    st[:chunk_size] = 65_536
    out = FFI::MemoryPointer.new(:uint64)
    assert_equal 0, F.sigv4rs_chunked_encoded_length(st, out)
    assert_equal 66_824, out.read_uint64
    st[:chunk_size] = 0
    assert_equal F::STATUS_INVALID_ARGUMENT, F.sigv4rs_chunked_encoded_length(st, out)
  end

  # sigv4rs_signer_init/_deinit (caller storage) with structs filled field
  # by field: after deinit the storage is zeroed and the same pointer
  # reports NOT_INITIALIZED.
  def test_storage_signer_through_raw_calls
    # The structs hold bare addresses, which keep nothing alive: `inputs`
    # holds the memory behind them and is read after the last call.
    inputs = {}
    bytes = lambda do |b, str|
      inputs[str] = FFI::MemoryPointer.from_string(str)
      b[:ptr] = inputs[str]
      b[:len] = str.bytesize
    end
    cfg = F::Config.new
    { access_key_id: EXAMPLE_AKID, secret_access_key: EXAMPLE_SECRET, region: 'us-east-1', service: 'sts' }
      .each { |f, v| bytes.(cfg[f], v) }
    storage = F::SignerStorage.new
    out = FFI::MemoryPointer.new(:pointer)
    req = F::Request.new
    bytes.(req[:method], 'GET')
    bytes.(req[:url], 'https://sts.amazonaws.com/')
    len = FFI::MemoryPointer.new(:size_t)
    GC.start # would free now, not mid-call, what only a struct points at
    assert_equal 0, F.sigv4rs_signer_init(storage, cfg, out)
    assert_equal F::STATUS_BUFFER_TOO_SMALL, F.sigv4rs_signer_sign_headers(out.read_pointer, req, 0, nil, 0, len)
    assert_operator len.read(:size_t), :>, 100
    F.sigv4rs_signer_deinit(storage)
    assert_equal "\0" * F::SIGNER_STORAGE_SIZE, storage.to_ptr.read_bytes(F::SIGNER_STORAGE_SIZE), 'deinit zeroes'
    assert_equal F::STATUS_NOT_INITIALIZED, F.sigv4rs_signer_sign_headers(out.read_pointer, req, 0, nil, 0, len)
    # The inputs are `const`: the library read them and wrote nothing back.
    inputs.each { |str, mem| assert_equal str, mem.read_bytes(str.bytesize) }
  end
end
