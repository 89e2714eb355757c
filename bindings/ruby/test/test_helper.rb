# frozen_string_literal: true

require 'minitest/autorun'
require 'sigv4rs'
require 'uri'

# Summary lines, printed once after every test has run.
module Summary
  LINES = []
  COUNTS = Hash.new(0)
  # Lines made from counts that passing tests add.
  FORMATS = {
    net_http: 'ruby net/http: %d/7 requests to a local TCPServer verified with Aws::Sigv4',
    chunked: 'ruby aws-chunked: %d/8 streaming tests passed (both AWS S3 examples byte for byte)',
    server_rules: 'ruby server rules (issue 10: + is a space, host lower-case, escaped dots): %d/9 tests passed',
    differences: 'ruby named differences from aws-sigv4: %d/16 shown (test/differences_test.rb)',
    errors: 'ruby errors: %d/14 error-path tests passed',
    verifier: 'ruby verify: %d/16 Verifier#verify tests passed (signed by the binding and by aws-sigv4, tampered copies refused)',
    body_verifier: 'ruby body verify: %d/9 Verifier#begin tests passed (plain, presigned, the AWS documentation chunked upload, aws-chunked in 3 modes)',
    rack: 'ruby rack middleware: %d/10 tests passed (hand-built envs, one request through WEBrick)'
  }.freeze

  def self.<<(line)
    LINES << line
  end

  def self.count(key)
    COUNTS[key] += 1
  end

  def self.lines
    LINES + FORMATS.filter_map { |k, f| format(f, COUNTS[k]) if COUNTS.key?(k) }
  end
end
Minitest.after_run { puts '', *Summary.lines unless Summary.lines.empty? }

# Counts each passing test of a class under `key` in the summary.
module CountPasses
  def summary_key(key)
    define_method(:after_teardown) do
      super()
      Summary.count(key) if passed?
    end
  end
end

EXAMPLE_AKID = 'AKIDEXAMPLE'
EXAMPLE_SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'

# A query as an AWS server reads it, written in SigV4's canonical encoding:
# each key and value form-decoded (a raw `+` is a space), then every byte but
# the unreserved ones percent-encoded (RFC 3986). Order, bare keys (`?acl`)
# and `k=` are kept; empty pieces dropped. Aws::Sigv4 signs the query as
# written, so it is given this to compute what the server computes.
def server_query(query)
  enc = ->(s) { URI.decode_www_form_component(s).b.gsub(/[^A-Za-z0-9\-._~]/n) { |c| format('%%%02X', c.ord) } }
  query.split('&').reject(&:empty?).map do |piece|
    k, v = piece.split('=', 2)
    v.nil? ? enc.(k) : "#{enc.(k)}=#{enc.(v)}"
  end.join('&')
end
