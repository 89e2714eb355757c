# frozen_string_literal: true

require_relative 'test_helper'
require 'fileutils'
require 'open3'
require 'rbconfig'
require 'tmpdir'

# The ABI facts come from the generated table (lib/sigv4rs/abi.rb): they
# agree with include/sigv4rs.h and the loaded library, and they drive the
# binding (a status added to the table gets its error class; a library of
# another ABI version is refused at load).
class AbiTest < Minitest::Test
  F = Sigv4rs::FFI
  ABI = Sigv4rs::ABI
  HEADER = File.expand_path('../../../include/sigv4rs.h', __dir__)
  LIB_DIR = File.expand_path('../lib', __dir__)

  def header
    @header ||= File.read(HEADER)
  end

  def loaded_library
    path = F.ffi_libraries.first.name
    assert File.file?(path), "tests load the library by path, got #{path}"
    path
  end

  # `script` in a fresh `ruby -w` whose lib/ is a copy of this one (so no
  # development build next to it), with the copy's abi.rb rewritten by the
  # block; returns [stdout and stderr, status].
  def run_with_table(script, env = { 'SIGV4RS_LIB' => loaded_library })
    Dir.mktmpdir do |dir|
      FileUtils.cp_r(LIB_DIR, dir)
      abi = File.join(dir, 'lib/sigv4rs/abi.rb')
      File.write(abi, block_given? ? yield(File.read(abi)) : File.read(abi))
      Open3.capture2e(env, RbConfig.ruby, '-w', '-I', File.join(dir, 'lib'), '-e', "require 'sigv4rs'\n#{script}")
    end
  end

  def library_soname
    IO.popen(['objdump', '-p', loaded_library], &:read)[/^\s*SONAME\s+(\S+)$/, 1]
  end

  # Every integer SIGV4RS_* of the header (#define or enum value) is a
  # Sigv4rs::FFI constant of the same value, statuses as STATUS_*.
  def test_header_constants
    # Without the small-limits build's values (#if defined(SIGV4RS_LIMITS_SMALL)).
    default = header.gsub(/^#if defined\(SIGV4RS_LIMITS_SMALL\)$.*?^#endif$/m, '')
    defines = default.scan(/^#define SIGV4RS_(\w+) (\d+)$/)
    enums = header.scan(/^ +SIGV4RS_(\w+) = (\d+),?$/)
    consts = (defines + enums).reject { |n, _| n.start_with?('VERSION_') }.to_h { |n, v| [n, Integer(v)] }
    %w[MAX_EXPIRES SIGNER_STORAGE_SIZE STATUS_PANIC AUTH_PRESIGN PAYLOAD_MODE_UNSIGNED CHECKSUM_SHA256].each do |n|
      assert consts.key?(n), "the header parser found #{n}"
    end
    consts.each do |name, value|
      assert F.const_defined?(name, false), "Sigv4rs::FFI::#{name} is missing"
      assert_equal value, F.const_get(name, false), name
    end
  end

  def test_statuses_match_header_and_library
    from_header = header.scan(/^ +SIGV4RS_STATUS_(\w+) = (\d+),?$/).map { |n, c| [Integer(c), n.to_sym] }
    assert_equal from_header, ABI::STATUSES.map { |code, name, _, _| [code, name] }
    ABI::STATUSES.each { |code, _, _, message| assert_equal message, Sigv4rs.status_message(code) }
  end

  # The version is typed nowhere in the binding: gem, gemspec and the
  # library search all come from the table, which matches the library.
  def test_versions
    version = Sigv4rs.library_version
    assert_equal header[/^#define SIGV4RS_VERSION_MAJOR (\d+)$/, 1], version.split('.')[0]
    assert_equal header[/^#define SIGV4RS_VERSION_MINOR (\d+)$/, 1], version.split('.')[1]
    assert_equal version, ABI::VERSION
    assert_equal version, Sigv4rs::GEM_VERSION
    assert_equal version, Gem::Specification.load(File.expand_path('../sigv4rs.gemspec', __dir__)).version.to_s
    assert_equal version.split('.').first(2).map(&:to_i), ABI::ABI_VERSION
    assert_equal library_soname, ABI::SONAME
  end

  # Installed (no SIGV4RS_LIB, no development build), the library is found
  # on the search path by the table's SONAME.
  def test_installed_library_is_found_by_soname
    Dir.mktmpdir do |libdir|
      File.symlink(loaded_library, File.join(libdir, library_soname))
      out, st = run_with_table('puts Sigv4rs::FFI.ffi_libraries.first.name',
                               { 'SIGV4RS_LIB' => nil, 'LD_LIBRARY_PATH' => libdir })
      assert st.success?, out
      assert_equal "#{library_soname}\n", out
    end
  end

  def test_check_version
    assert_nil F.check_version!('0.2.7', 'lib.so', [0, 2])
    ['0.1.0', '0.3.0', '1.2.0', '2', 'garbage', ''].each do |v|
      e = assert_raises(LoadError, v) { F.check_version!(v, '/x/libsigv4rs.so', [0, 2]) }
      assert_includes e.message, "/x/libsigv4rs.so is libsigv4rs #{v}, but this binding needs libsigv4rs 0.2.x"
    end
  end

  # A binding whose table says ABI 0.1 refuses this library at load, naming
  # both versions and the path; the same copy unchanged loads it.
  def test_library_of_another_abi_is_refused_at_load
    out, st = run_with_table('puts Sigv4rs.library_version')
    assert st.success?, out
    assert_equal "#{Sigv4rs.library_version}\n", out

    out, st = run_with_table('puts :loaded') { |t| t.sub(/ABI_VERSION = \[\d+, \d+\]/, 'ABI_VERSION = [0, 1]') }
    refute st.success?, out
    assert_includes out, "#{loaded_library} is libsigv4rs #{Sigv4rs.library_version}, " \
                         'but this binding needs libsigv4rs 0.1.x'
    assert_includes out, '(LoadError)'
    refute_includes out, 'loaded'
  end

  # A line added to the table's STATUSES is all a new status takes: it gets
  # its Error subclass, its STATUS_ constant and its place in for_status.
  def test_a_status_added_to_the_table_gets_its_error_class
    script = <<~RUBY
      e = Sigv4rs::Error.for_status(152)
      p [e.class, e.code, e.is_a?(Sigv4rs::Error), Sigv4rs::BogusStatusError.new.code,
         Sigv4rs::FFI::STATUS_BOGUS_STATUS, Sigv4rs::FFI::STATUS[:BOGUS_STATUS]]
    RUBY
    line = %(      [152, :BOGUS_STATUS, "BogusStatus", "bogus status"],\n)
    out, st = run_with_table(script) { |t| t.sub(/^    \]\.freeze$/) { "#{line}#{$&}" } }
    assert st.success?, out
    assert_equal "[Sigv4rs::BogusStatusError, 152, true, 152, 152, 152]\n", out
  end
end
