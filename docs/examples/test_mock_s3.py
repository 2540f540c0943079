"""What a moto user's tests do, against mock-s3 through the fixtures in conftest.py."""
import json
import botocore.config
import boto3
import pytest


def test_objects_round_trip(s3):
    s3.create_bucket(Bucket="race-data")
    s3.put_object(Bucket="race-data", Key="data/COTA/Race 1/COTA_lap_time_R1.csv", Body=b"lap,value\n1,95123\n")
    body = s3.get_object(Bucket="race-data", Key="data/COTA/Race 1/COTA_lap_time_R1.csv")["Body"].read()
    assert body == b"lap,value\n1,95123\n"
    listing = s3.list_objects_v2(Bucket="race-data", Prefix="data/", Delimiter="/")
    assert [p["Prefix"] for p in listing["CommonPrefixes"]] == ["data/COTA/"]


def test_each_test_starts_empty(s3):
    assert s3.list_buckets()["Buckets"] == []


def test_faults_and_the_journal(s3, control):
    s3.create_bucket(Bucket="bucket")
    s3.put_object(Bucket="bucket", Key="k", Body=b"x")
    control("DELETE", "/_mock/journal")
    status, _ = control("PUT", "/_mock/faults", {"slowDownRate": {"GetObject": 1}, "maxFaults": 2, "seed": 7})
    assert status == 200
    assert s3.get_object(Bucket="bucket", Key="k")["Body"].read() == b"x"   # boto3 retried the two SlowDowns
    _, gets = control("GET", "/_mock/journal?operation=GetObject")
    assert [g["status"] for g in gets] == [503, 503, 200]
    _, counters = control("GET", "/_mock/counters")
    assert counters["objects"] == 1


def test_a_wrong_secret_is_still_refused(mock_s3, s3):
    s3.create_bucket(Bucket="bucket")
    wrong = boto3.client("s3", endpoint_url=mock_s3, region_name="us-east-1", aws_access_key_id="testing",
                         aws_secret_access_key="not-testing", config=botocore.config.Config(retries={"max_attempts": 1}))
    with pytest.raises(wrong.exceptions.ClientError) as raised:
        wrong.list_objects_v2(Bucket="bucket")
    assert raised.value.response["Error"]["Code"] == "SignatureDoesNotMatch"


def test_tags_and_unimplemented_is_501_never_another_operation(s3):
    s3.create_bucket(Bucket="bucket")
    s3.put_object(Bucket="bucket", Key="k", Body=b"x", Tagging="team=red")
    assert s3.get_object_tagging(Bucket="bucket", Key="k")["TagSet"] == [{"Key": "team", "Value": "red"}]
    with pytest.raises(s3.exceptions.ClientError) as raised:
        s3.get_bucket_lifecycle_configuration(Bucket="bucket")   # not implemented: 501, never a listing
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert s3.get_object(Bucket="bucket", Key="k")["Body"].read() == b"x"


def test_a_bucket_policy_is_enforced(s3):
    # moto stores a policy and enforces none of it; mock-s3 enforces it as S3 does.
    s3.create_bucket(Bucket="guarded")
    s3.put_object(Bucket="guarded", Key="results.csv", Body=b"x")
    s3.put_bucket_policy(Bucket="guarded", Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Principal": "*", "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::guarded/*"}]}))
    with pytest.raises(s3.exceptions.ClientError) as raised:
        s3.delete_object(Bucket="guarded", Key="results.csv")
    assert raised.value.response["Error"]["Code"] == "AccessDenied"
    assert s3.get_object(Bucket="guarded", Key="results.csv")["Body"].read() == b"x"
