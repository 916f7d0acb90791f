"""Driver for scripts/bench-plan (see there)."""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNS = 5


def spec(n: int) -> str:
    lines = ["version: 1", "project: bench", "endpoints:"]
    for i in range(n):
        lines += [
            f"  - name: bench-{i:03d}",
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


def control(url: str, account: str, method: str, path: str):
    req = urllib.request.Request(f"{url}/_emulator/{path}?account={account}", method=method)
    with urllib.request.urlopen(req) as resp:
        return json.loads(resp.read() or b"null")


def main() -> None:
    binary = sys.argv[1]
    sizes = [int(x) for arg in sys.argv[2:] for x in arg.split()]
    state = tempfile.mkdtemp(prefix="es-bench-")
    url = subprocess.run(
        [os.path.join(HERE, "scripts", "emulator"), "start", "--state-dir", state, "--exit-with", str(os.getpid())],
        check=True, capture_output=True, text=True,
    ).stdout.strip().splitlines()[-1]
    try:
        for k, n in enumerate(sizes):
            account = f"9{n:05d}{k:06d}"
            env = dict(os.environ, AWS_ENDPOINT_URL=url, AWS_ACCESS_KEY_ID=account, AWS_SECRET_ACCESS_KEY="x",
                       AWS_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true", NO_COLOR="1")
            path = os.path.join(state, f"bench-{n}.yaml")
            with open(path, "w") as f:
                f.write(spec(n))
            subprocess.run([binary, "apply", path, "--auto-approve", "--poll-interval", "50ms", "--parallelism", "10"],
                           check=True, env=env, capture_output=True)
            times, calls = [], None
            for _ in range(RUNS):
                control(url, account, "DELETE", "requests")
                start = time.monotonic()
                out = subprocess.run([binary, "plan", path, "--detailed-exitcode"], env=env, capture_output=True, text=True)
                times.append(time.monotonic() - start)
                if out.returncode != 0:
                    sys.exit(f"plan of {n} endpoints exited {out.returncode}: {out.stderr}")
                log = control(url, account, "GET", "requests")
                by_op = {}
                for r in log:
                    by_op[r["operation"]] = by_op.get(r["operation"], 0) + 1
                calls = (len(log), by_op)
            sm = sum(v for k, v in calls[1].items() if k in ("DescribeEndpoint", "DescribeEndpointConfig", "ListTags", "DescribeModel"))
            aas = calls[0] - sm
            print(f"{n} endpoints: plan median {statistics.median(times):.2f} s (min {min(times):.2f}, max {max(times):.2f}, {RUNS} runs); "
                  f"{calls[0]} AWS calls: {sm} SageMaker ({sm / n:.1f} per endpoint), {aas} Application Auto Scaling; {calls[1]}")
    finally:
        subprocess.run([os.path.join(HERE, "scripts", "emulator"), "stop", "--state-dir", state], capture_output=True)


if __name__ == "__main__":
    main()
