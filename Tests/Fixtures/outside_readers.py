"""Every XML and JSON answer of the mock that carries a key or a tag, read by readers nobody here wrote:
botocore's parsers (expat underneath) with botocore's automatic `encoding-type=url` switched off, so keys
travel as XML text, and Python's json for the control API. Keys hold the bytes S3 allows in XML (CR, LF,
tab, markup characters, non-ASCII, spaces at either end); control characters go through encoding-type=url.
Exits non-zero on the first failed check.
Usage: outside_readers.py ENDPOINT ACCESS_KEY SECRET_KEY  (the mock started with the control API open)"""
import base64
import hashlib
import json
import sys
import urllib.request
from xml.etree import ElementTree

import boto3
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from botocore.handlers import set_list_objects_encoding_type_url

endpoint, key, secret = sys.argv[1:4]


def client():
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=key,
                        aws_secret_access_key=secret)


encoded = client()
raw = client()
for operation in ("ListObjects", "ListObjectsV2", "ListObjectVersions"):
    raw.meta.events.unregister("before-parameter-build.s3." + operation, set_list_objects_encoding_type_url)


def check(condition, what):
    if not condition:
        print("FAILED:", what)
        sys.exit(1)
    print("ok:", what)


XML_KEYS = sorted([
    "cr\rin-key.csv", "crlf\r\nin-key.csv", "lf\nin-key.csv", "tab\tin-key.csv",
    "amp&lt<gt>quot\"apos'.csv", "cdata]]>end.csv", "ünï/日本語/🏁.csv", " lead and trail ",
    "plus+%20percent.csv", "semi;colon=eq?q#hash.csv", "back\\slash.csv", "double//slash.csv", "entity&#13;.csv",
])
CONTROL_KEYS = ["ctrl\x01\x1f\x7f.csv", "vertical\x0btab.csv"]

# Listings: every key back exactly, page by page.
raw.create_bucket(Bucket="outside-readers")
for k in XML_KEYS:
    raw.put_object(Bucket="outside-readers", Key=k, Body=b"x")
seen, token = [], None
while True:
    page = raw.list_objects_v2(Bucket="outside-readers", MaxKeys=3, **({"ContinuationToken": token} if token else {}))
    check("EncodingType" not in page, "ListObjectsV2 answered without url encoding when none was asked")
    seen += [o["Key"] for o in page.get("Contents", [])]
    if not page["IsTruncated"]:
        break
    token = page["NextContinuationToken"]
check(sorted(seen) == XML_KEYS, "ListObjectsV2 as XML text: every key exactly")
seen, marker = [], ""
while True:
    page = raw.list_objects(Bucket="outside-readers", MaxKeys=4, Marker=marker)
    seen += [o["Key"] for o in page.get("Contents", [])]
    if not page["IsTruncated"]:
        break
    marker = seen[-1]
check(sorted(seen) == XML_KEYS, "ListObjects (V1) paged by marker: every key exactly")
after = raw.list_objects_v2(Bucket="outside-readers", StartAfter="cr\rin-key.csv")
check([o["Key"] for o in after["Contents"]][:1] == [XML_KEYS[XML_KEYS.index("cr\rin-key.csv") + 1]],
      "StartAfter with a CR in it starts after that key")
folders = raw.list_objects_v2(Bucket="outside-readers", Delimiter="/")
check(sorted(p["Prefix"] for p in folders.get("CommonPrefixes", [])) == ["double/", "ünï/"],
      "common prefixes as XML text")
# XML 1.0 cannot carry these even as references: they travel url-encoded (ListObjectsV2, EncodingType).
encoded.create_bucket(Bucket="outside-control")
for k in CONTROL_KEYS:
    encoded.put_object(Bucket="outside-control", Key=k, Body=b"x")
everything = encoded.list_objects_v2(Bucket="outside-control")
check(sorted(o["Key"] for o in everything["Contents"]) == sorted(CONTROL_KEYS), "encoding-type=url: control characters")
check(sorted(v["Key"] for v in encoded.list_object_versions(Bucket="outside-control")["Versions"]) == sorted(CONTROL_KEYS),
      "encoding-type=url in ListObjectVersions: control characters")

# Versions and delete markers.
raw.create_bucket(Bucket="outside-versions")
raw.put_bucket_versioning(Bucket="outside-versions", VersioningConfiguration={"Status": "Enabled"})
for k in XML_KEYS:
    raw.put_object(Bucket="outside-versions", Key=k, Body=b"1")
    raw.delete_object(Bucket="outside-versions", Key=k)
versions = raw.list_object_versions(Bucket="outside-versions")
check(sorted(v["Key"] for v in versions["Versions"]) == XML_KEYS, "ListObjectVersions: versions' keys exactly")
check(sorted(m["Key"] for m in versions["DeleteMarkers"]) == XML_KEYS, "ListObjectVersions: delete markers' keys exactly")

# Multipart: every answer that names the key.
for k in ["cr\rin-key.csv", "amp&lt<gt>quot\"apos'.csv", " lead and trail "]:
    started = raw.create_multipart_upload(Bucket="outside-readers", Key=k)
    check(started["Key"] == k, "CreateMultipartUpload names %r" % k)
    uploads = raw.list_multipart_uploads(Bucket="outside-readers")
    check([u["Key"] for u in uploads["Uploads"]] == [k], "ListMultipartUploads names %r" % k)
    part = raw.upload_part(Bucket="outside-readers", Key=k, UploadId=started["UploadId"], PartNumber=1, Body=b"p")
    parts = raw.list_parts(Bucket="outside-readers", Key=k, UploadId=started["UploadId"])
    check(parts["Key"] == k, "ListParts names %r" % k)
    done = raw.complete_multipart_upload(Bucket="outside-readers", Key=k, UploadId=started["UploadId"],
                                         MultipartUpload={"Parts": [{"ETag": part["ETag"], "PartNumber": 1}]})
    check(done["Key"] == k, "CompleteMultipartUpload names %r" % k)

# Errors name the key they are about.
try:
    raw.get_object(Bucket="outside-readers", Key="missing\r<&>.csv")
    check(False, "a missing key is an error")
except ClientError as e:
    check(e.response["Error"]["Code"] == "NoSuchKey", "NoSuchKey for a missing key")
    check(e.response["Error"].get("Key", "missing\r<&>.csv") == "missing\r<&>.csv", "the error names the key exactly")

# Tags: XML both ways, with every character S3 allows in one ("User-defined tag restrictions": letters,
# numbers and spaces in UTF-8, and + - = . _ : / @).
tags = [{"Key": "ünï 日本 +-=._:/@", "Value": "Sebring 12 + - = . _ : / @ 🏁"}]
raw.put_object_tagging(Bucket="outside-readers", Key="cr\rin-key.csv", Tagging={"TagSet": tags})
check(raw.get_object_tagging(Bucket="outside-readers", Key="cr\rin-key.csv")["TagSet"] == tags, "tags exactly")

# DeleteObjects: the answer's keys as XML text. botocore sends a CR as &#xD;, so the CR key goes; a
# raw CR in the request's XML reads as LF, as XML 1.0 (2.11) says and S3 documents ("Object key naming
# guidelines: XML related object key constraints", https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html).
plain = [k for k in XML_KEYS if "\r" not in k]
deleted = raw.delete_objects(Bucket="outside-readers", Delete={"Objects": [{"Key": k} for k in plain]})
check(sorted(d["Key"] for d in deleted["Deleted"]) == plain, "DeleteObjects answers each key exactly")
for k in ["pair\rkey", "pair\nkey"]:
    raw.put_object(Bucket="outside-readers", Key=k, Body=b"p")
deleted = raw.delete_objects(Bucket="outside-readers", Delete={"Objects": [{"Key": "pair\rkey"}]})
check([d["Key"] for d in deleted["Deleted"]] == ["pair\rkey"], "an escaped CR in DeleteObjects deletes the CR key")
left = [o["Key"] for o in encoded.list_objects_v2(Bucket="outside-readers", Prefix="pair")["Contents"]]
check(left == ["pair\nkey"], "and the LF key stays")
raw.put_object(Bucket="outside-readers", Key="pair\rkey", Body=b"p")
body = b'<Delete><Object><Key>pair\rkey</Key></Object></Delete>'
request = AWSRequest(method="POST", url=endpoint + "/outside-readers?delete", data=body, headers={
    "Content-MD5": base64.b64encode(hashlib.md5(body).digest()).decode(),
    "x-amz-content-sha256": hashlib.sha256(body).hexdigest()})
S3SigV4Auth(Credentials(key, secret), "s3", "us-east-1").add_auth(request)
answer = urllib.request.urlopen(urllib.request.Request(request.url, data=body, headers=dict(request.headers), method="POST"))
names = [e.text for e in ElementTree.fromstring(answer.read()).iter("{http://s3.amazonaws.com/doc/2006-03-01/}Key")]
check(names == ["pair\nkey"], "a raw CR in DeleteObjects' XML reads as LF")
left = [o["Key"] for o in encoded.list_objects_v2(Bucket="outside-readers", Prefix="pair")["Contents"]]
check(left == ["pair\rkey"], "so the LF key goes and the CR key stays")

# JSON: the control API's journal, read by Python's json.
with urllib.request.urlopen(endpoint + "/_mock/journal?operation=PutObject") as answer:
    journal = json.loads(answer.read().decode("utf-8"))
journaled = {entry["key"] for entry in journal}
check(set(XML_KEYS + CONTROL_KEYS) <= journaled, "the journal's JSON names every key exactly")

print("outside readers: all checks passed")
