# frozen_string_literal: true

require_relative 'test_helper'
require 'digest'

# The raw declarations against the C contract: struct layouts of the
# generated table, the version, every status message, the debug calls' modes.
class FfiTest < Minitest::Test
  F = Sigv4rs::FFI
  ABI = Sigv4rs::ABI

  def test_struct_layouts
    F::STRUCTS.each do |c_name, struct|
      size, fields = ABI::LAYOUTS.fetch(c_name)
      assert_equal size, struct.size, c_name
      assert_equal fields.keys, struct.members, c_name
      fields.each { |f, off| assert_equal off, struct.offset_of(f), "#{c_name}.#{f}" }
    end
    assert_equal ABI::LAYOUTS.keys.sort, F::STRUCTS.keys.sort # every struct of the table is declared
    assert_equal F::SIGNER_STORAGE_ALIGN, F::SignerStorage.alignment
  end

  # The load-time check itself: a table that disagrees with a struct is refused.
  def test_layout_check_refuses_a_different_table
    assert_nil F.check_layouts!
    req_size, req_fields = ABI::LAYOUTS[:sigv4rs_request]
    moved = ABI::LAYOUTS.merge(sigv4rs_request: [req_size, req_fields.merge(payload: req_fields[:payload] + 8)])
    e = assert_raises(LoadError) { F.check_layouts!(moved) }
    assert_equal 'sigv4rs: Sigv4rs::FFI::Request differs from sigv4rs_request in the ABI table: ' \
                 "payload at #{req_fields[:payload]} (table: #{req_fields[:payload] + 8})", e.message
    grown = ABI::LAYOUTS.merge(sigv4rs_chunked: [F::CHUNKED_STATE_SIZE * 2, { _opaque: 0 }])
    e = assert_raises(LoadError) { F.check_layouts!(grown) }
    assert_match(/Chunked differs from sigv4rs_chunked .*: size #{F::CHUNKED_STATE_SIZE} \(table: #{F::CHUNKED_STATE_SIZE * 2}\)$/,
                 e.message)
    renamed = ABI::LAYOUTS.merge(sigv4rs_header: [32, { name: 0, val: 16 }])
    e = assert_raises(LoadError) { F.check_layouts!(renamed) }
    assert_match(/value at 16 \(table: nil\), val at nil \(table: 16\)$/, e.message)
    e = assert_raises(LoadError) { F.check_layouts!(ABI::LAYOUTS.except(:sigv4rs_stream)) }
    assert_equal 'sigv4rs: sigv4rs_stream is missing from the ABI table', e.message
  end

  def test_version_and_statuses
    assert_equal [F::VERSION_MAJOR, F::VERSION_MINOR, F::VERSION_PATCH].join('.'), Sigv4rs.library_version
    ABI::STATUSES.each { |code, _name, _camel, message| assert_equal message, Sigv4rs.status_message(code), code }
    assert_equal 'unknown status', Sigv4rs.status_message(5)
  end

  # sigv4rs_signer_canonical_request / _string_to_sign take (auth, expires):
  # HEADERS with 0, PRESIGN with 1..MAX_EXPIRES; anything else is refused.
  def test_debug_output_modes_through_raw_calls
    s = Sigv4rs::Signer.new(access_key_id: EXAMPLE_AKID, secret_access_key: EXAMPLE_SECRET,
                            region: 'us-east-1', service: 'service')
    signer = s.instance_variable_get(:@handle)
    url = 'https://example.amazonaws.com/?a=1'
    req = F::Request.new
    mem = { method: FFI::MemoryPointer.from_string('GET'), url: FFI::MemoryPointer.from_string(url) }
    mem.each { |f, m| req[f][:ptr] = m }
    req[:method][:len] = 3
    req[:url][:len] = url.bytesize
    out = FFI::MemoryPointer.new(:uint8, 4096)
    len = FFI::MemoryPointer.new(:size_t)
    %i[sigv4rs_signer_canonical_request sigv4rs_signer_string_to_sign].each do |fn|
      call = ->(auth, exp) { F.public_send(fn, signer, req, 1_440_938_160, auth, exp, out, out.size, len) }
      assert_equal F::STATUS_OK, call.(F::AUTH_HEADERS, 0), fn
      header_mode = out.read_bytes(len.read(:size_t))
      assert_equal F::STATUS_OK, call.(F::AUTH_PRESIGN, 60), fn
      refute_equal header_mode, out.read_bytes(len.read(:size_t)), fn
      assert_equal F::STATUS_OK, call.(F::AUTH_PRESIGN, F::MAX_EXPIRES), fn
      assert_equal F::STATUS_INVALID_ARGUMENT, call.(F::AUTH_HEADERS, 60), fn
      assert_equal F::STATUS_INVALID_EXPIRES, call.(F::AUTH_PRESIGN, 0), fn
      assert_equal F::STATUS_INVALID_EXPIRES, call.(F::AUTH_PRESIGN, F::MAX_EXPIRES + 1), fn
      assert_equal F::STATUS_INVALID_ARGUMENT, call.(2, 0), fn
    end
    # The inputs are `const`: the library read them and wrote nothing back.
    assert_equal ['GET', url], mem.values.map(&:read_string)
  ensure
    s&.close
  end

  # The public debug outputs: header mode by default, presign mode with
  # presign_expires_in:, each string to sign hashing its canonical request.
  def test_debug_outputs_in_both_modes
    s = Sigv4rs::Signer.new(access_key_id: EXAMPLE_AKID, secret_access_key: EXAMPLE_SECRET,
                            region: 'us-east-1', service: 'service')
    args = { http_method: 'GET', url: 'https://example.amazonaws.com/?a=1', time: 1_440_938_160 }
    header = s.canonical_request(**args)
    presign = s.canonical_request(**args, presign_expires_in: 60)
    assert_equal 'a=1', header.lines[2].chomp
    assert_match(/\AX-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=.*&X-Amz-Expires=60&.*&a=1\n\z/, presign.lines[2])
    assert_equal Digest::SHA256.hexdigest(header), s.string_to_sign(**args).lines.last
    assert_equal Digest::SHA256.hexdigest(presign), s.string_to_sign(**args, presign_expires_in: 60).lines.last
  ensure
    s&.close
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
