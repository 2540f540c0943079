"""boto3 against the mock S3 server, as real users would call it. Exits non-zero on the first
failed check. Usage: boto3_against_mock.py ENDPOINT ACCESS_KEY SECRET_KEY"""
import base64
import hashlib
import json
import sys
import zlib

import boto3
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint, key, secret = sys.argv[1:4]
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=key, aws_secret_access_key=secret)


def check(condition, what):
    if not condition:
        print("FAILED:", what)
        sys.exit(1)
    print("ok:", what)


s3.create_bucket(Bucket="boto-bucket", ObjectOwnership="ObjectWriter")
# A new bucket blocks public access even with ACLs on, as S3's have since April 2023: a public ACL is
# refused until the block is removed.
block = s3.get_public_access_block(Bucket="boto-bucket")["PublicAccessBlockConfiguration"]
check(all(block[k] for k in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")),
      "a new bucket blocks public access")
try:
    s3.put_object(Bucket="boto-bucket", Key="public/blocked.csv", Body=b"x", ACL="public-read")
    check(False, "a public ACL refused while BlockPublicAcls is on")
except ClientError as e:
    check(e.response["Error"]["Code"] == "AccessDenied", "a public ACL refused while BlockPublicAcls is on")
s3.delete_public_access_block(Bucket="boto-bucket")
payload = b"lap,value\n1,2\n"
r = s3.put_object(Bucket="boto-bucket", Key="data/Race 1/x+y ü.csv", Body=payload)
check(r["ETag"] == '"%s"' % hashlib.md5(payload).hexdigest(), "put_object: the ETag is the MD5")
crc = base64.b64encode(zlib.crc32(payload).to_bytes(4, "big")).decode()
check(r.get("ChecksumCRC32") == crc, "put_object: the default CRC32 checksum was checked and echoed")
# botocore retries BadDigest (a transfer may have been corrupted); one attempt is enough here.
once = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=key,
                    aws_secret_access_key=secret, config=Config(retries={"total_max_attempts": 1}))
try:
    once.put_object(Bucket="boto-bucket", Key="data/bad-crc.csv", Body=payload, ChecksumCRC32="AAAAAA==")
    check(False, "a wrong CRC32 is refused")
except ClientError as e:
    check(e.response["Error"]["Code"] == "BadDigest", "a wrong CRC32 is refused with BadDigest")
body = s3.get_object(Bucket="boto-bucket", Key="data/Race 1/x+y ü.csv")["Body"].read()
check(body == b"lap,value\n1,2\n", "get_object returns the bytes")

data = bytes(range(256)) * (40 * 1024 + 7)  # ~10 MiB: upload_file goes multipart above 8 MiB
with open(sys.argv[4] if len(sys.argv) > 4 else "/tmp/boto3-mock-upload.bin", "wb") as f:
    f.write(data)
s3.upload_file(f.name, "boto-bucket", "big/telemetry.bin")
head = s3.head_object(Bucket="boto-bucket", Key="big/telemetry.bin")
check(head["ContentLength"] == len(data) and head["ETag"].endswith('-2"'), "upload_file went multipart")
check(s3.get_object(Bucket="boto-bucket", Key="big/telemetry.bin")["Body"].read() == data, "multipart object reads back")

v2 = s3.generate_presigned_url("get_object", Params={"Bucket": "boto-bucket", "Key": "data/Race 1/x+y ü.csv"}, ExpiresIn=300)
check("Signature=" in v2 and "AWSAccessKeyId=" in v2, "default presigned URL is SigV2")
check(requests.get(v2).content == body, "SigV2 presigned GET works")
check(requests.get(v2.replace("Signature=", "Signature=x")).status_code == 403, "tampered SigV2 URL refused")

s3v4 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=key,
                    aws_secret_access_key=secret, config=Config(signature_version="s3v4"))
put_url = s3v4.generate_presigned_url("put_object", Params={"Bucket": "boto-bucket", "Key": "presigned/p.csv"}, ExpiresIn=300)
check(requests.put(put_url, data=b"p,q\n").status_code == 200, "SigV4 presigned PUT works")
get_url = s3v4.generate_presigned_url("get_object", Params={"Bucket": "boto-bucket", "Key": "presigned/p.csv"}, ExpiresIn=300)
check(requests.get(get_url).content == b"p,q\n", "SigV4 presigned GET works")

s3.put_object(Bucket="boto-bucket", Key="public/open.csv", Body=b"open", ACL="public-read")
anonymous = requests.get(f"{endpoint}/boto-bucket/public/open.csv")
check(anonymous.status_code == 200 and anonymous.content == b"open", "anonymous GET of a public-read object")
private = requests.get(f"{endpoint}/boto-bucket/big/telemetry.bin")
check(private.status_code == 403 and b"<Code>AccessDenied</Code>" in private.content, "anonymous GET of a private object denied")

s3.create_bucket(Bucket="enforced-bucket")
try:
    s3.put_object(Bucket="enforced-bucket", Key="k", Body=b"x", ACL="public-read")
    check(False, "ACL on a BucketOwnerEnforced bucket refused")
except ClientError as e:
    check(e.response["Error"]["Code"] == "AccessControlListNotSupported", "ACL on a BucketOwnerEnforced bucket refused")

bad = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=key, aws_secret_access_key="wrong")
try:
    bad.list_objects_v2(Bucket="boto-bucket")
    check(False, "wrong secret refused")
except ClientError as e:
    check(e.response["Error"]["Code"] == "SignatureDoesNotMatch", "wrong secret refused with SignatureDoesNotMatch")

pages = s3.get_paginator("list_objects_v2").paginate(Bucket="boto-bucket", Prefix="data/", Delimiter="/")
prefixes = [p["Prefix"] for page in pages for p in page.get("CommonPrefixes", [])]
check(prefixes == ["data/Race 1/"], "ListObjectsV2 with a delimiter")
v1 = s3.list_objects(Bucket="boto-bucket", Prefix="big/")
check([o["Key"] for o in v1["Contents"]] == ["big/telemetry.bin"], "ListObjects (V1)")
deleted = s3.delete_objects(Bucket="boto-bucket", Delete={"Objects": [{"Key": "presigned/p.csv"}, {"Key": "public/open.csv"}]})
check(len(deleted.get("Deleted", [])) == 2, "delete_objects")
# Seen through boto3 before: a ranged GET of an object uploaded with a checksum failed boto3's default
# response checksum validation (the whole object's checksum came with the part).
s3.put_object(Bucket="boto-bucket", Key="checksummed.csv", Body=b"0123456789" * 100, ChecksumAlgorithm="CRC32")
part = s3.get_object(Bucket="boto-bucket", Key="checksummed.csv", Range="bytes=10-19", ChecksumMode="ENABLED")
check(part["Body"].read() == b"0123456789", "ranged GET of a checksummed object passes boto3's validation")
whole = s3.get_object(Bucket="boto-bucket", Key="checksummed.csv", ChecksumMode="ENABLED")
check("ChecksumCRC32" in whole and whole["Body"].read() == b"0123456789" * 100, "the whole object comes with its checksum")

# Conditional writes: If-None-Match: * and a wrong If-Match are refused, the object kept.
try:
    s3.put_object(Bucket="boto-bucket", Key="checksummed.csv", Body=b"overwritten", IfNoneMatch="*")
    check(False, "If-None-Match: * on an existing key refused")
except ClientError as e:
    check(e.response["ResponseMetadata"]["HTTPStatusCode"] == 412, "If-None-Match: * on an existing key refused with 412")
try:
    s3.put_object(Bucket="boto-bucket", Key="checksummed.csv", Body=b"overwritten", IfMatch='"0123"')
    check(False, "a wrong If-Match refused")
except ClientError as e:
    check(e.response["ResponseMetadata"]["HTTPStatusCode"] == 412, "a wrong If-Match refused with 412")
check(s3.get_object(Bucket="boto-bucket", Key="checksummed.csv")["Body"].read() == b"0123456789" * 100, "the object was kept")
s3.put_object(Bucket="boto-bucket", Key="new-only.csv", Body=b"first", IfNoneMatch="*")
check(s3.get_object(Bucket="boto-bucket", Key="new-only.csv")["Body"].read() == b"first", "If-None-Match: * on a new key writes")

# Standard headers are kept and returned; GET's response-* parameters override them.
s3.put_object(Bucket="boto-bucket", Key="headers.csv", Body=b"h", CacheControl="max-age=60", ContentDisposition="attachment",
              ContentLanguage="de", Expires="Wed, 21 Oct 2026 07:28:00 GMT")
head = s3.head_object(Bucket="boto-bucket", Key="headers.csv")
check(head["CacheControl"] == "max-age=60" and head["ContentDisposition"] == "attachment" and head["ContentLanguage"] == "de"
      and "Expires" in head, "Cache-Control, Content-Disposition, Content-Language and Expires returned")
over = s3.get_object(Bucket="boto-bucket", Key="headers.csv", ResponseContentType="text/plain", ResponseCacheControl="no-cache")
check(over["ContentType"] == "text/plain" and over["CacheControl"] == "no-cache", "response-* overrides")

# Tagging: on PUT, read, replaced, deleted; the object itself untouched (DeleteObjectTagging once deleted it).
s3.put_object(Bucket="boto-bucket", Key="tagged.csv", Body=b"t", Tagging="team=red&year=2025")
check(s3.get_object(Bucket="boto-bucket", Key="tagged.csv")["TagCount"] == 2, "x-amz-tagging-count")
check(s3.get_object_tagging(Bucket="boto-bucket", Key="tagged.csv")["TagSet"] == [{"Key": "team", "Value": "red"}, {"Key": "year", "Value": "2025"}],
      "get_object_tagging")
s3.put_object_tagging(Bucket="boto-bucket", Key="tagged.csv", Tagging={"TagSet": [{"Key": "only", "Value": "one"}]})
check(s3.get_object_tagging(Bucket="boto-bucket", Key="tagged.csv")["TagSet"] == [{"Key": "only", "Value": "one"}], "put_object_tagging replaces")
s3.delete_object_tagging(Bucket="boto-bucket", Key="tagged.csv")
check(s3.get_object_tagging(Bucket="boto-bucket", Key="tagged.csv")["TagSet"] == [], "delete_object_tagging")
check(s3.get_object(Bucket="boto-bucket", Key="tagged.csv")["Body"].read() == b"t", "and the object is still there")

# Sub-resources the mock lacks are 501, and never the plain operation.
try:
    s3.get_bucket_lifecycle_configuration(Bucket="boto-bucket")
    check(False, "GetBucketLifecycleConfiguration is 501")
except ClientError as e:
    check(e.response["ResponseMetadata"]["HTTPStatusCode"] == 501, "GetBucketLifecycleConfiguration is 501, not a listing")

# A bucket policy as boto3 sends and reads it: kept as written, its status, removed.
policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": "Team", "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::boto-bucket/data/*"}]})
s3.put_bucket_policy(Bucket="boto-bucket", Policy=policy)
check(s3.get_bucket_policy(Bucket="boto-bucket")["Policy"] == policy, "get_bucket_policy answers the policy as put")
check(s3.get_bucket_policy_status(Bucket="boto-bucket")["PolicyStatus"]["IsPublic"] is False, "a policy for one account is not public")
s3.delete_bucket_policy(Bucket="boto-bucket")
try:
    s3.get_bucket_policy(Bucket="boto-bucket")
    check(False, "no policy after delete_bucket_policy")
except ClientError as e:
    check(e.response["Error"]["Code"] == "NoSuchBucketPolicy", "no policy after delete_bucket_policy")
try:
    s3.get_object_torrent(Bucket="boto-bucket", Key="headers.csv")
    check(False, "GetObjectTorrent is 501")
except ClientError as e:
    check(e.response["ResponseMetadata"]["HTTPStatusCode"] == 501, "GetObjectTorrent is 501, not the object")
check(s3.get_object(Bucket="boto-bucket", Key="headers.csv")["Body"].read() == b"h", "and the object is still there")
attributes = s3.get_object_attributes(Bucket="boto-bucket", Key="headers.csv", ObjectAttributes=["ETag", "ObjectSize"])
check(attributes["ObjectSize"] == 1 and len(attributes["ETag"]) == 32, "GetObjectAttributes")
# How tools (and Ceph's s3-tests) empty a bucket: ListObjectVersions, then each version deleted.
s3.create_bucket(Bucket="versions-bucket")
for i in range(3):
    s3.put_object(Bucket="versions-bucket", Key=f"v/{i}.csv", Body=b"v")
versions = [v for page in s3.get_paginator("list_object_versions").paginate(Bucket="versions-bucket", PaginationConfig={"PageSize": 2})
            for v in page.get("Versions", [])]
check([(v["Key"], v["VersionId"], v["IsLatest"]) for v in versions] == [(f"v/{i}.csv", "null", True) for i in range(3)],
      "ListObjectVersions lists each object once as version null, in pages")
for v in versions:
    s3.delete_object(Bucket="versions-bucket", Key=v["Key"], VersionId=v["VersionId"])
s3.delete_bucket(Bucket="versions-bucket")
check("versions-bucket" not in [b["Name"] for b in s3.list_buckets()["Buckets"]], "a bucket emptied by versions is deleted")
# ListMultipartUploads as boto3 pages it (it always asks for url encoding): by key, then by when
# each began; a delimiter rolls keys up; MaxUploads pages on with the Next markers.
s3.create_bucket(Bucket="uploads-bucket")
started = [(k, s3.create_multipart_upload(Bucket="uploads-bucket", Key=k)["UploadId"])
           for k in ["b/ü 1.csv", "a+b", "b/ü 1.csv", "c/d/e", "tab\tkey"]]
pages = list(s3.get_paginator("list_multipart_uploads").paginate(Bucket="uploads-bucket", PaginationConfig={"PageSize": 2}))
listed = [(u["Key"], u["UploadId"]) for page in pages for u in page.get("Uploads", [])]
expected = sorted(started, key=lambda u: u[0].encode())
check([k for k, _ in listed] == [k for k, _ in expected] and len(pages) == 3, "list_multipart_uploads pages by key, 2 at a time")
check([i for k, i in listed if k == "b/ü 1.csv"] == [i for k, i in started if k == "b/ü 1.csv"], "one key's uploads in the order they began")
rolled = s3.list_multipart_uploads(Bucket="uploads-bucket", Delimiter="/", Prefix="")
check([p["Prefix"] for p in rolled["CommonPrefixes"]] == ["b/", "c/"] and [u["Key"] for u in rolled["Uploads"]] == ["a+b", "tab\tkey"],
      "list_multipart_uploads rolls keys up at the delimiter")
paged = list(s3.get_paginator("list_multipart_uploads").paginate(Bucket="uploads-bucket", Delimiter="/",
                                                                 PaginationConfig={"PageSize": 1}))
check([p["Prefix"] for page in paged for p in page.get("CommonPrefixes", [])] == ["b/", "c/"]
      and [u["Key"] for page in paged for u in page.get("Uploads", [])] == ["a+b", "tab\tkey"],
      "paged one at a time with a delimiter, each common prefix comes once")
for k, i in started:
    s3.abort_multipart_upload(Bucket="uploads-bucket", Key=k, UploadId=i)
check("Uploads" not in s3.list_multipart_uploads(Bucket="uploads-bucket"), "aborted uploads are gone")
print("boto3: all checks passed")
