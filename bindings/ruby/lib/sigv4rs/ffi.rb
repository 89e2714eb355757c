# frozen_string_literal: true

require 'ffi'
require_relative 'abi'

module Sigv4rs
  # Raw ruby-ffi declarations of include/sigv4rs.h. Nothing here is safe to
  # call with arbitrary pointers: use Sigv4rs::Signer.
  module FFI
    extend ::FFI::Library

    GEM_ROOT = File.expand_path('../..', __dir__)
    # Development checkout: bindings/ruby -> ../../target/release.
    DEV_LIB = File.expand_path('../../target/release/libsigv4rs.so', GEM_ROOT)

    # The installed gem's own build (ext/sigv4rs/extconf.rb): RubyGems puts
    # it next to this file, and in the gem's extension directory (alone there
    # when RubyGems is set not to copy extensions into lib/).
    def self.own_libraries
      name = ::FFI.map_library_name('sigv4rs')
      spec = Gem.loaded_specs['sigv4rs'] if defined?(Gem.loaded_specs)
      dirs = [__dir__]
      dirs << File.join(spec.extension_dir, 'sigv4rs') if spec && File.identical?(spec.full_gem_path, GEM_ROOT)
      dirs.map { |d| File.join(d, name) }
    end

    # SIGV4RS_LIB (full path), else the gem's own copy, else the development
    # build, else the system search path (the SONAME first: it pins the ABI
    # minor version).
    def self.library_candidates
      env = ENV['SIGV4RS_LIB']
      if env && !env.empty?
        raise LoadError, "SIGV4RS_LIB=#{env}: no such file" unless File.file?(env)

        return [env]
      end
      own = own_libraries.find { |f| File.file?(f) }
      return [own] if own
      return [DEV_LIB] if File.file?(DEV_LIB)

      [ABI::SONAME, 'sigv4rs']
    end

    # Raises LoadError unless `version` (of the library at `path`) has this
    # binding's major.minor: before 1.0 a minor release changes the ABI.
    def self.check_version!(version, path, want = ABI::ABI_VERSION)
      return if version.split('.').first(2).map { |x| Integer(x, exception: false) } == want

      raise LoadError, "sigv4rs: #{path} is libsigv4rs #{version}, but this binding needs libsigv4rs " \
                       "#{want.join('.')}.x (#{ABI::SONAME}): rebuild it (`cargo build --release`), " \
                       'install that version, or set SIGV4RS_LIB to it'
    end

    begin
      ffi_lib library_candidates
    rescue LoadError => e
      raise LoadError, "sigv4rs: cannot load libsigv4rs (build it with `cargo build --release` at the " \
                       "repository top, install it, or set SIGV4RS_LIB to its full path): #{e.message}"
    end

    # Checked before anything else is attached: an older library may lack
    # symbols, and a clear version error beats "function not found".
    attach_function :sigv4rs_version, [], :string
    check_version!(sigv4rs_version, ffi_libraries.first.name)

    # Every SIGV4RS_* integer constant and enum value of the header (MAX_*,
    # FLAG_*, sizes, AUTH_*, PAYLOAD_MODE_*...), from the generated table.
    ABI.constants.each do |name|
      value = ABI.const_get(name)
      const_set(name, value) if value.is_a?(Integer)
    end
    VERSION_MAJOR, VERSION_MINOR, VERSION_PATCH = ABI::VERSION.split('.').map(&:to_i)

    # enum sigv4rs_status: NAME => number, and STATUS_NAME constants.
    STATUS = ABI::STATUSES.to_h { |code, name, _camel, _message| [name, code] }.freeze
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
             :unsigned_headers_len, :size_t,
             :expiration, :int64
    end

    # sigv4rs_credentials
    class Credentials < ::FFI::Struct
      layout :access_key_id, Bytes,
             :secret_access_key, Bytes,
             :session_token, Bytes,
             :expiration, :int64
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
      layout :_opaque, [:uint64, CHUNKED_STATE_SIZE / 8]
    end

    # sigv4rs_payload_hasher: opaque, caller-owned.
    class PayloadHasher < ::FFI::Struct
      layout :_opaque, [:uint64, PAYLOAD_HASHER_SIZE / 8]
    end

    # sigv4rs_checksum_state: opaque, caller-owned (sigv4rs_checksum_*,
    # Sigv4rs::Checksum).
    class ChecksumState < ::FFI::Struct
      layout :_opaque, [:uint64, CHECKSUM_STATE_SIZE / 8]
    end

    # sigv4rs_signer_storage: opaque, caller-owned (unused from Ruby: the
    # heap signer is simpler to tie to the GC).
    class SignerStorage < ::FFI::Struct
      layout :_opaque, [:uint64, SIGNER_STORAGE_SIZE / 8]
    end

    # sigv4rs_location: which input of a request a failing status is about
    # (sigv4rs_request_locate). `field` is a FIELD_* value, `offset` a byte
    # offset or NO_OFFSET.
    class Location < ::FFI::Struct
      layout :field, :uint32,
             :index, :uint32,
             :offset, :uint32
    end

    # sigv4rs_chain_options: how sigv4rs_chain_new sets up the default
    # credential chain (strings copied; zeroed fields are the defaults).
    class ChainOptions < ::FFI::Struct
      layout :profile, Bytes,
             :region, Bytes,
             :transport, :pointer, # sigv4rs_transport_fn
             :transport_user, :pointer,
             :process_timeout_ms, :uint32
    end

    # sigv4rs_http_request: what the chain asks its transport to send
    # (valid during the transport call only; header values and the body may
    # hold credentials).
    class HttpRequest < ::FFI::Struct
      layout :method, Bytes,
             :url, Bytes,
             :headers, :pointer, # const sigv4rs_header *
             :headers_len, :size_t,
             :body, Bytes,
             :timeout_ms, :uint32
    end

    # sigv4rs_http_response: the transport sets `status` and hands the body
    # over with sigv4rs_http_response_write.
    class HttpResponse < ::FFI::Struct
      layout :status, :uint32,
             :_private, :pointer
    end

    # sigv4rs_verifier_config: what sigv4rs_verify expects (Sigv4rs::Verifier).
    class VerifierConfig < ::FFI::Struct
      layout :region, Bytes,
             :service, Bytes,
             :flags, :uint32,
             :skip, :uint32,
             :max_skew, :uint32,
             :lookup, :pointer, # sigv4rs_secret_lookup_fn
             :lookup_user, :pointer
    end

    # sigv4rs_verify_result: what sigv4rs_verify found.
    class VerifyResult < ::FFI::Struct
      layout :form, :uint32,
             :expires, :uint32,
             :signed_at, :int64,
             :access_key_id, [:uint8, ABI::MAX_ACCESS_KEY_ID_LEN],
             :access_key_id_len, :size_t,
             :region, [:uint8, ABI::MAX_REGION_LEN],
             :region_len, :size_t,
             :service, [:uint8, ABI::MAX_SERVICE_LEN],
             :service_len, :size_t,
             :signed_headers, [:uint8, ABI::MAX_SIGNED_HEADERS_LEN],
             :signed_headers_len, :size_t,
             :canonical_request_len, :size_t
    end

    # sigv4rs_body_verifier: opaque, caller-owned state of one request
    # body being verified (Sigv4rs::BodyVerifier).
    class BodyVerifier < ::FFI::Struct
      layout :_opaque, [:uint64, BODY_VERIFIER_SIZE / 8]
    end

    # The structs above, by their C names in ABI::LAYOUTS.
    STRUCTS = {
      sigv4rs_bytes: Bytes, sigv4rs_header: Header, sigv4rs_config: Config, sigv4rs_credentials: Credentials,
      sigv4rs_request: Request,
      sigv4rs_stream: Stream, sigv4rs_signer_storage: SignerStorage, sigv4rs_payload_hasher: PayloadHasher,
      sigv4rs_chunked: Chunked, sigv4rs_checksum_state: ChecksumState, sigv4rs_location: Location,
      sigv4rs_chain_options: ChainOptions, sigv4rs_http_request: HttpRequest, sigv4rs_http_response: HttpResponse,
      sigv4rs_verifier_config: VerifierConfig, sigv4rs_verify_result: VerifyResult,
      sigv4rs_body_verifier: BodyVerifier
    }.freeze

    # Raises LoadError unless each struct has the size and field offsets
    # that `layouts` (the generated table) gives its C type.
    def self.check_layouts!(layouts = ABI::LAYOUTS)
      STRUCTS.each do |c_name, struct|
        size, fields = layouts.fetch(c_name) { raise LoadError, "sigv4rs: #{c_name} is missing from the ABI table" }
        have = struct.members.to_h { |f| [f, struct.offset_of(f)] }
        diffs = (have.keys | fields.keys).filter_map do |f|
          "#{f} at #{have[f].inspect} (table: #{fields[f].inspect})" unless have[f] == fields[f]
        end
        diffs.unshift("size #{struct.size} (table: #{size})") unless struct.size == size
        next if diffs.empty?

        raise LoadError, "sigv4rs: #{struct} differs from #{c_name} in the ABI table: #{diffs.join(', ')}"
      end
      nil
    end
    check_layouts!

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
    # (signer, request, unix_time, auth (AUTH_*), expires_secs, out, out_cap, out_len)
    attach_function :sigv4rs_signer_canonical_request,
                    [:pointer, :pointer, :int64, :uint32, :uint32, :pointer, :size_t, :pointer], :uint32
    attach_function :sigv4rs_signer_string_to_sign,
                    [:pointer, :pointer, :int64, :uint32, :uint32, :pointer, :size_t, :pointer], :uint32
    attach_function :sigv4rs_chunked_encoded_length, [:pointer, :pointer], :uint32
    attach_function :sigv4rs_chunked_begin,
                    [:pointer, :pointer, :int64, :pointer, :pointer, :pointer, :size_t, :pointer], :uint32
    attach_function :sigv4rs_chunked_sign_chunk, [:pointer, :pointer, Bytes.by_value, :pointer, :size_t, :pointer],
                    :uint32
    attach_function :sigv4rs_chunked_finish, [:pointer, :pointer, :pointer, :size_t, :pointer], :uint32
    # (signer, data, data_len, spans, spans_len, payload_mode, unix_time, auth,
    # expires_secs, out, out_cap, out_len, fields, fields_cap): the request as
    # one buffer plus (offset, length) uint32 spans; `data` and `spans` may
    # be Strings (ruby-ffi passes their bytes, read during the call only).
    attach_function :sigv4rs_signer_sign_packed,
                    [:pointer, :pointer, :size_t, :pointer, :size_t, :uint32, :int64, :uint32, :uint32,
                     :pointer, :size_t, :pointer, :pointer, :size_t], :uint32
    # Credentials that change under a signer (src/ffi/creds.rs).
    # sigv4rs_provider_fn: (user, unix_time, sink) -> status. Called from
    # inside a signing call on the signing thread; must not raise.
    callback :sigv4rs_provider_fn, [:pointer, :int64, :pointer], :uint32
    # (signer, const sigv4rs_credentials *)
    attach_function :sigv4rs_signer_rotate, [:pointer, :pointer], :uint32
    # (signer, provider or nil, user, margin_secs)
    attach_function :sigv4rs_signer_set_provider, [:pointer, :sigv4rs_provider_fn, :pointer, :uint32], :uint32
    # (sink, const sigv4rs_credentials *): inside a provider call only.
    attach_function :sigv4rs_credentials_sink_put, [:pointer, :pointer], :uint32
    # (signer, int64_t *out): Unix seconds, 0 when they do not expire.
    attach_function :sigv4rs_signer_expiration, [:pointer, :pointer], :uint32
    # (signer, json): rotates to a credentials document (IMDS, ECS, IoT...).
    attach_function :sigv4rs_signer_rotate_json, [:pointer, Bytes.by_value], :uint32
    # (signer, xml): rotates to an S3 CreateSession or STS AssumeRole* response.
    attach_function :sigv4rs_signer_rotate_xml, [:pointer, Bytes.by_value], :uint32
    # S3 flexible checksums (src/ffi/checksum.rs): (state, CHECKSUM_*),
    # (state, data), (state, out, out_cap, out_len), and the header name
    # (static; NULL for a kind the library lacks).
    attach_function :sigv4rs_checksum_init, [:pointer, :uint32], :uint32
    attach_function :sigv4rs_checksum_update, [:pointer, Bytes.by_value], :uint32
    attach_function :sigv4rs_checksum_finish, [:pointer, :pointer, :size_t, :pointer], :uint32
    attach_function :sigv4rs_checksum_header_name, [:uint32], :string
    attach_function :sigv4rs_status_str, [:uint32], :string
    # The default credential chain (src/ffi/chain.rs). sigv4rs_transport_fn:
    # (user, const sigv4rs_http_request *, sigv4rs_http_response *) -> status.
    callback :sigv4rs_transport_fn, [:pointer, :pointer, :pointer], :uint32
    # (const sigv4rs_chain_options *, sigv4rs_chain **out)
    attach_function :sigv4rs_chain_new, [:pointer, :pointer], :uint32
    attach_function :sigv4rs_chain_free, [:pointer], :void
    # (chain, unix_time, sink): a sigv4rs_provider_fn. Releases the GVL: a
    # credential_process or STS's retries may take seconds, and the chain's
    # transport (Ruby) runs meanwhile (ruby-ffi takes the GVL back for it).
    attach_function :sigv4rs_chain_resolve, [:pointer, :int64, :pointer], :uint32, blocking: true
    # (chain, out, out_cap, out_len): why the last resolve failed, NUL-terminated.
    attach_function :sigv4rs_chain_last_error, [:pointer, :pointer, :size_t, :pointer], :uint32
    # (resp, data, len): inside a transport call only.
    attach_function :sigv4rs_http_response_write, [:pointer, :pointer, :size_t], :uint32
    # The verifier (src/ffi/verify.rs). sigv4rs_secret_lookup_fn: (user,
    # akid, akid_len, secret, secret_cap, *secret_len, token, token_cap,
    # *token_len) -> status; called from inside the verify call, on its
    # thread, with the GVL (the calls are not `blocking:`).
    callback :sigv4rs_secret_lookup_fn,
             [:pointer, :pointer, :size_t, :pointer, :size_t, :pointer, :pointer, :size_t, :pointer], :uint32
    # (config, request, unix_time, result, canonical_request, cap)
    attach_function :sigv4rs_verify, [:pointer, :pointer, :int64, :pointer, :pointer, :size_t], :uint32
    # (config, request, unix_time, result, canonical_request, cap, body state)
    attach_function :sigv4rs_body_verifier_begin,
                    [:pointer, :pointer, :int64, :pointer, :pointer, :size_t, :pointer], :uint32
    # (body state, data (decoded in place), len, *decoded_len)
    attach_function :sigv4rs_body_verifier_update, [:pointer, :pointer, :size_t, :pointer], :uint32
    attach_function :sigv4rs_body_verifier_finish, [:pointer], :uint32
    # (request, status, out): after a call given `request` failed with
    # `status`, which input it is about. Called on failures only.
    attach_function :sigv4rs_request_locate, [:pointer, :uint32, :pointer], :uint32

    # Writes one sigv4rs_bytes at `at` of `mem` (at address `base`) for `s`,
    # its bytes copied to `off`; returns the next free offset.
    def self.put_bytes(mem, base, at, s, off)
      n = s.bytesize
      if n.zero?
        mem.put_pointer(at, 0)
      else
        mem.put_bytes(off, s)
        mem.put_pointer(at, base + off)
      end
      mem.put(::FFI.find_type(:size_t), at + Bytes.offset_of(:len), n)
      off + n
    end
  end
end
