# frozen_string_literal: true

# AWS SigV4 signing through libsigv4rs (a Rust library with a C ABI).
module Sigv4rs
  GEM_VERSION = '0.1.0'

  autoload :NetHTTP, 'sigv4rs/net_http'

  # Version of the loaded native library, e.g. "0.1.0".
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
require_relative 'sigv4rs/signer'
require_relative 'sigv4rs/chunked'
