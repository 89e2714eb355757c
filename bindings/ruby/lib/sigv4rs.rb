# frozen_string_literal: true

require_relative 'sigv4rs/abi'

# AWS SigV4 signing through libsigv4rs (a Rust library with a C ABI).
module Sigv4rs
  # The library version this gem was generated for (Cargo.toml's).
  GEM_VERSION = ABI::VERSION

  autoload :NetHTTP, 'sigv4rs/net_http'
  autoload :Rack, 'sigv4rs/rack'

  # Version of the loaded native library ("major.minor.patch").
  def self.library_version
    FFI.sigv4rs_version.dup.force_encoding(Encoding::UTF_8)
  end

  # The message of a status code (sigv4rs_status_str).
  def self.status_message(code)
    FFI.sigv4rs_status_str(code).dup.force_encoding(Encoding::UTF_8) # static ASCII text
  end
end

require_relative 'sigv4rs/ffi'
require_relative 'sigv4rs/errors'
require_relative 'sigv4rs/credentials'
require_relative 'sigv4rs/chain'
require_relative 'sigv4rs/signer'
require_relative 'sigv4rs/checksum'
require_relative 'sigv4rs/chunked'
require_relative 'sigv4rs/verifier'
