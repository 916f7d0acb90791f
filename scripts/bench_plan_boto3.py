#!/usr/bin/env python3
"""The honest alternative to `endpoint-scale plan`'s live-state read, for scripts/bench-plan: what
a user would write in an afternoon with boto3 to read the same state.

10 threads (concurrent.futures); per endpoint DescribeEndpoint, ListTags, DescribeEndpointConfig
and DescribeModel for each model its variants use; plus DescribeScalableTargets,
DescribeScalingPolicies and DescribeScheduledActions for the whole sagemaker namespace
(paginators), submitted to the same pool. botocore standard retry mode with 5 attempts in total,
like endpoint-scale's default --max-attempts 5. No diff: it only reads.

usage: bench_plan_boto3.py [--parallelism 10] [--max-attempts 5] NAME... (or names on stdin)
Credentials, region and AWS_ENDPOINT_URL come from the environment, as for endpoint-scale.
Prints one JSON line: {"endpoints": found, "seconds": time spent reading, "models": n, ...}.
"""
import argparse
import concurrent.futures
import json
import sys
import time

import boto3
from botocore.config import Config


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--parallelism", type=int, default=10)
    ap.add_argument("--max-attempts", type=int, default=5, help="attempts per call, retries included")
    ap.add_argument("names", nargs="*")
    args = ap.parse_args()
    names = args.names or sys.stdin.read().split()

    # total_max_attempts counts the first attempt (botocore's max_attempts counts retries only);
    # one connection per thread.
    config = Config(retries={"mode": "standard", "total_max_attempts": args.max_attempts},
                    max_pool_connections=args.parallelism)
    sm = boto3.client("sagemaker", config=config)
    aas = boto3.client("application-autoscaling", config=config)

    def read_endpoint(name):
        try:
            ep = sm.describe_endpoint(EndpointName=name)
        except sm.exceptions.ClientError as e:
            if "Could not find" in str(e):
                return None
            raise
        tags = sm.list_tags(ResourceArn=ep["EndpointArn"])["Tags"]
        cfg = sm.describe_endpoint_config(EndpointConfigName=ep["EndpointConfigName"])
        models = [sm.describe_model(ModelName=m)
                  for m in sorted({v["ModelName"] for v in cfg["ProductionVariants"]})]
        return {"endpoint": ep, "tags": tags, "config": cfg, "models": models}

    def all_pages(client, operation, key):
        out = []
        for page in client.get_paginator(operation).paginate(ServiceNamespace="sagemaker"):
            out.extend(page[key])
        return out

    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(args.parallelism) as pool:
        endpoints = [pool.submit(read_endpoint, n) for n in names]
        targets = pool.submit(all_pages, aas, "describe_scalable_targets", "ScalableTargets")
        policies = pool.submit(all_pages, aas, "describe_scaling_policies", "ScalingPolicies")
        schedules = pool.submit(all_pages, aas, "describe_scheduled_actions", "ScheduledActions")
        found = [f.result() for f in endpoints]
        targets, policies, schedules = targets.result(), policies.result(), schedules.result()
    seconds = time.monotonic() - start
    found = [e for e in found if e]
    print(json.dumps({"endpoints": len(found), "seconds": round(seconds, 3),
                      "models": sum(len(e["models"]) for e in found), "targets": len(targets),
                      "policies": len(policies), "schedules": len(schedules)}))


if __name__ == "__main__":
    main()
