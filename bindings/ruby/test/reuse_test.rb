# frozen_string_literal: true

require_relative 'test_helper'

# A signer reuses its buffers (data, spans, output) from call to call: no
# call may see what an earlier or a concurrent one left there.
class ScratchTest < Minitest::Test
  URL = 'https://examplebucket.s3.amazonaws.com/test.txt?list-type=2'
  TIME = 1_440_938_160

  def signer
    Sigv4rs::Signer.new(access_key_id: EXAMPLE_AKID, secret_access_key: EXAMPLE_SECRET, session_token: 'tok',
                        region: 'us-east-1', service: 's3', s3: true)
  end

  # Long then short, header signing then presigning, over the scratch
  # sizes (4 KiB) and back.
  REQUESTS = [5000, 3, 0, 200, 9000, 1].each_with_index.map do |n, i|
    [i.even? ? :sign : :presign, "#{URL}&i=#{i}", { 'host' => 'examplebucket.s3.amazonaws.com', 'x-pad' => 'p' * n },
     'b' * (n / 2)]
  end.freeze

  def run_one(s, (op, url, headers, body))
    if op == :sign
      s.sign_request(http_method: 'PUT', url: url, headers: headers, body: body, time: TIME)
    else
      s.presign_url(http_method: 'GET', url: url, headers: headers, time: TIME, expires_in: 60)
    end
  end

  def test_reused_signer_matches_fresh_signers
    want = REQUESTS.map { |r| s = signer; run_one(s, r).tap { s.close } }
    s = signer
    2.times { assert_equal want, REQUESTS.map { |r| run_one(s, r) } }
  end

  def test_threads_sign_different_requests_with_one_signer
    s = signer
    want = REQUESTS.map { |r| run_one(s, r) }
    bad = Array.new(4) do |t|
      Thread.new { Array.new(300) { |k| i = (k + t) % REQUESTS.size; run_one(s, REQUESTS[i]) == want[i] }.count(false) }
    end.sum(&:value)
    assert_equal 0, bad
  end
end
