#!/usr/bin/env bash
# The Ruby gem as RubyGems installs it (issue 14): `rake install` stages
# the crate, runs `gem build`, then `gem install --local` into a fresh
# GEM_HOME, which compiles libsigv4rs with cargo (ext/sigv4rs/extconf.rb);
# then, outside the tree and with SIGV4RS_LIB unset, Net::HTTP requests
# signed by the gem go to a local server that checks each signature with
# Debian's aws-sigv4 gem, and the library loaded must be the gem's own.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
W=$ROOT/target/install/gem

# The cargo target dir stays between runs (extconf.rb honours
# CARGO_TARGET_DIR): a warm run rebuilds only the sigv4rs crate, whose
# sources `gem install` writes anew.
mkdir -p "$W"
find "$W" -mindepth 1 -maxdepth 1 ! -name cargo -exec rm -rf {} +
export CARGO_TARGET_DIR=$W/cargo
unset SIGV4RS_LIB RUBYLIB RUBYOPT GEM_HOME GEM_PATH

now() { date +%s%N; }
secs() { echo $(( ($2 - $1 + 500000000) / 1000000000 )); }

# A fresh GEM_HOME; GEM_PATH keeps the system gem dirs (Debian's ruby-ffi
# and ruby-aws-sigv4) but not the user's, so that `gem install --local`
# finds ffi without rubygems.org. (--install-dir would look for the
# dependency in that directory only.)
sys_gems=$(ruby -e 'puts((Gem.default_path - [Gem.user_dir]).select { File.directory?(_1) }.join(":"))')
export GEM_HOME=$W/home GEM_PATH=$W/home:$sys_gems

# The README's command: `gem build` on a staged copy, then `gem install`.
t=$(now)
rake -C bindings/ruby install OUT="$W" > "$W/install.log" 2>&1 || {
  tail -n 40 "$W/install.log" >&2; cat "$GEM_HOME"/extensions/*/*/sigv4rs-*/gem_make.out >&2 2>/dev/null || true
  echo "gem: rake install failed (log: $W/install.log)" >&2; exit 1; }
install_s=$(secs "$t" "$(now)")
grep -q "^gem install --local " "$W/install.log" || {
  echo "gem: rake install did not run gem install --local (log: $W/install.log)" >&2; exit 1; }
gem=$(echo "$W"/sigv4rs-*.gem)
[ -f "$gem" ] || { echo "gem: no $W/sigv4rs-*.gem" >&2; exit 1; }

# The gem carries the crate and the extension step, and no prebuilt library.
ruby -rrubygems/package - "$gem" <<'EOF'
pkg = Gem::Package.new(ARGV[0])
files = pkg.contents
need = %w[Cargo.toml Cargo.lock build.rs cbindgen.toml src/lib.rs include/sigv4rs.h].map { "ext/sigv4rs/crate/#{_1}" }
need += %w[ext/sigv4rs/extconf.rb lib/sigv4rs.rb lib/sigv4rs/ffi.rb]
missing = need - files
abort "gem: missing #{missing.join(', ')}" unless missing.empty?
abort "gem: extensions #{pkg.spec.extensions}" unless pkg.spec.extensions == ['ext/sigv4rs/extconf.rb']
prebuilt = files.grep(/\.(so|a|dylib|dll)\z/)
abort "gem: carries #{prebuilt.join(', ')}" unless prebuilt.empty?
EOF

gemdir=$(echo "$GEM_HOME"/gems/sigv4rs-*)
make_out=$(echo "$GEM_HOME"/extensions/*/*/sigv4rs-*/gem_make.out)
# cargo compiled the gem's own copy of the crate.
grep -Fq "Compiling sigv4rs v" "$make_out" && grep -Fq "($gemdir/ext/sigv4rs/crate)" "$make_out" || {
  cat "$make_out" >&2; echo "gem: gem install did not build the gem's crate with cargo" >&2; exit 1; }

# Outside the tree: `require 'sigv4rs'` is the installed gem.
cd "$W"
ruby - <<'EOF'
require 'sigv4rs'
require 'aws-sigv4'
require 'net/http'
require 'socket'
require 'timeout'

fresh = ENV.fetch('GEM_HOME') + '/'
spec = Gem.loaded_specs.fetch('sigv4rs')
abort "gem: sigv4rs loaded from #{spec.full_gem_path}" unless spec.full_gem_path.start_with?(fresh)
libs = Sigv4rs::FFI.ffi_libraries.map(&:name)
mapped = File.readlines('/proc/self/maps').filter_map { _1.split[5] }.grep(/sigv4rs/).uniq
unless libs.size == 1 && libs[0].start_with?(fresh) && mapped == [File.realpath(libs[0])]
  abort "gem: the library loaded is #{libs.inspect} (mapped: #{mapped.inspect}), not the gem's own under #{fresh}"
end

AKID = 'AKIDEXAMPLE'
SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'
TOKEN = 'IQoJb3JpZ2luX2VjEXAMPLETOKEN'

# Each request's signature is recomputed by Aws::Sigv4::Signer from what
# arrived: 200 when it matches, 403 otherwise.
def verify(method, target, headers, body, port)
  auth = headers['authorization']&.first or return 'no Authorization'
  m = %r{\AAWS4-HMAC-SHA256 Credential=#{AKID}/\d{8}/([^/]+)/([^/]+)/aws4_request, SignedHeaders=([^,]+), Signature=\h{64}\z}
      .match(auth) or return "Authorization: #{auth}"
  region, service, signed = m.captures
  signed_headers = signed.split(';').to_h { [_1, headers.fetch(_1, []).join(',')] }
  aws = Aws::Sigv4::Signer.new(access_key_id: AKID, secret_access_key: SECRET, session_token: TOKEN,
                               region: region, service: service, apply_checksum_header: false)
  want = aws.sign_request(http_method: method, url: "http://127.0.0.1:#{port}#{target}",
                          headers: signed_headers, body: body).headers['authorization']
  want == auth ? nil : "aws-sigv4 signs #{want}"
end

server = TCPServer.new('127.0.0.1', 0)
port = server.addr[1]
Thread.new do
  loop do
    sock = server.accept
    method, target, = sock.gets("\r\n").split(' ', 3)
    headers = Hash.new { |h, k| h[k] = [] }
    while (line = sock.gets("\r\n")) && line != "\r\n"
      name, value = line.chomp("\r\n").split(':', 2)
      headers[name.downcase] << value.strip
    end
    body = sock.read(headers['content-length'].first.to_i)
    err = verify(method, target, headers, body, port)
    reply = err ? "403 Forbidden\r\nContent-Length: #{err.bytesize}\r\n\r\n#{err}" : "200 OK\r\nContent-Length: 2\r\n\r\nok"
    sock.write("HTTP/1.1 #{reply}")
    sock.close
  end
end

signer = Sigv4rs::Signer.new(access_key_id: AKID, secret_access_key: SECRET, session_token: TOKEN,
                             region: 'eu-west-1', service: 'execute-api')
base = "http://127.0.0.1:#{port}"
get = Net::HTTP::Get.new(URI("#{base}/items/a%20b?z=1&a=two%2Fthree"))
get['X-Custom'] = 'one  two'
post = Net::HTTP::Post.new(URI("#{base}/orders"))
post['Content-Type'] = 'application/json'
post.body = '{"item":"café","n":2}'.b
tampered = Net::HTTP::Put.new(URI("#{base}/orders/1"))
tampered.body = 'signed body'

def send_request(req)
  Timeout.timeout(20) do
    Net::HTTP.start(req.uri.host, req.uri.port, open_timeout: 5, read_timeout: 5) { |h| h.request(req) }
  end
end

[get, post, tampered].each { signer.sign_net_http!(_1) }
tampered.body = 'other body' # after signing: the server must refuse it
[[get, '200'], [post, '200'], [tampered, '403']].each do |req, code|
  res = send_request(req)
  next if res.code == code && (code == '200' || res.body.start_with?('aws-sigv4 signs'))

  abort "gem: #{req.method} #{req.path}: #{res.code} #{res.body} (want #{code})"
end
EOF

# RubyGems also keeps the library in the gem's extension directory; the gem
# finds it there when lib/ has no copy (RubyGems set not to copy extensions
# into lib/), and SIGV4RS_LIB still wins over both.
own=$gemdir/lib/sigv4rs/libsigv4rs.so
mkdir -p "$W/override"
cp "$own" "$W/override/libsigv4rs.so"
loaded() { ruby -e 'require "sigv4rs"; puts Sigv4rs::FFI.ffi_libraries.map(&:name)'; }
got=$(SIGV4RS_LIB=$W/override/libsigv4rs.so loaded)
[ "$got" = "$W/override/libsigv4rs.so" ] || { echo "gem: with SIGV4RS_LIB set, loaded $got" >&2; exit 1; }
rm "$own"
got=$(loaded)
case $got in
  "$GEM_HOME"/extensions/*/sigv4rs/libsigv4rs.so) ;;
  *) echo "gem: without lib/sigv4rs/libsigv4rs.so, loaded $got, not the extension dir's" >&2; exit 1 ;;
esac

kib() { echo $(( ($(stat -c %s "$1") + 1023) / 1024 )); }
crates=$(grep -c "^ *Compiling " "$make_out")
echo "gem ok ($(basename "$gem") $(kib "$gem") KiB, libsigv4rs.so $(kib "$W/override/libsigv4rs.so") KiB," \
  "rake install ${install_s} s (cargo compiled $crates crate$([ "$crates" = 1 ] || echo s)), 3 requests checked by aws-sigv4)"
