"""Prepares a moto server started with auth off, then turns auth on.

Run with the cache venv's python (needs boto3): moto_setup.py ENDPOINT.
Creates an IAM user with an allow-all policy, its access key and a role the
user may assume, then POSTs /moto-api/reset-auth so that every later request
is signature-checked. Prints {"access_key", "secret_key", "role_arn"}.
"""
import json
import sys
import urllib.parse
import urllib.request

import boto3
from botocore.config import Config

endpoint = sys.argv[1]
if urllib.parse.urlsplit(endpoint).hostname != "127.0.0.1":
    sys.exit("moto_setup: loopback endpoints only")

cfg = Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=20)
# Auth is still off, so any key works for the setup calls.
iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1",
                   aws_access_key_id="setup", aws_secret_access_key="setup", config=cfg)
allow_all = json.dumps({"Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
iam.create_user(UserName="sigv4rs-interop")
iam.put_user_policy(UserName="sigv4rs-interop", PolicyName="all", PolicyDocument=allow_all)
key = iam.create_access_key(UserName="sigv4rs-interop")["AccessKey"]
user_arn = iam.get_user(UserName="sigv4rs-interop")["User"]["Arn"]
trust = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": user_arn}, "Action": "sts:AssumeRole"}]})
role = iam.create_role(RoleName="sigv4rs-interop-role", AssumeRolePolicyDocument=trust)["Role"]
iam.put_role_policy(RoleName="sigv4rs-interop-role", PolicyName="all", PolicyDocument=allow_all)

# Body "0": no more free requests. A form content type would make Flask eat
# the body (500), hence octet-stream.
req = urllib.request.Request(endpoint + "/moto-api/reset-auth", data=b"0", method="POST",
                             headers={"Content-Type": "application/octet-stream"})
with urllib.request.urlopen(req, timeout=20) as r:
    r.read()
print(json.dumps({"access_key": key["AccessKeyId"], "secret_key": key["SecretAccessKey"],
                  "role_arn": role["Arn"]}))
