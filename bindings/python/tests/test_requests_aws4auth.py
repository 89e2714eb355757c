"""SigV4Auth as a drop-in for requests-aws4auth's AWS4Auth (pinned in
requirements-test.txt): the request's own X-Amz-Date, every constructor
form AWS4Auth takes, include_hdrs, and non-ASCII header values. Where both
should agree (same time, same signed headers) the Authorization must be
AWS4Auth's own, byte for byte."""

import pytest

requests = pytest.importorskip("requests")
aws4auth = pytest.importorskip("requests_aws4auth")
from requests_aws4auth import AWS4Auth, AWS4SigningKey  # noqa: E402

import sigv4rs  # noqa: E402
from sigv4rs.requests_auth import SigV4Auth  # noqa: E402

AKID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqw"
AMZ_DATE = "20150830T123600Z"
T = 1440938160  # AMZ_DATE


def prepared(method="GET", url="https://search.example.com/i/_search", headers=None, **kw):
    h = {"X-Amz-Date": AMZ_DATE}
    h.update(headers or {})
    return requests.Request(method, url, headers=h, **kw).prepare()


def both(theirs, mine, **request):
    """(AWS4Auth's, SigV4Auth's) signed copies of the same request."""
    return theirs(prepared(**request)), mine(prepared(**request))


def same_authorization(theirs, mine, **request):
    a, b = both(theirs, mine, **request)
    assert b.headers["Authorization"] == a.headers["Authorization"]
    return a, b


# AWS4Auth always sends and signs x-amz-content-sha256; sigv4rs does for S3,
# and for other services with content_sha256_header=True.
ES = dict(content_sha256_header=True)


def test_the_request_x_amz_date_is_the_signing_time():
    # A clock far from the header's date: the header wins, as in AWS4Auth.
    for service, extra in [("es", ES), ("s3", {})]:
        a, b = same_authorization(AWS4Auth(AKID, SECRET, "us-east-1", service),
                                  SigV4Auth(AKID, SECRET, "us-east-1", service, clock=lambda: 2e9, **extra))
        assert b.headers["X-Amz-Date"] == AMZ_DATE and "/20150830/" in b.headers["Authorization"]
    # A session-wide X-Amz-Date applies to every request of the session.
    with requests.Session() as s:
        s.headers["X-Amz-Date"] = "20200101T000000Z"
        s.auth = SigV4Auth(AKID, SECRET, "us-east-1", "s3")
        r = s.prepare_request(requests.Request("GET", "https://b.s3.amazonaws.com/k"))
        assert r.headers["X-Amz-Date"] == "20200101T000000Z" and "/20200101/" in r.headers["Authorization"]


@pytest.mark.parametrize("value", ["garbage", "2015-08-30T12:36:00Z", "Sun, 30 Aug 2015 12:36:00 GMT",
                                   "20150230T123600Z", "20150830T246000Z", "20150830T123600"])
def test_an_x_amz_date_that_is_not_a_sigv4_time(value):
    # Only YYYYMMDDTHHMMSSZ can go into the string to sign. AWS4Auth replaces
    # what it cannot parse with the current time (raise_invalid_date is
    # documented to raise then, but 1.4.0 never reads it) and signs the
    # other formats it parses verbatim, which AWS refuses; SigV4Auth
    # replaces every such value, or raises with raise_invalid_date=True.
    auth = SigV4Auth(AKID, SECRET, "us-east-1", "es", clock=lambda: T + 86400)
    r = auth(prepared(headers={"X-Amz-Date": value}))
    assert r.headers["X-Amz-Date"] == "20150831T123600Z"
    strict = SigV4Auth(AKID, SECRET, "us-east-1", "es", raise_invalid_date=True)
    with pytest.raises(sigv4rs.InvalidTimeError, match="X-Amz-Date .*YYYYMMDDTHHMMSSZ") as e:
        strict(prepared(headers={"X-Amz-Date": value}))
    assert isinstance(e.value, ValueError)


def test_positional_date_form():
    # AWS4Auth(id, secret, region, service, date): the date only seeds its
    # first key; a request of another day is signed for that day.
    for amz_date in [AMZ_DATE, "20160229T000001Z"]:
        same_authorization(AWS4Auth(AKID, SECRET, "eu-west-1", "es", "20150830"),
                           SigV4Auth(AKID, SECRET, "eu-west-1", "es", "20150830", **ES),
                           headers={"X-Amz-Date": amz_date})
    assert SigV4Auth(AKID, SECRET, "eu-west-1", "es", date="20150830").date == "20150830"
    for bad in ["2015-08-30", 20150830, "2015083"]:
        with pytest.raises(ValueError, match="date must be .*YYYYMMDD"):
            SigV4Auth(AKID, SECRET, "eu-west-1", "es", bad)
    with pytest.raises(TypeError, match="date both"):
        SigV4Auth(AKID, SECRET, "eu-west-1", "es", "20150830", date="20150830")


def test_signing_key_form():
    key = AWS4SigningKey(SECRET, "us-east-1", "s3", "20150830")
    mine = SigV4Auth(AKID, key)
    assert (mine.region, mine.service, mine.s3) == ("us-east-1", "s3", True)
    same_authorization(AWS4Auth(AKID, key), mine, url="https://b.s3.amazonaws.com/k?list-type=2&prefix=a+b")
    hidden = AWS4SigningKey(SECRET, "us-east-1", "s3", "20150830", store_secret_key=False)
    with pytest.raises(ValueError, match="signing_key.*store_secret_key=False.*secret_key, region, service"):
        SigV4Auth(AKID, hidden)
    with pytest.raises(TypeError, match="from the AWS4SigningKey"):
        SigV4Auth(AKID, key, "us-east-1", "s3")


def test_session_token():
    a, b = same_authorization(AWS4Auth(AKID, SECRET, "us-east-1", "es", session_token=TOKEN),
                              SigV4Auth(AKID, SECRET, "us-east-1", "es", session_token=TOKEN, **ES))
    assert b.headers["X-Amz-Security-Token"] == a.headers["x-amz-security-token"] == TOKEN


def test_include_hdrs():
    request = dict(method="PUT", url="https://search.example.com/i/_doc/1", data=b'{"a": 1}',
                   headers={"Content-Type": "application/json", "X-Custom": "c", "x-amz-meta-a": "m",
                            "x-amz-client-context": "ctx"})
    for include in [{"host", "content-type", "x-amz-*"}, ["*"],
                    ("Host", "X-Custom", "X-Amz-Date", "x-amz-content-sha256")]:
        same_authorization(AWS4Auth(AKID, SECRET, "us-east-1", "es", include_hdrs=include),
                           SigV4Auth(AKID, SECRET, "us-east-1", "es", include_hdrs=include, **ES), **request)
    signed = lambda r: r.headers["Authorization"].split("SignedHeaders=")[1].split(",")[0]  # noqa: E731
    # host and the signer's own headers are always signed: SigV4 needs them
    # (AWS4Auth leaves them out, and AWS refuses the request).
    a, b = both(AWS4Auth(AKID, SECRET, "us-east-1", "es", include_hdrs={"content-length"}),
                SigV4Auth(AKID, SECRET, "us-east-1", "es", include_hdrs={"content-length"}, **ES), **request)
    assert (signed(a), signed(b)) == ("content-length", "content-length;host;x-amz-content-sha256;x-amz-date")
    # AWS4Auth's default is host, content-type, date and x-amz-*; SigV4Auth's
    # is every header but the never-signed ones.
    a, b = both(AWS4Auth(AKID, SECRET, "us-east-1", "es"), SigV4Auth(AKID, SECRET, "us-east-1", "es", **ES),
                **request)
    assert "x-custom" not in signed(a) and "x-custom" in signed(b)
    with pytest.raises(TypeError, match="include_hdrs must be a collection"):
        SigV4Auth(AKID, SECRET, "us-east-1", "es", include_hdrs="host")
    with pytest.raises(TypeError, match="include_hdrs"):
        SigV4Auth(AKID, SECRET, "us-east-1", "es", include_hdrs=[1])


def test_params_with_spaces_agree():
    # AWS4Auth reads the query as a server does ('+' is a space).
    same_authorization(AWS4Auth(AKID, SECRET, "us-east-1", "es"), SigV4Auth(AKID, SECRET, "us-east-1", "es", **ES),
                       params={"q": "star wars", "f": "a+b = c", "e": ""})


def test_constructor_refusals_name_the_argument():
    with pytest.raises(ValueError, match="raise_invalid_date must be True or False"):
        SigV4Auth(AKID, SECRET, "us-east-1", "es", raise_invalid_date="yes")
    with pytest.raises(TypeError, match="unexpected keyword argument 'sesion_token'.*session_token"):
        SigV4Auth(AKID, SECRET, "us-east-1", "es", sesion_token=TOKEN)
    with pytest.raises(TypeError, match="region and service"):
        SigV4Auth(AKID, SECRET, "us-east-1")
    with pytest.raises(TypeError, match=r"positional forms .* not 6 arguments"):
        SigV4Auth(AKID, SECRET, "us-east-1", "es", "20150830", True)
    with pytest.raises(TypeError, match="region and service"):
        SigV4Auth(refreshable_credentials=object(), region="us-east-1")


def test_non_ascii_header_values_are_signed_as_sent(verifier):
    # http.client sends a str value as latin-1; that is what is signed (the
    # verifier reads the bytes that arrived). AWS4Auth signs the UTF-8
    # encoding instead, so a server refuses its request.
    url = "http://127.0.0.1:%d/b/k" % verifier.port
    h = {"x-amz-meta-city": "M\u00fcnchen"}
    assert requests.get(url, headers=h, auth=SigV4Auth(AKID, SECRET, "us-east-1", "s3"), timeout=5).status_code == 200
    assert requests.get(url, headers=h, auth=AWS4Auth(AKID, SECRET, "us-east-1", "s3"), timeout=5).status_code == 403
    # Bytes are sent, and signed, as they are.
    h = {"x-amz-meta-city": "\u6771\u4eac".encode("utf-8")}
    assert requests.get(url, headers=h, auth=SigV4Auth(AKID, SECRET, "us-east-1", "s3"), timeout=5).status_code == 200
    # Beyond latin-1 http.client cannot send a str: refused before sending.
    with pytest.raises(sigv4rs.InvalidHeaderValueError, match="not latin-1.*bytes"):
        requests.get(url, headers={"x-amz-meta-city": "\u6771\u4eac"}, auth=SigV4Auth(AKID, SECRET, "us-east-1", "s3"))
