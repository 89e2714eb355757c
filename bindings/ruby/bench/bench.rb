# frozen_string_literal: true

# W1 of /work/shared/bench/WORKLOADS.md, signed by the binding and by
# Aws::Sigv4::Signer (ruby-aws-sigv4, pure Ruby) in one run: microseconds
# per signature, best of several rounds, and the ratio.
#   ruby -Ilib bench/bench.rb [iterations]

require 'sigv4rs'
require 'aws-sigv4'

TOKEN = 'AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=='
AKID = 'AKIDEXAMPLE'
SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'
URL = 'https://examplebucket.s3.amazonaws.com/test.txt?list-type=2&prefix=photos%2F2026'
HOST = 'examplebucket.s3.amazonaws.com'
TIME = Time.utc(2015, 8, 30, 12, 36, 0)
ITERS = Integer(ARGV[0] || 20_000)
ROUNDS = 7

creds = { access_key_id: AKID, secret_access_key: SECRET, session_token: TOKEN, region: 'us-east-1', service: 's3' }
lib = Sigv4rs::Signer.new(**creds, s3: true)
gem = Aws::Sigv4::Signer.new(**creds, uri_escape_path: false, apply_checksum_header: true)

lib_headers = { 'host' => HOST, 'range' => 'bytes=0-9' }
gem_headers = lib_headers.merge('x-amz-date' => TIME.strftime('%Y%m%dT%H%M%SZ')) # its clock

sign_lib = -> { lib.sign_request(http_method: 'GET', url: URL, headers: lib_headers, time: TIME) }
sign_gem = -> { gem.sign_request(http_method: 'GET', url: URL, headers: gem_headers).headers }

# Same signature first, or the comparison means nothing.
a = sign_lib.call['Authorization']
b = sign_gem.call['authorization']
abort "signatures differ:\n  lib #{a}\n  gem #{b}" unless a == b

def best_us(iters, rounds, fn)
  (iters / 10).times { fn.call } # warm up
  Array.new(rounds) do
    t0 = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    iters.times { fn.call }
    (Process.clock_gettime(Process::CLOCK_MONOTONIC) - t0) * 1e6 / iters
  end.min
end

# Interleaved rounds would mix GC debt; run each fully, gem last.
lib_us = best_us(ITERS, ROUNDS, sign_lib)
gem_us = best_us(ITERS / 5, ROUNDS, sign_gem)
fresh_us = best_us(ITERS / 5, ROUNDS, lambda {
  s = Sigv4rs::Signer.new(**creds, s3: true)
  s.sign_request(http_method: 'GET', url: URL, headers: lib_headers, time: TIME)
  s.close
})

puts "W1 (S3 GET, range, session token, fixed time), ruby #{RUBY_VERSION}, ffi #{FFI::VERSION}, " \
     "libsigv4rs #{Sigv4rs.library_version}, aws-sigv4 #{Aws::Sigv4::VERSION}; best of #{ROUNDS} rounds"
printf("  sigv4rs (reuse)          %8.2f us/signature (%d per round)\n", lib_us, ITERS)
printf("  sigv4rs (fresh signer)   %8.2f us/signature (%d per round)\n", fresh_us, ITERS / 5)
printf("  Aws::Sigv4::Signer       %8.2f us/signature (%d per round)\n", gem_us, ITERS / 5)
printf("  ratio aws-sigv4 / sigv4rs (reuse): %.1fx\n", gem_us / lib_us)
