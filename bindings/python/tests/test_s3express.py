"""S3 Express One Zone through the binding against botocore
(tests/data/s3express-vectors.json, written by tests/tools/s3express_vectors.py
with botocore's S3ExpressAuth / S3ExpressQueryAuth and its REST-XML parser):
canonical request, string to sign, added headers and presigned URL byte for
byte; CreateSession documents read by `Signer.rotate_xml` into the
credentials botocore reads. Expected values come only from the JSON file."""

import datetime
import json
import os

import pytest

import sigv4rs

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
VECTORS = os.environ.get("SIGV4RS_S3EXPRESS_VECTORS") or os.path.join(ROOT, "tests", "data",
                                                                        "s3express-vectors.json")

with open(VECTORS, encoding="utf-8") as f:
    DOC = json.load(f)
SEED = DOC["cases"][0]
URL = SEED["url"]


def express_signer(c, **kw):
    # S3 is implied: S3 Express alone must give S3's rules.
    return sigv4rs.Signer(c["access_key_id"], c["secret_access_key"], c["region"], c["service"],
                          session_token=c["session_token"], s3express=True, **kw)


def lower_sorted(pairs):
    return sorted((n.lower(), v) for n, v in pairs)


def run_case(c):
    """Mismatches of one case, as text."""
    bad = []

    def check(what, want, got):
        if want != got:
            bad.append("%s %s:\n--- botocore\n%s\n--- sigv4rs\n%s" % (c["id"], what, want, got))

    presign = c["mode"] == "presign"
    kw = dict(headers=[tuple(h) for h in c["headers"]], time=c["unix_time"])
    if presign or c["payload_signing"]:
        kw["body"] = c["body"].encode()
    else:
        kw["unsigned_payload"] = True
    expires = {"presign_expires": c["expires"]} if presign else {}
    with express_signer(c) as s:
        check("canonical request", c["canonical_request"],
              s.canonical_request(c["method"], c["url"], **kw, **expires))
        check("string to sign", c["string_to_sign"], s.string_to_sign(c["method"], c["url"], **kw, **expires))
        if presign:
            check("presigned URL", c["presigned_url"], s.presign(c["method"], c["url"], c["expires"], **kw))
        else:
            # Names are case-insensitive (botocore writes x-amz-s3session-token).
            check("added headers", lower_sorted(c["output_headers"]),
                  lower_sorted(s.sign(c["method"], c["url"], **kw).items()))
    return bad


def test_botocore_s3express_vectors(summary):
    cases = DOC["cases"]
    bad = [m for c in cases for m in run_case(c)]
    modes = [c["mode"] for c in cases]
    summary("python s3express vectors: %d/%d (header %d, presign %d; botocore %s)"
            % (len(cases) - len({m.split(" ", 1)[0] for m in bad}), len(cases), modes.count("headers"),
               modes.count("presign"), DOC["botocore_version"]))
    assert modes.count("headers") >= 100 and modes.count("presign") >= 100
    assert not bad, "%d mismatches:\n\n%s" % (len(bad), "\n\n".join(bad[:10]))


def test_attributes_and_rules():
    with express_signer(SEED) as s:
        assert (s.s3express, s.s3, s.sigv4a) == (True, True, False)
        assert s.flags == sigv4rs.signer._abi.FLAG_S3EXPRESS
        assert "s3express" in repr(s)
    # Without the flag the token is a security token: the vectors would
    # not notice a flag that did nothing.
    with sigv4rs.Signer(SEED["access_key_id"], SEED["secret_access_key"], SEED["region"], SEED["service"],
                        session_token=SEED["session_token"], s3=True) as s:
        out = s.sign("GET", URL, unsigned_payload=True, time=1700000000)
    assert "X-Amz-Security-Token" in out and not any(n.lower() == "x-amz-s3session-token" for n in out)


def test_s3express_needs_a_token():
    with pytest.raises(sigv4rs.InvalidSessionTokenError):
        sigv4rs.Signer("ASIAEXAMPLE", "secret", "us-east-1", "s3express", s3express=True)
    with express_signer(SEED) as s:
        with pytest.raises(sigv4rs.InvalidSessionTokenError):
            s.rotate("ASIAEXAMPLE", "secret")
        s.rotate("ASIAEXAMPLE", "secret", "TOKEN")


def test_not_with_sigv4a():
    with pytest.raises(sigv4rs.InvalidArgumentError, match="exclusive"):
        express_signer(SEED, sigv4a=True)


def test_create_session_documents_as_botocore_reads_them(summary):
    """What rotate_xml puts into an S3 Express signer signs exactly as a
    signer configured with the credentials botocore's parser read."""
    docs = DOC["create_session"]
    checked = 0
    for d in docs:
        with express_signer(SEED) as s:
            want = d["credentials"]
            if want is None:
                with pytest.raises(sigv4rs.InvalidCredentialsDocumentError):
                    s.rotate_xml(d["xml"])
                assert s.access_key_id == SEED["access_key_id"], "the signer keeps its credentials"
                continue
            s.rotate_xml(d["xml"].encode())
            exp = want["expiration"]
            assert s.expiration == datetime.datetime.fromtimestamp(exp, datetime.timezone.utc), d["id"]
            assert (s.access_key_id, s.has_session_token) == ("", True)
            with sigv4rs.Signer(want["access_key_id"], want["secret_access_key"], SEED["region"], "s3express",
                                session_token=want["session_token"], s3express=True) as ref:
                t = exp - 60
                assert s.sign("GET", URL, time=t) == ref.sign("GET", URL, time=t), d["id"]
            with pytest.raises(sigv4rs.CredentialsExpiredError):
                s.sign("GET", URL, time=exp)
            checked += 1
    summary("python create session documents: %d/%d read as botocore reads them" % (checked, len(docs)))
    assert checked >= 5 and checked == sum(d["credentials"] is not None for d in docs)


# An STS AssumeRole response (the shape of the STS API reference's example).
STS_TOKEN = ("AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRq"
             "TflfKD8YUuwthAx7mSEI")
STS_XML = """<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <SourceIdentity>Alice</SourceIdentity>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/demo/TestAR</Arn>
      <AssumedRoleId>ARO123EXAMPLE123:TestAR</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId>
      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>
      <SessionToken>%s</SessionToken>
      <Expiration>2019-11-09T13:34:41Z</Expiration>
    </Credentials>
    <PackedPolicySize>6</PackedPolicySize>
  </AssumeRoleResult>
  <ResponseMetadata>
    <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
  </ResponseMetadata>
</AssumeRoleResponse>""" % STS_TOKEN


@pytest.mark.parametrize("sigv4a", [False, True])
def test_rotate_xml_sts_response(sigv4a):
    """Any signer takes an STS response; it signs as the same credentials
    given to rotate()."""
    exp = datetime.datetime(2019, 11, 9, 13, 34, 41, tzinfo=datetime.timezone.utc)
    t = int(exp.timestamp()) - 60
    with sigv4rs.Signer("AKIDOLD", "old", "us-east-1", "sts", sigv4a=sigv4a) as s, \
            sigv4rs.Signer("AKIDOLD", "old", "us-east-1", "sts", sigv4a=sigv4a) as ref:
        s.rotate_xml(STS_XML)
        ref.rotate("ASIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY", STS_TOKEN, expiration=exp)
        assert s.expiration == exp
        # SigV4a signatures are deterministic here (RFC 6979): equal too.
        url = "https://sts.amazonaws.com/"
        assert s.sign("GET", url, time=t) == ref.sign("GET", url, time=t)
        with pytest.raises(sigv4rs.InvalidCredentialsDocumentError):
            s.rotate_xml(STS_XML.replace("<SessionToken>", "<Token>").replace("</SessionToken>", "</Token>"))
        with pytest.raises(sigv4rs.InvalidCredentialsDocumentError):
            s.rotate_xml(b"")
        with pytest.raises(sigv4rs.ArgumentTypeError):
            s.rotate_xml(None)  # type: ignore[arg-type]
        assert s.expiration == exp, "a refused document changes nothing"
    with pytest.raises(sigv4rs.ClosedError):
        s.rotate_xml(STS_XML)
