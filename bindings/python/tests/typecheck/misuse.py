"""Misuse that the hints must catch: each line marked `# error: CODE` must
get exactly that mypy error (tests/test_typing.py), and no other line any."""

import sigv4rs

s = sigv4rs.Signer("AKIDEXAMPLE", "secret", "us-east-1", "s3")
headers: int = s.sign("GET", "https://h/")  # error: assignment
s.presign("GET", "https://h/", expires="60")  # error: arg-type
s.sign("GET", 42)  # error: arg-type
s.sign("GET", "https://h/", headers={"X-A": 1})  # error: arg-type
s.canonical_request("GET", "https://h/", presign_expires=1.5)  # error: arg-type
s.sign_streaming("PUT", "https://h/", 3, body="abc")  # error: arg-type
sigv4rs.Signer("AKIDEXAMPLE", "secret", "us-east-1")  # error: call-overload
code: str = sigv4rs.InvalidUrlError("x").status + sigv4rs.version().upper()
sigv4rs.chunked_encoded_length("3")  # error: arg-type
sigv4rs.Signer(region="us-east-1", service="s3", credentials=42)  # error: call-overload
s.rotate("AKIDEXAMPLE")  # error: call-arg
sigv4rs.Credentials("AKIDEXAMPLE", "secret", expiration="soon")  # error: arg-type
sigv4rs.Signer("AKIDEXAMPLE", "secret", "*", "s3", sigv4a="yes")  # error: call-overload
s.rotate_xml(42)  # error: arg-type
name: int = sigv4rs.checksum("crc32", b"")[1]  # error: assignment
sigv4rs.Checksum("crc32").update(7)  # error: arg-type
