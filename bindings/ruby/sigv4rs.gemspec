# frozen_string_literal: true

require_relative 'lib/sigv4rs/abi'

Gem::Specification.new do |s|
  s.name = 'sigv4rs'
  s.version = Sigv4rs::ABI::VERSION
  s.summary = 'AWS Signature Version 4 signing through libsigv4rs (Rust, C ABI)'
  s.description = 'Ruby binding (ruby-ffi) of libsigv4rs: header signing, presigned URLs, ' \
                  'Net::HTTP integration. Needs libsigv4rs.so (cargo build --release).'
  s.authors = ['sigv4rs contributors']
  s.license = 'Apache-2.0'
  s.files = Dir['lib/**/*.rb'] + ['README.md']
  s.require_paths = ['lib']
  s.required_ruby_version = '>= 3.0'
  s.add_runtime_dependency 'ffi', '>= 1.15'
  s.add_development_dependency 'aws-sigv4', '>= 1.5'
  s.add_development_dependency 'minitest', '>= 5.15'
end
