#!/usr/bin/env bash
# Installs what building and testing need on a fresh Debian machine; quick when all is present.
#   native:  libcurl (OpenSSL flavour) and libcrypto headers, pkg-config
#   tests:   moto[server], boto3 and the AWS CLI (peers nobody here wrote), pytest (docs/examples), curl
#   --rgw:   Ceph's RADOS Gateway and what runs it (a real S3 server: scripts/rgw.sh; about 80 MB)
set -euo pipefail

apt_packages=(libcurl4-openssl-dev libssl-dev pkg-config curl)
case "${1:-}" in
--rgw) apt_packages+=(ceph-mon ceph-osd radosgw ceph-common) ;;
"") ;;
*) echo "usage: scripts/setup.sh [--rgw]" >&2; exit 2 ;;
esac
missing=()
for p in "${apt_packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import moto.server, boto3, awscli, pytest' >/dev/null 2>&1; then
    echo "setup: installing moto[server], boto3, awscli, pytest"
    "$PYTHON" -m pip install -q 'moto[server]>=5.2,<5.3' boto3 awscli pytest
fi
echo "setup: ok"
