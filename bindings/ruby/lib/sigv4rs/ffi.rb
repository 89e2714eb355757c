# frozen_string_literal: true

require 'ffi'

module Sigv4rs
  # Raw ruby-ffi declarations of include/sigv4rs.h. Nothing here is safe to
  # call with arbitrary pointers: use Sigv4rs::Signer.
  module FFI
    extend ::FFI::Library

    GEM_ROOT = File.expand_path('../..', __dir__)
    # Development checkout: bindings/ruby -> ../../target/release.
    DEV_LIB = File.expand_path('../../target/release/libsigv4rs.so', GEM_ROOT)

    # SIGV4RS_LIB (full path), else the development build, else the system
    # search path (the SONAME first: it pins the ABI minor version).
    def self.library_candidates
      env = ENV['SIGV4RS_LIB']
      if env && !env.empty?
        raise LoadError, "SIGV4RS_LIB=#{env}: no such file" unless File.file?(env)

        return [env]
      end
      return [DEV_LIB] if File.file?(DEV_LIB)

      ['libsigv4rs.so.0.1', 'sigv4rs']
    end

    begin
      ffi_lib library_candidates
    rescue LoadError => e
      raise LoadError, "sigv4rs: cannot load libsigv4rs (build it with `cargo build --release` at the " \
                       "repository top, install it, or set SIGV4RS_LIB to its full path): #{e.message}"
    end

    VERSION_MAJOR = 0
    VERSION_MINOR = 1
    VERSION_PATCH = 0

    SIGNATURE_LEN = 64
    AMZ_DATE_LEN = 16
    SHA256_HEX_LEN = 64
    MAX_ACCESS_KEY_ID_LEN = 128
    MAX_SECRET_KEY_LEN = 128
    MAX_SESSION_TOKEN_LEN = 4096
    MAX_REGION_LEN = 64
    MAX_SERVICE_LEN = 64
    MAX_UNSIGNED_HEADERS_LEN = 256
    MAX_HEADERS = 64
    MAX_QUERY_PARAMS = 128
    MAX_URL_LEN = 16_384
    MAX_EXPIRES = 604_800
    MAX_UNIX_TIME = 253_402_300_799

    FLAG_S3 = 1
    FLAG_NO_PATH_NORMALIZATION = 2
    FLAG_SINGLE_ENCODE_PATH = 4
    FLAG_CONTENT_SHA256_HEADER = 8
    FLAG_UNSIGNED_SESSION_TOKEN = 16

    PAYLOAD_HASHER_SIZE = 128
    CHUNKED_STATE_SIZE = 256
    SIGNER_STORAGE_SIZE = 5120
    SIGNER_STORAGE_ALIGN = 8

    PAYLOAD_MODE_AUTO = 0
    PAYLOAD_MODE_BYTES = 1
    PAYLOAD_MODE_SHA256_HEX = 2
    PAYLOAD_MODE_UNSIGNED = 3

    # sigv4rs_stream.mode (enum sigv4rs_stream_mode) and .checksum
    # (enum sigv4rs_checksum).
    STREAM_MODE_SIGNED = 0
    STREAM_MODE_SIGNED_TRAILER = 1
    STREAM_MODE_UNSIGNED_TRAILER = 2
    CHECKSUM_NONE = 0
    CHECKSUM_CRC32 = 1
    CHECKSUM_CRC32C = 2
    CHECKSUM_SHA256 = 3

    # enum sigv4rs_status (numbers never change).
    STATUS = {
      OK: 0,
      NULL_ARGUMENT: 1,
      BUFFER_TOO_SMALL: 2,
      INVALID_ARGUMENT: 3,
      NOT_INITIALIZED: 4,
      INVALID_ACCESS_KEY_ID: 100,
      INVALID_SECRET_KEY: 101,
      INVALID_SESSION_TOKEN: 102,
      INVALID_REGION: 103,
      INVALID_SERVICE: 104,
      INVALID_UNSIGNED_HEADER: 105,
      INVALID_METHOD: 110,
      INVALID_URL: 111,
      INVALID_HOST: 112,
      MISSING_HOST: 113,
      INVALID_PATH: 114,
      INVALID_QUERY: 115,
      RESERVED_QUERY_PARAMETER: 116,
      INVALID_HEADER_NAME: 117,
      INVALID_HEADER_VALUE: 118,
      INVALID_PAYLOAD_HASH: 119,
      INVALID_TIME: 120,
      INVALID_EXPIRES: 121,
      TOO_MANY_HEADERS: 130,
      TOO_MANY_QUERY_PARAMETERS: 131,
      INPUT_TOO_LONG: 132,
      MISSING_CREDENTIALS: 140,
      INVALID_CHUNK_SIZE: 150,
      INCOMPLETE_PAYLOAD: 151,
      PANIC: 900
    }.freeze
    STATUS.each { |name, code| const_set("STATUS_#{name}", code) }

    # sigv4rs_bytes: borrowed (ptr, len); read during the call only.
    class Bytes < ::FFI::Struct
      layout :ptr, :pointer,
             :len, :size_t
    end

    # sigv4rs_header
    class Header < ::FFI::Struct
      layout :name, Bytes,
             :value, Bytes
    end

    # sigv4rs_config
    class Config < ::FFI::Struct
      layout :access_key_id, Bytes,
             :secret_access_key, Bytes,
             :session_token, Bytes,
             :region, Bytes,
             :service, Bytes,
             :flags, :uint32,
             :unsigned_headers, :pointer, # const sigv4rs_bytes *
             :unsigned_headers_len, :size_t
    end

    # sigv4rs_request
    class Request < ::FFI::Struct
      layout :method, Bytes,
             :url, Bytes,
             :host, Bytes,
             :path, Bytes,
             :query, Bytes,
             :headers, :pointer, # const sigv4rs_header *
             :headers_len, :size_t,
             :payload_mode, :uint32,
             :payload, Bytes
    end

    # sigv4rs_stream: the shape of an aws-chunked upload.
    class Stream < ::FFI::Struct
      layout :mode, :uint32,
             :checksum, :uint32,
             :decoded_length, :uint64,
             :chunk_size, :uint32
    end

    # sigv4rs_chunked: opaque, caller-owned state of one aws-chunked upload.
    class Chunked < ::FFI::Struct
      layout :_opaque, [:uint64, 32]
    end

    # sigv4rs_payload_hasher: opaque, caller-owned.
    class PayloadHasher < ::FFI::Struct
      layout :_opaque, [:uint64, 16]
    end

    # sigv4rs_signer_storage: opaque, caller-owned (unused from Ruby: the
    # heap signer is simpler to tie to the GC).
    class SignerStorage < ::FFI::Struct
      layout :_opaque, [:uint64, 640]
    end

    # Statuses are uint32 in C (an enum typedef'd to uint32_t).
    attach_function :sigv4rs_unix_time_now, [:pointer], :uint32
    attach_function :sigv4rs_signer_new_from_env, [Bytes.by_value, Bytes.by_value, :uint32, :pointer], :uint32
    attach_function :sigv4rs_payload_hasher_init, [:pointer], :uint32
    attach_function :sigv4rs_payload_hasher_update, [:pointer, Bytes.by_value], :uint32
    attach_function :sigv4rs_payload_hasher_finish, [:pointer, :pointer, :size_t, :pointer], :uint32
    attach_function :sigv4rs_signer_new, [:pointer, :pointer], :uint32
    attach_function :sigv4rs_signer_free, [:pointer], :void
    attach_function :sigv4rs_signer_init, [:pointer, :pointer, :pointer], :uint32
    attach_function :sigv4rs_signer_deinit, [:pointer], :void
    attach_function :sigv4rs_signer_sign_headers,
                    [:pointer, :pointer, :int64, :pointer, :size_t, :pointer], :uint32
    attach_function :sigv4rs_signer_presign,
                    [:pointer, :pointer, :int64, :uint32, :pointer, :size_t, :pointer], :uint32
    attach_function :sigv4rs_signer_canonical_request,
                    [:pointer, :pointer, :int64, :uint32, :pointer, :size_t, :pointer], :uint32
    attach_function :sigv4rs_signer_string_to_sign,
                    [:pointer, :pointer, :int64, :uint32, :pointer, :size_t, :pointer], :uint32
    attach_function :sigv4rs_chunked_encoded_length, [:pointer, :pointer], :uint32
    attach_function :sigv4rs_chunked_begin,
                    [:pointer, :pointer, :int64, :pointer, :pointer, :pointer, :size_t, :pointer], :uint32
    attach_function :sigv4rs_chunked_sign_chunk, [:pointer, :pointer, Bytes.by_value, :pointer, :size_t, :pointer],
                    :uint32
    attach_function :sigv4rs_chunked_finish, [:pointer, :pointer, :pointer, :size_t, :pointer], :uint32
    attach_function :sigv4rs_status_str, [:uint32], :string
    attach_function :sigv4rs_version, [], :string
  end
end
