"""pytest fixtures for mock-s3, as a project that used moto's server mode would write them.

    MOCK_S3=/path/to/mock-s3 python3 -m pytest        (swift build --product mock-s3; the binary is in
                                                      `swift build --show-bin-path`, or use the static build)

`mock_s3` starts one server for the session on a free port, with any credentials accepted (boto3's
habitual testing/testing) and the control API on; `s3` resets it before each test and yields a boto3
client; `control` calls the control API (/_mock/...).
"""
import json
import os
import shutil
import socket
import subprocess
import urllib.request

import boto3
import pytest


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def mock_s3():
    binary = os.environ.get("MOCK_S3") or shutil.which("mock-s3")
    if not binary:
        pytest.fail("set MOCK_S3 to the mock-s3 binary (swift build --product mock-s3, then $(swift build --show-bin-path)/mock-s3)")
    port = _free_port()
    process = subprocess.Popen([binary, "--port", str(port), "--accept-any-credentials", "--admin"],
                               stdout=subprocess.PIPE, text=True)
    first = process.stdout.readline()   # "mock-s3 listening on http://127.0.0.1:PORT ..." once it listens
    if "listening on" not in first:
        process.kill()
        pytest.fail(f"mock-s3 did not start: {first!r}")
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def control(mock_s3):
    """control(method, path, body=None) -> (status, JSON or None), for /_mock/... ."""
    def call(method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(mock_s3 + path, data=data, method=method)
        with urllib.request.urlopen(request) as response:
            text = response.read()
            return response.status, (json.loads(text) if text else None)
    return call


@pytest.fixture
def s3(mock_s3, control):
    control("POST", "/_mock/reset")
    yield boto3.client("s3", endpoint_url=mock_s3, region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
