# frozen_string_literal: true

# `gem install` runs this, then `make clean`, `make` and `make install` here
# (RubyGems' ExtConfBuilder). The Makefile is written by hand, not by mkmf:
# nothing is compiled against Ruby, so no ruby-dev is needed. cargo builds
# the crate the gem carries (crate/, staged by `rake gem`); `make install`
# copies the library to $(sitearchdir)/sigv4rs: RubyGems sets sitearchdir to
# a scratch directory whose contents it then copies into the gem's lib/ and
# its extension dir.
require 'rbconfig'
require 'shellwords'

crate = File.expand_path('crate', __dir__)
unless File.file?(File.join(crate, 'Cargo.toml'))
  abort "sigv4rs: #{crate} is missing: this gem was built without the crate. " \
        'Build the gem with `rake gem` in bindings/ruby (it stages the crate), not `gem build` alone.'
end

cargo = ENV.fetch('CARGO', 'cargo')
cargo_version = begin
  IO.popen([*cargo.shellsplit, '--version'], err: File::NULL, &:read)
rescue SystemCallError
  nil
end
unless cargo_version && $?.success?
  abort "sigv4rs: `#{cargo}` not found: installing this gem compiles libsigv4rs with cargo " \
        '(Rust 1.88 or later, e.g. from https://rustup.rs), or set CARGO to it.'
end
puts "sigv4rs: building libsigv4rs with #{cargo_version.strip}"

# CARGO_TARGET_DIR is honoured, so that reinstalls can share a build cache;
# by default cargo builds inside the gem, and that directory (tens of MB)
# goes once the library is installed.
own_target = ENV['CARGO_TARGET_DIR'].to_s.empty?
target_dir = own_target ? File.join(crate, 'target') : File.expand_path(ENV['CARGO_TARGET_DIR'])
windows = RbConfig::CONFIG['host_os'].match?(/mswin|mingw|cygwin/)
lib_name = "#{windows ? '' : 'lib'}sigv4rs.#{RbConfig::CONFIG['SOEXT']}" # ffi's map_library_name
built = File.join(target_dir, 'release', lib_name)

sh = ->(*words) { words.map { |w| w.to_s.shellescape }.join(' ') }
# $(sitearchdir) is set by RubyGems' siteconf (relative to this directory);
# $(DESTDIR) is passed on make's command line.
remove_target = own_target ? "\trm -rf #{sh.(target_dir)}\n" : ''
File.write('Makefile', <<~MAKE)
  # Written by extconf.rb: cargo builds libsigv4rs, install copies it.
  SHELL = /bin/sh
  DESTDIR =
  sitearchdir = #{RbConfig::CONFIG['sitearchdir']}

  all:
  \tCARGO_TARGET_DIR=#{sh.(target_dir)} #{sh.(*cargo.shellsplit, 'build', '--release', '--locked', '--lib',
                                              '--manifest-path', File.join(crate, 'Cargo.toml'))}

  install: all
  \tmkdir -p "$(DESTDIR)$(sitearchdir)/sigv4rs"
  \tcp #{sh.(built)} "$(DESTDIR)$(sitearchdir)/sigv4rs/#{lib_name}"
  #{remove_target}
  clean:
  #{remove_target}
  .PHONY: all install clean
MAKE
