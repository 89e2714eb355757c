# frozen_string_literal: true

require_relative 'test_helper'
require 'json'
require 'stringio'

# S3 flexible checksums (Sigv4rs.checksum, Sigv4rs::Checksum, aws-chunked
# trailers) against tests/data/checksum-vectors.json: values computed by
# botocore and awscrt (tests/tools/checksum_vectors.py), as
# tests/checksums.rs reads them.
class ChecksumTest < Minitest::Test
  VECTORS = File.expand_path('../../../tests/data/checksum-vectors.json', __dir__)
  ALGORITHMS = %i[crc32 crc32c crc64nvme sha1 sha256].freeze

  def data
    @data ||= JSON.parse(File.read(VECTORS))
  end

  # [name, payload bytes, case] for every case.
  def cases
    data['cases'].map do |c|
      payload = c['payload_hex'] ? [c['payload_hex']].pack('H*') : [c['repeat_hex']].pack('H*') * c['count']
      [c['name'], payload, c]
    end
  end

  def test_single_shot_values_match_botocore
    n = 0
    cases.each do |name, payload, c|
      ALGORITHMS.each do |alg|
        assert_equal ["x-amz-checksum-#{alg}", c.fetch(alg.to_s)], Sigv4rs.checksum(alg, payload), "#{name} #{alg}"
        n += 1
      end
    end
    Summary << "ruby checksums: #{n}/#{n} values as botocore/awscrt (#{cases.size} payloads x #{ALGORITHMS.size}; " \
               "botocore #{data['botocore']}, awscrt #{data['awscrt']})"
    assert_operator cases.size, :>=, 30
  end

  # Any split of the data gives the same value (state carried across
  # updates), from Strings or an IO.
  def test_incremental_values_match_botocore
    rng = Random.new(15)
    cases.each do |name, payload, c|
      ALGORITHMS.each do |alg|
        ck = Sigv4rs::Checksum.new(alg)
        pos = 0
        while pos < payload.bytesize
          n = rng.rand(1..[payload.bytesize - pos, 97].min)
          ck << payload.byteslice(pos, n)
          pos += n
        end
        ck.update('') # empty pieces change nothing
        assert_equal c.fetch(alg.to_s), ck.finish, "#{name} #{alg} in pieces"
      end
    end
    _, payload, c = cases.last # 65 KiB, read from an IO
    io = StringIO.new(payload)
    assert_equal ['x-amz-checksum-crc64nvme', c['crc64nvme']], Sigv4rs.checksum(:crc64nvme, io)
    assert_equal 0, io.pos, 'the IO is rewound'
  end

  def test_algorithm_names
    _, payload, c = cases[1]
    ['CRC64NVME', 'crc64nvme', :CRC64NVME].each do |alg|
      assert_equal ['x-amz-checksum-crc64nvme', c['crc64nvme']], Sigv4rs.checksum(alg, payload)
    end
    ck = Sigv4rs::Checksum.new('SHA1')
    assert_equal :sha1, ck.algorithm
    assert_equal 'x-amz-checksum-sha1', ck.header_name
    assert_equal '#<Sigv4rs::Checksum sha1>', ck.inspect
    assert_match(/must be one of/, assert_raises(ArgumentError) { Sigv4rs::Checksum.new(:md5) }.message)
    assert_raises(ArgumentError) { Sigv4rs.checksum(nil, '') }
    assert_raises(TypeError) { Sigv4rs::Checksum.new(:crc32) << 42 }
  end

  # One use: after #finish the C state refuses more (NOT_INITIALIZED).
  def test_finish_ends_it
    ck = Sigv4rs::Checksum.new(:crc32)
    ck << 'abc'
    ck.finish
    assert_raises(Sigv4rs::NotInitializedError) { ck << 'more' }
    assert_raises(Sigv4rs::NotInitializedError) { ck.finish }
  end

  # CRC64NVME and SHA-1 as aws-chunked trailers: the trailer's value is
  # botocore's for the payload.
  def test_trailer_values_match_botocore
    signer = Sigv4rs::Signer.new(access_key_id: EXAMPLE_AKID, secret_access_key: EXAMPLE_SECRET, region: 'us-east-1',
                                 service: 's3', s3: true)
    url = 'https://examplebucket.s3.amazonaws.com/chunkObject.txt'
    n = 0
    cases.select { |name, _, _| ['empty', 'check', 'random 1000', 'AWS streaming example'].include?(name) }
         .each do |name, payload, c|
      %i[crc64nvme sha1].each do |alg|
        %i[signed_trailer unsigned_trailer].each do |mode|
          headers, enc = signer.sign_streaming(url: url, size: payload.bytesize, body: payload, chunk_size: 8192,
                                               mode: mode, checksum: alg, time: Time.utc(2013, 5, 24))
          assert_equal "x-amz-checksum-#{alg}", headers['X-Amz-Trailer']
          body = enc.read
          assert_equal enc.encoded_length, body.bytesize
          assert_includes body, "\r\nx-amz-checksum-#{alg}:#{c[alg.to_s]}\r\n", "#{name} #{alg} #{mode}"
          n += 1
        end
      end
    end
    assert_equal 16, n
  end
end
