# frozen_string_literal: true

require_relative 'lib/sigv4rs/abi'

Gem::Specification.new do |s|
  s.name = 'sigv4rs'
  s.version = Sigv4rs::ABI::VERSION
  s.summary = 'AWS Signature Version 4 signing through libsigv4rs (Rust, C ABI)'
  s.description = 'Ruby binding (ruby-ffi) of libsigv4rs: header signing, presigned URLs, ' \
                  'Net::HTTP integration. Installing it compiles the library from the crate ' \
                  'inside the gem with cargo.'
  s.authors = ['sigv4rs contributors']
  s.license = 'Apache-2.0'
  # ext/sigv4rs/crate is staged by `rake gem`; a checkout has none (and
  # extconf.rb says so at install).
  s.files = Dir.glob(%w[lib/**/*.rb README.md ext/sigv4rs/extconf.rb ext/sigv4rs/crate/**/*], base: __dir__)
               .select { |f| File.file?(File.join(__dir__, f)) }.sort
  s.extensions = ['ext/sigv4rs/extconf.rb']
  s.require_paths = ['lib']
  s.required_ruby_version = '>= 3.0'
  s.requirements << 'cargo (Rust 1.88 or later) at install: it compiles libsigv4rs'
  s.add_runtime_dependency 'ffi', '~> 1.15'
  s.add_development_dependency 'aws-sigv4', '~> 1.5'
  s.add_development_dependency 'minitest', '~> 5.15'
end
