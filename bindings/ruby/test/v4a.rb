# frozen_string_literal: true

require 'openssl'

# SigV4a as the suite and AWS define it, independent of the library: the
# ECDSA P-256 verification of a string to sign, and the key derivation from
# an access key pair (NIST SP 800-108 counter-mode HMAC-SHA256, as
# aws-c-auth's aws_ecc_key_pair_new_ecdsa_p256_key_from_aws_credentials and
# aws-sdk-go-v2's internal/v4a deriveKeyFromAccessKeyPair do it).
module V4a
  GROUP = OpenSSL::PKey::EC::Group.new('prime256v1')
  N = GROUP.order.to_i
  LABEL = 'AWS4-ECDSA-P256-SHA256'.b

  module_function

  # The private scalar for an access key pair: the first candidate
  # c = KDF(counter) with c <= n - 2, plus 1.
  def derive(akid, secret)
    key = "AWS4A#{secret}".b
    (1..254).each do |counter| # aws-c-auth stops at 254
      # K(1) = HMAC(key, [i=1]32 || label || 0x00 || akid || counter || [L=256]32):
      # one block gives the 256 bits.
      fixed = LABEL + "\x00".b + akid.b + counter.chr + [256].pack('N')
      c = OpenSSL::HMAC.digest('SHA256', key, [1].pack('N') + fixed).unpack1('H*').to_i(16)
      return c + 1 if c <= N - 2
    end
    raise 'exhausted the counter'
  end

  # Uncompressed public point (04 || x || y) of a private scalar, in hex.
  def public_hex(d)
    GROUP.generator.mul(OpenSSL::BN.new(d)).to_octet_string(:uncompressed).unpack1('H*')
  end

  # An OpenSSL public key from the uncompressed point in hex.
  def public_key(point_hex)
    spki = OpenSSL::ASN1::Sequence([
                                     OpenSSL::ASN1::Sequence([OpenSSL::ASN1::ObjectId('id-ecPublicKey'),
                                                              OpenSSL::ASN1::ObjectId('prime256v1')]),
                                     OpenSSL::ASN1::BitString([point_hex].pack('H*'))
                                   ])
    OpenSSL::PKey::EC.new(spki.to_der)
  end

  # Whether `sig_hex` (hex DER, as in Authorization) is an ECDSA-SHA256
  # signature of `sts` under `key`.
  def verifies?(key, sts, sig_hex)
    return false unless sig_hex.is_a?(String) && sig_hex.match?(/\A(?:\h\h)+\z/)

    key.verify('SHA256', [sig_hex].pack('H*'), sts)
  rescue OpenSSL::PKey::PKeyError
    false
  end
end
