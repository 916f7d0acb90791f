"""Driver for scripts/bench-plan (see there for usage).

For each size N: a private emulator account gets N endpoints (the spec below, created from
`endpoint-scale render` through boto3 with no latency and no rate limit, so setup is fast and
the names, tags and config are exactly the tool's); then the account's latency and rate limit are
switched on through the control API and `endpoint-scale plan --detailed-exitcode` is timed over
several runs (it must find no changes), followed by the same number of runs of
scripts/bench_plan_boto3.py on the same state. The AWS calls of every run come from the
emulator's request log.

Lower bounds a run is compared with (L = latency, P = 10 = the tool's default --parallelism):
  in-flight bound = calls x L / P            (calls: answered calls, throttled ones not counted)
  depth bound     = longest chain of dependent calls x L: per endpoint DescribeEndpoint ->
                    DescribeEndpointConfig -> DescribeModel (3; ListTags only needs the ARN), or
                    a paginated read (each page needs the previous NextToken), whichever is longer
  rate bound      = (calls - burst) / rate   (under a rate limit: the bucket starts full)
  bound           = the largest of them; ratio = median wall time / bound.
"""
import argparse
import concurrent.futures
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

import boto3
from botocore.config import Config
from botocore import xform_name

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PARALLELISM = 10  # endpoint-scale's default --parallelism, and the boto3 script's threads
SM_READS = ("DescribeEndpoint", "ListTags", "DescribeEndpointConfig", "DescribeModel")
PAGINATED = ("DescribeScalingPolicies", "DescribeScheduledActions")  # one chain of pages each
PER_ENDPOINT_DEPTH = 3


def spec(n: int) -> str:
    lines = ["version: 1", "project: bench", "endpoints:"]
    for i in range(n):
        lines += [
            f"  - name: bench-{i:04d}",
            "    model:",
            "      image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/m:1",
            "      execution_role_arn: arn:aws:iam::123456789012:role/R",
            "    variants:",
            "      - name: v",
            "        instance_type: ml.c5.large",
            "        max_rps_per_instance: 10",
            "        autoscaling:",
            "          min: 1",
            "          max: 4",
            "          schedules:",
            "            - name: peak",
            "              schedule: cron(0 8 ? * MON-FRI *)",
            "              min: 2",
            "            - name: off-peak",
            "              schedule: cron(0 18 ? * MON-FRI *)",
            "              min: 1",
        ]
    return "\n".join(lines) + "\n"


def control(url: str, account: str, method: str, path: str, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"{url}/_emulator/{path}?account={account}", data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read() or b"null")


def parse_rate_limit(text):
    if not text:
        return None
    rate, _, burst = text.partition("/")
    rate = float(rate)
    return rate, int(burst) if burst else max(1, math.ceil(rate))


def setup(binary: str, path: str, url: str, account: str, env: dict) -> int:
    """Creates everything the spec describes with the calls `endpoint-scale render` prints, in its
    order (models, configs, endpoints, then targets, policies, schedules), each kind in parallel."""
    calls = json.loads(subprocess.run([binary, "render", path, "--format", "json"], env=env, check=True,
                                      capture_output=True, text=True).stdout)
    config = Config(retries={"mode": "standard", "total_max_attempts": 5}, max_pool_connections=8)
    clients = {s: boto3.client(s, endpoint_url=url, region_name="us-east-1", aws_access_key_id=account,
                               aws_secret_access_key="x", config=config)
               for s in {c["service"] for c in calls}}
    groups: list[list[dict]] = []
    for c in calls:  # consecutive calls of one operation do not depend on each other
        if groups and groups[-1][0]["operation"] == c["operation"]:
            groups[-1].append(c)
        else:
            groups.append([c])
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        for group in groups:
            list(pool.map(lambda c: getattr(clients[c["service"]], xform_name(c["operation"]))(**c["input"]), group))
    return len(calls)


def summarize(log: list) -> dict:
    by_op: dict = {}
    for r in log:
        by_op[r["operation"]] = by_op.get(r["operation"], 0) + 1
    throttled = sum(1 for r in log if r["fault"] == "rate-limit")
    return {"calls": len(log), "throttled": throttled, "answered": len(log) - throttled, "by_op": by_op,
            "answered_by_op": _count(r for r in log if r["fault"] != "rate-limit")}


def _count(rows) -> dict:
    out: dict = {}
    for r in rows:
        out[r["operation"]] = out.get(r["operation"], 0) + 1
    return out


def bounds(run: dict, latency_s: float, limit) -> dict:
    ops = run["answered_by_op"]
    depth = max([PER_ENDPOINT_DEPTH] + [ops.get(op, 0) for op in PAGINATED])
    b = {"in_flight": run["answered"] * latency_s / PARALLELISM, "depth": depth * latency_s, "depth_calls": depth,
         "rate": max(0, run["answered"] - limit[1]) / limit[0] if limit else 0.0}
    b["bound"] = max(b["in_flight"], b["depth"], b["rate"])
    return b


def timed_runs(label: str, cmd: list, env: dict, url: str, account: str, runs: int, limit, stdin=None,
               ok_codes=(0,)) -> dict:
    times, logs, failures = [], [], []
    for _ in range(runs):
        if limit:
            control(url, account, "POST", "rate-limit", {"rate": limit[0], "burst": limit[1]})  # full bucket
        control(url, account, "DELETE", "requests")
        start = time.monotonic()
        out = subprocess.run(cmd, env=env, input=stdin, capture_output=True, text=True)
        elapsed = time.monotonic() - start
        log = control(url, account, "GET", "requests")
        if out.returncode not in ok_codes:
            last = (out.stderr.strip() or out.stdout.strip()).splitlines()[-3:]
            failures.append(f"exit {out.returncode}: " + " / ".join(last)[-500:])
            print(f"    {label}: run failed after {elapsed:.2f} s, {len(log)} calls: {failures[-1]}", flush=True)
            continue
        times.append(elapsed)
        logs.append(summarize(log))
        try:  # the boto3 script reports the time it spent reading, without Python's start-up
            logs[-1]["inner_seconds"] = json.loads(out.stdout.strip().splitlines()[-1])["seconds"]
        except (ValueError, IndexError, KeyError, TypeError):
            pass
        s = logs[-1]
        print(f"    {label}: {elapsed:.2f} s, {s['calls']} calls, {s['throttled']} throttled", flush=True)
    if not times:
        return {"failures": failures, "runs": runs}
    # The run whose time is the median (upper median) stands for the calls.
    order = sorted(range(len(times)), key=lambda i: times[i])
    mid = order[len(order) // 2]
    return {"median": statistics.median(times), "min": min(times), "max": max(times), "times": times,
            "failures": failures, "runs": runs, **logs[mid],
            "inner_median": statistics.median(l["inner_seconds"] for l in logs) if all(
                "inner_seconds" in l for l in logs) else None}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("sizes", nargs="*")
    ap.add_argument("--latency-ms", type=float, default=0.0)
    ap.add_argument("--rate-limit", default=None, metavar="RATE[/BURST]")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-boto3", action="store_true")
    ap.add_argument("--json", metavar="FILE", help="also write every figure to FILE")
    args = ap.parse_intermixed_args()
    sizes = [int(x) for arg in args.sizes for x in arg.split()] or [50, 200]
    limit = parse_rate_limit(args.rate_limit)
    latency_s = args.latency_ms / 1000.0

    state = tempfile.mkdtemp(prefix="es-bench-")
    url = subprocess.run(
        [os.path.join(HERE, "scripts", "emulator"), "start", "--state-dir", state, "--exit-with", str(os.getpid()),
         "--latency-ms", "0", "--rate-limit", "off"],
        check=True, capture_output=True, text=True,
    ).stdout.strip().splitlines()[-1]
    rows = []
    try:
        for k, n in enumerate(sizes):
            account = f"9{n:05d}{k:06d}"
            env = dict(os.environ, AWS_ENDPOINT_URL=url, AWS_ACCESS_KEY_ID=account, AWS_SECRET_ACCESS_KEY="x",
                       AWS_REGION="us-east-1", AWS_DEFAULT_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true", NO_COLOR="1")
            env.pop("AWS_PROFILE", None)
            control(url, account, "POST", "reset")
            control(url, account, "POST", "config", {"transition_seconds": 0})  # InService at once
            path = os.path.join(state, f"bench-{n}.yaml")
            with open(path, "w") as f:
                f.write(spec(n))
            t0 = time.monotonic()
            made = setup(args.binary, path, url, account, env)
            print(f"{n} endpoints: set up with {made} calls in {time.monotonic() - t0:.1f} s; "
                  f"latency {args.latency_ms:g} ms, rate limit {f'{limit[0]:g}/s burst {limit[1]}' if limit else 'none'}",
                  flush=True)
            control(url, account, "POST", "latency", {"latency_ms": args.latency_ms})
            tool = timed_runs("endpoint-scale plan", [args.binary, "plan", path, "--detailed-exitcode"], env, url,
                              account, args.runs, limit)
            names = "\n".join(f"bench-{i:04d}" for i in range(n))
            py = sys.executable
            b3 = None if args.no_boto3 else timed_runs(
                "boto3 script", [py, os.path.join(HERE, "scripts", "bench_plan_boto3.py")], env, url, account,
                args.runs, limit, stdin=names)
            row = {"endpoints": n, "latency_ms": args.latency_ms, "rate_limit": list(limit) if limit else None,
                   "tool": tool, "boto3": b3}
            if "median" in tool:
                row["bound"] = bounds(tool, latency_s, limit)
            rows.append(row)
            print(report(row), flush=True)
            control(url, account, "POST", "reset")  # frees the emulator's memory for the next size
    finally:
        subprocess.run([os.path.join(HERE, "scripts", "emulator"), "stop", "--state-dir", state], capture_output=True)
    print()
    print(table(rows))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=2)


def report(row: dict) -> str:
    t, n = row["tool"], row["endpoints"]
    if "median" not in t:
        return f"  endpoint-scale plan: every run failed: {t['failures'][-1]}"
    b = row["bound"]
    lines = [
        f"  endpoint-scale plan: median {t['median']:.2f} s (min {t['min']:.2f}, max {t['max']:.2f}, "
        f"{len(t['times'])}/{t['runs']} runs ok); {t['calls']} AWS calls ({t['calls'] / n:.2f} per endpoint), "
        f"{t['throttled']} throttled; {t['by_op']}",
        f"  bounds: in-flight {t['answered']} x {row['latency_ms']:g} ms / {PARALLELISM} = {b['in_flight']:.2f} s; "
        f"depth {b['depth_calls']} x {row['latency_ms']:g} ms = {b['depth']:.2f} s"
        + (f"; rate ({t['answered']} - {row['rate_limit'][1]}) / {row['rate_limit'][0]:g}/s = {b['rate']:.2f} s"
           if row["rate_limit"] else "")
        + (f" -> bound {b['bound']:.2f} s, measured/bound {t['median'] / b['bound']:.2f}" if b["bound"] else
           " -> no bound (no latency, no rate limit)"),
    ]
    x = row["boto3"]
    if x is not None:
        if "median" in x:
            lines.append(f"  boto3 script: median {x['median']:.2f} s (min {x['min']:.2f}, max {x['max']:.2f}, "
                         f"{len(x['times'])}/{x['runs']} runs ok, Python start-up included; reading alone "
                         f"{x['inner_median']:.2f} s); {x['calls']} AWS calls, "
                         f"{x['throttled']} throttled")
        else:
            lines.append(f"  boto3 script: every run failed: {x['failures'][-1]}")
    return "\n".join(lines)


def table(rows: list) -> str:
    head = ("| endpoints | latency | rate limit | plan median | calls | throttled | bound | ratio | "
            "boto3 median | boto3 read alone | boto3 calls | boto3 throttled |")
    out = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        t, x = r["tool"], r["boto3"]
        rl = f"{r['rate_limit'][0]:g}/s, burst {r['rate_limit'][1]}" if r["rate_limit"] else "none"
        fail = lambda d: f"failed ({len(d['failures'])}/{d['runs']})"
        if "median" in t:
            b = r["bound"]["bound"]
            cells = [f"{t['median']:.2f} s" + (f" ({len(t['failures'])} failed)" if t["failures"] else ""),
                     str(t["calls"]), str(t["throttled"]), f"{b:.2f} s" if b else "-",
                     f"{t['median'] / b:.2f}" if b else "-"]
        else:
            cells = [fail(t), "-", "-", "-", "-"]
        if x is None:
            cells += ["-", "-", "-", "-"]
        elif "median" in x:
            cells += [f"{x['median']:.2f} s" + (f" ({len(x['failures'])} failed)" if x["failures"] else ""),
                      f"{x['inner_median']:.2f} s" if x["inner_median"] is not None else "-",
                      str(x["calls"]), str(x["throttled"])]
        else:
            cells += [fail(x), "-", "-", "-"]
        out.append(f"| {r['endpoints']} | {r['latency_ms']:g} ms | {rl} | " + " | ".join(cells) + " |")
    return "\n".join(out)


if __name__ == "__main__":
    main()
