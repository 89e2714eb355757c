# frozen_string_literal: true

# Runs the official v4 suite through the binding, from the vector file that
# tests/tools/suite_vectors.py writes from the suite's files
# (tests/data/suite-v4-vectors.txt, shared with the Rust, C, Go, Python and
# firmware runners; SIGV4RS_SUITE_VECTORS names another copy). Expected
# values come only from that file.
module SuiteRunner
  VECTORS = ENV.fetch('SIGV4RS_SUITE_VECTORS') { File.expand_path('../../../tests/data/suite-v4-vectors.txt', __dir__) }

  # One case: its `key value` lines in order.
  class Vector
    attr_reader :name, :fields

    def initialize(name)
      @name = name
      @fields = []
    end

    def [](key)
      fields.assoc(key)&.last
    end

    def all(key)
      fields.select { |k, _| k == key }.map(&:last)
    end

    # `Name:value` values as [name, value].
    def pairs(key)
      all(key).map { |p| p.split(':', 2) }
    end
  end

  module_function

  # With `stress`, every binding call (signer creation, signing, close) runs
  # under GC.stress; reading the vectors does not, to keep it fast.
  def maybe_stressed(stress)
    return yield unless stress

    GC.stress = true
    begin
      yield
    ensure
      GC.stress = false
    end
  end

  # Forwards to a Signer, each call under GC.stress.
  class StressedSigner
    def initialize(**kw)
      @s = SuiteRunner.maybe_stressed(true) { Sigv4rs::Signer.new(**kw) }
    end

    def sign_raw(**kw)
      SuiteRunner.maybe_stressed(true) { @s.sign_raw(**kw) }
    end

    def close
      SuiteRunner.maybe_stressed(true) { @s.close }
    end
  end

  def new_signer(stress, **kw)
    stress ? StressedSigner.new(**kw) : Sigv4rs::Signer.new(**kw)
  end

  # `\\`, `\n` and `\xHH` back to bytes; UTF-8 where the bytes are, as the
  # binding returns its text.
  def unescape(value)
    s = value.b.gsub(/\\(?:x(\h\h)|(.))/n) do
      next Regexp.last_match(1).hex.chr if Regexp.last_match(1)

      { '\\' => '\\', 'n' => "\n" }.fetch(Regexp.last_match(2)) { raise "bad escape in #{value.inspect}" }
    end
    s.force_encoding(Encoding::UTF_8).valid_encoding? ? s : s.b
  end

  def load_vectors(path = VECTORS)
    cases = []
    cur = nil
    File.foreach(path, chomp: true, mode: 'rb') do |line|
      next if line.empty? || line.start_with?('#')

      key, _, value = line.partition(' ')
      case key
      when 'case' then cur = Vector.new(value)
      when 'end' then cases << cur.tap { cur = nil }
      else cur.fields << [key, unescape(value)]
      end
    end
    raise "#{path}: case #{cur.name} has no end" if cur

    cases
  end

  def header_multiset(headers)
    headers.map { |n, v| [n.downcase, v] }.tally
  end

  # The signer's headers replace the request's headers of the same name.
  def merged(req_headers, out)
    req_headers.reject { |n, _| out.any? { |o, _| o.casecmp?(n) } } + out
  end

  def signature_of(out)
    out.find { |n, _| n == 'Authorization' }[1].split('Signature=').last
  end

  # Returns [header_ok, query_ok, partial_ok, complete, failures].
  def run(stress: false)
    failures = []
    check = lambda do |name, what, want, got|
      ok = want == got
      failures << "#{name} #{what}:\n--- expected\n#{want}\n--- got\n#{got}" unless ok
      ok
    end
    header_ok = query_ok = partial_ok = complete = partial = 0
    load_vectors.each do |v|
      h, q = run_case(v, check, stress)
      if q.nil?
        partial += 1
        partial_ok += 1 if h
      else
        complete += 1
        header_ok += 1 if h
        query_ok += 1 if q
      end
    end
    failures << "expected 2 partial cases, found #{partial}" unless partial == 2
    [header_ok, query_ok, partial_ok, complete, failures]
  end

  # Header mode, then (complete cases only) query mode: [header ok, query ok or nil].
  def run_case(v, check, stress)
    name = v.name
    sign_body = v['sign_body'] == '1'
    signer = new_signer(
      stress,
      access_key_id: v['access_key_id'], secret_access_key: v['secret_access_key'],
      session_token: v['session_token'], region: v['region'], service: v['service'],
      normalize_path: v['normalize'] == '1', content_sha256_header: sign_body,
      unsigned_session_token: v['omit_session_token'] == '1'
    )
    args = { method: v['method'], path: v['path'], query: v['query'], headers: v.pairs('header'),
             payload: v['body'], payload_mode: sign_body ? :bytes : :auto, time: v['time'].to_i }

    out = signer.sign_raw(**args, output: :headers)
    creq = signer.sign_raw(**args.merge(time: v['creq_time'].to_i), output: :canonical_request)
    ok = check.(name, 'header canonical request', v['header_creq'], creq)
    if v['header_sts']
      ok &= check.(name, 'header string to sign', v['header_sts'], signer.sign_raw(**args, output: :string_to_sign))
    end
    ok &= check.(name, 'header signature', v['header_sig'], signature_of(out))
    ok &= check.(name, 'header signed request headers', header_multiset(v.pairs('signed_header')),
                 header_multiset(merged(args[:headers], out)))
    return [ok, nil] if v['kind'] == 'partial'

    expires = v['expires'].to_i
    qok = check.(name, 'query canonical request', v['query_creq'],
                 signer.sign_raw(**args, output: :canonical_request, expires_in: expires))
    qok &= check.(name, 'query string to sign', v['query_sts'],
                  signer.sign_raw(**args, output: :string_to_sign, expires_in: expires))
    url = signer.sign_raw(**args, output: :presign, expires_in: expires)
    at = (url.index('?') || url.size - 1) + 1
    query = url[at..].split('&')
    qok &= check.(name, 'presigned URL up to ?', v['presign_prefix'], url[0, at])
    sig = query.find { |p| p.start_with?('X-Amz-Signature=') }.to_s.delete_prefix('X-Amz-Signature=')
    qok &= check.(name, 'query signature', v['query_sig'], sig)
    qok &= check.(name, 'presigned URL parameters', v.all('presign_param').tally, query.tally)
    [ok, qok]
  ensure
    signer&.close
  end
end
