"""Starts moto's S3 on a loopback port and prints one JSON line:
{"endpoint": ..., "accessKeyId": ..., "secretAccessKey": ...}. It runs until stdin closes,
so the test process that started it takes it down by exiting.

With the argument `auth`, moto checks SigV4 signatures: only for keys created through its IAM
API, after the first INITIAL_NO_AUTH_ACTION_COUNT requests (the three IAM calls below).
In that mode moto wrongly rejects valid signatures on keys with unicode or reserved characters
and on listings with a prefix (boto3's own requests fail the same way), so tests use it for
signature and credential checks on plain keys, and an open moto for S3 semantics.
"""
import json
import os
import sys

AUTH = sys.argv[1:] == ["auth"]
if AUTH:
    os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = "3"
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

import boto3  # noqa: E402
from moto.server import ThreadedMotoServer  # noqa: E402

server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
host, port = server.get_host_and_port()
endpoint = f"http://{host}:{port}"

if not AUTH:
    print(json.dumps({"endpoint": endpoint, "accessKeyId": "AKIAMOTOOPEN0000TEST",
                      "secretAccessKey": "moto-open-secret"}), flush=True)
    sys.stdin.read()
    sys.exit(0)

iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1",
                   aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
iam.create_user(UserName="racedata")
iam.put_user_policy(UserName="racedata", PolicyName="all",
                    PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
                        {"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
key = iam.create_access_key(UserName="racedata")["AccessKey"]

print(json.dumps({"endpoint": endpoint, "accessKeyId": key["AccessKeyId"],
                  "secretAccessKey": key["SecretAccessKey"]}), flush=True)
sys.stdin.read()
server.stop()
