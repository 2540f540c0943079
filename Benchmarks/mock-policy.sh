#!/usr/bin/env bash
# What a bucket policy costs mock-s3: 1 KiB PUT and GET ops/s (s3bench ops, 1 and 8 client threads)
# against a bucket with a 20-statement policy and against the same bucket without one, two servers
# of the same build, rounds interleaved (none, policy, none, policy, ...). Every statement matches the
# actions and keys asked for, so each request is evaluated against all 20 (19 Allows for other
# accounts with an IP condition, one Deny to everyone under a condition that does not hold).
# Prints medians with [min-max] and policy/none.
#   [ROUNDS=5] bash Benchmarks/mock-policy.sh [seconds-per-measure]
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/lib.sh
seconds=${1:-2}
rounds=${ROUNDS:-5}
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
echo "building mock-s3 and s3bench (release) ..." >&2
build_release s3bench mock-s3

export AWS_ACCESS_KEY_ID=AKIAMOCKS3SERVER0001 AWS_SECRET_ACCESS_KEY='mock/s3+server+secret+key+0000000000001'
start_mock_s3 "$bin" none_port
start_mock_s3 "$bin" policy_port
python3 - "http://127.0.0.1:$policy_port" <<'PY'
import json, sys, boto3
statements = [{
    "Sid": f"Team{i}", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::1111222233{i:02d}:root"},
    "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::bench/*",
    "Condition": {"IpAddress": {"aws:SourceIp": f"10.{i}.0.0/16"}},
} for i in range(19)]
statements.append({
    "Sid": "TLSOnlyWhereOffered", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
    "Resource": ["arn:aws:s3:::bench", "arn:aws:s3:::bench/*"],
    "Condition": {"Bool": {"aws:SecureTransport": "true"}},
})
s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1")
s3.put_bucket_policy(Bucket="bench", Policy=json.dumps({"Version": "2012-10-17", "Statement": statements}))
assert len(json.loads(s3.get_bucket_policy(Bucket="bench")["Policy"])["Statement"]) == 20
PY

for round in $(seq "$rounds"); do
    echo "round $round/$rounds" >&2
    for side in none policy; do
        port_var=${side}_port
        for threads in 1 8; do
            "$s3bench" ops "http://127.0.0.1:${!port_var}" bench "$threads" "$seconds" \
                | awk -v t="$threads" '$1 == "put" || $1 == "get" {print $1 "@" t "-ops/s", $3}' >> "$work/$side.txt"
        done
    done
done

echo "mock-s3, a bucket without a policy (none) and with a 20-statement one (policy): medians of $rounds interleaved rounds [min-max]"
compare_medians "$work/none.txt" "$work/policy.txt" none policy
