"""Tests of endpoint-scale's local AWS emulator (moto + tests/emulator patches), with plain boto3.

Run from the repository root:  "$(scripts/python-env)" -m pytest -q tests/emulator
"""

import json
import os
import random
import shutil
import subprocess
import tempfile
import time
import urllib.request

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LAUNCHER = os.path.join(REPO, "scripts", "emulator")
REGION = "us-east-1"
DIM = "sagemaker:variant:DesiredInstanceCount"
ROLE = "arn:aws:iam::123456789012:role/sagemaker"
# botocore: retries.max_attempts counts RETRIES (max_attempts=1 still retries once);
# total_max_attempts=1 is "one attempt, no retry".
NO_RETRY = Config(retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=30)


# ----------------------------------------------------------------------------- fixtures

def _start(state_dir: str) -> str:
    out = subprocess.run(
        [LAUNCHER, "start", "--state-dir", state_dir, "--exit-with", str(os.getpid())],
        check=True, capture_output=True, text=True, timeout=120,
    )
    return out.stdout.strip().splitlines()[-1]


def _stop(state_dir: str) -> None:
    subprocess.run([LAUNCHER, "stop", "--state-dir", state_dir], capture_output=True, timeout=30)


@pytest.fixture(scope="session")
def emulator_url():
    state_dir = tempfile.mkdtemp(prefix="es-emulator-")
    url = _start(state_dir)
    yield url
    _stop(state_dir)
    shutil.rmtree(state_dir, ignore_errors=True)


_used_accounts = set()


def _new_account() -> str:
    while True:
        acct = "9" + "".join(random.choice("0123456789") for _ in range(11))
        if acct not in _used_accounts:
            _used_accounts.add(acct)
            return acct


class Env:
    """One test's view of the emulator: its own account, clients and control helpers."""

    def __init__(self, url: str, account: str):
        self.url = url
        self.account = account
        self.sm = self.client("sagemaker")
        self.aas = self.client("application-autoscaling")

    def client(self, service: str, account: str = None, config: Config = NO_RETRY):
        return boto3.client(
            service, endpoint_url=self.url, region_name=REGION,
            aws_access_key_id=account or self.account, aws_secret_access_key="test",
            config=config,
        )

    def control(self, method: str, path: str, body=None, account: str = None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            f"{self.url}/_emulator/{path}?account={account or self.account}",
            data=data, method=method, headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read() or b"null")

    # --- SageMaker building blocks
    def model(self, name="m"):
        self.sm.create_model(ModelName=name, ExecutionRoleArn=ROLE,
                             PrimaryContainer={"Image": "123.dkr.ecr.us-east-1.amazonaws.com/img:1"})

    def config(self, name, variants):
        """variants: list of (variant, instance_type, count[, weight[, model]])"""
        pvs = []
        for v in variants:
            pv = {"VariantName": v[0], "InstanceType": v[1], "InitialInstanceCount": v[2],
                  "ModelName": v[4] if len(v) > 4 else "m"}
            if len(v) > 3 and v[3] is not None:
                pv["InitialVariantWeight"] = v[3]
            pvs.append(pv)
        self.sm.create_endpoint_config(EndpointConfigName=name, ProductionVariants=pvs)

    def wait(self, endpoint, max_polls=50):
        for _ in range(max_polls):
            d = self.sm.describe_endpoint(EndpointName=endpoint)
            if d["EndpointStatus"] not in ("Creating", "Updating"):
                return d
        raise AssertionError(f"{endpoint} did not settle")

    def endpoint(self, name="e", config="c1", variants=(("a", "ml.m5.large", 2),)):
        self.config(config, list(variants))
        self.sm.create_endpoint(EndpointName=name, EndpointConfigName=config)
        return self.wait(name)

    def register(self, endpoint="e", variant="a", lo=1, hi=4, **kw):
        return self.aas.register_scalable_target(
            ServiceNamespace="sagemaker", ResourceId=f"endpoint/{endpoint}/variant/{variant}",
            ScalableDimension=DIM, MinCapacity=lo, MaxCapacity=hi, **kw)

    def policy(self, name="p", endpoint="e", variant="a"):
        return self.aas.put_scaling_policy(
            PolicyName=name, ServiceNamespace="sagemaker",
            ResourceId=f"endpoint/{endpoint}/variant/{variant}", ScalableDimension=DIM,
            PolicyType="TargetTrackingScaling",
            TargetTrackingScalingPolicyConfiguration={
                "TargetValue": 600.0,
                "PredefinedMetricSpecification": {
                    "PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"},
            })

    def schedule(self, name="s", endpoint="e", variant="a"):
        return self.aas.put_scheduled_action(
            ServiceNamespace="sagemaker", ScheduledActionName=name,
            ResourceId=f"endpoint/{endpoint}/variant/{variant}", ScalableDimension=DIM,
            Schedule="cron(0 8 ? * MON-FRI *)",
            ScalableTargetAction={"MinCapacity": 2, "MaxCapacity": 6})


@pytest.fixture
def env(emulator_url):
    e = Env(emulator_url, _new_account())
    e.control("POST", "reset")
    e.model()
    return e


def _error(excinfo):
    err = excinfo.value.response["Error"]
    return err["Code"], err["Message"]


# ----------------------------------------------------------------------------- launcher

def test_start_reuse_url_and_stop():
    # How fast it starts is measured by scripts/bench-emulator-start, not asserted here: a timing
    # assertion would fail on a loaded CI machine without anything being wrong.
    subprocess.run([os.path.join(REPO, "scripts", "python-env")], check=True,
                   capture_output=True, timeout=600)  # venv installed: not part of the figure
    state_dir = tempfile.mkdtemp(prefix="es-emulator-ready-")
    try:
        url = _start(state_dir)
        with urllib.request.urlopen(f"{url}/_emulator/health", timeout=5) as resp:
            assert json.loads(resp.read())["status"] == "ok"
        assert os.path.exists(os.path.join(state_dir, "pid"))
        # A second start reuses the running server.
        assert _start(state_dir) == url
        out = subprocess.run([LAUNCHER, "url", "--state-dir", state_dir],
                             capture_output=True, text=True, timeout=30)
        assert out.returncode == 0 and out.stdout.strip() == url
        pid = int(open(os.path.join(state_dir, "pid")).read())
    finally:
        _stop(state_dir)
    assert not os.path.exists(os.path.join(state_dir, "url"))
    for _ in range(50):
        if not os.path.exists(f"/proc/{pid}"):
            break
        time.sleep(0.1)
    assert not os.path.exists(f"/proc/{pid}")
    out = subprocess.run([LAUNCHER, "url", "--state-dir", state_dir], capture_output=True, timeout=30)
    assert out.returncode == 1
    shutil.rmtree(state_dir, ignore_errors=True)


def test_exit_with_stops_server_when_watched_process_exits():
    state_dir = tempfile.mkdtemp(prefix="es-emulator-exitwith-")
    watched = subprocess.Popen(["sleep", "30"])
    try:
        out = subprocess.run([LAUNCHER, "start", "--state-dir", state_dir, "--exit-with", str(watched.pid)],
                             check=True, capture_output=True, text=True, timeout=120)
        url = out.stdout.strip().splitlines()[-1]
        pid = int(open(os.path.join(state_dir, "pid")).read())
        watched.kill()
        watched.wait()
        for _ in range(50):
            if not os.path.exists(f"/proc/{pid}"):
                break
            time.sleep(0.1)
        assert not os.path.exists(f"/proc/{pid}"), "server outlived its --exit-with process"
        with pytest.raises(OSError):
            urllib.request.urlopen(f"{url}/_emulator/health", timeout=2)
    finally:
        if watched.poll() is None:
            watched.kill()
        _stop(state_dir)
        shutil.rmtree(state_dir, ignore_errors=True)


# ----------------------------------------------------------------------------- 4. no silent overwrite

def test_create_existing_names_fail(env):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        env.model()
    assert _error(e) == ("ValidationException",
                         f'Cannot create already existing model "arn:aws:sagemaker:us-east-1:{env.account}:model/m".')
    env.config("c1", [("a", "ml.m5.large", 1)])
    with pytest.raises(botocore.exceptions.ClientError) as e:
        env.config("c1", [("a", "ml.c5.large", 3)])
    assert _error(e) == ("ValidationException",
                         f'Cannot create already existing endpoint configuration "arn:aws:sagemaker:us-east-1:{env.account}:endpoint-config/c1".')
    assert env.sm.describe_endpoint_config(EndpointConfigName="c1")["ProductionVariants"][0]["InstanceType"] == "ml.m5.large"
    env.sm.create_endpoint(EndpointName="e", EndpointConfigName="c1")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        env.sm.create_endpoint(EndpointName="e", EndpointConfigName="c1")
    assert _error(e) == ("ValidationException",
                         f'Cannot create already existing endpoint "arn:aws:sagemaker:us-east-1:{env.account}:endpoint/e".')


# ----------------------------------------------------------------------------- settings kept as given

def test_model_keeps_network_isolation_vpc_and_mode_and_omits_what_was_not_set(env):
    env.sm.create_model(
        ModelName="isolated", ExecutionRoleArn=ROLE,
        PrimaryContainer={"Image": "img:1", "Mode": "MultiModel"},
        VpcConfig={"SecurityGroupIds": ["sg-1"], "Subnets": ["subnet-1", "subnet-2"]},
        EnableNetworkIsolation=True)
    d = env.sm.describe_model(ModelName="isolated")
    assert d["EnableNetworkIsolation"] is True
    assert d["VpcConfig"] == {"SecurityGroupIds": ["sg-1"], "Subnets": ["subnet-1", "subnet-2"]}
    assert d["PrimaryContainer"] == {"Image": "img:1", "Mode": "MultiModel"}
    plain = env.sm.describe_model(ModelName="m")
    assert plain["EnableNetworkIsolation"] is False
    assert "VpcConfig" not in plain


def test_endpoint_config_keeps_every_member_it_was_given(env):
    capture = {
        "EnableCapture": True, "InitialSamplingPercentage": 20, "DestinationS3Uri": "s3://b/capture",
        "KmsKeyId": "alias/capture", "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
        "CaptureContentTypeHeader": {"JsonContentTypes": ["application/json"]},
    }
    variant = {
        "VariantName": "a", "ModelName": "m", "InstanceType": "ml.c5.large", "InitialInstanceCount": 1,
        "VolumeSizeInGB": 30, "ModelDataDownloadTimeoutInSeconds": 600,
        "ContainerStartupHealthCheckTimeoutInSeconds": 900,
    }
    shadow = {"VariantName": "s", "ModelName": "m", "InstanceType": "ml.c5.large", "InitialInstanceCount": 1}
    env.sm.create_endpoint_config(
        EndpointConfigName="full", ProductionVariants=[variant], DataCaptureConfig=capture,
        KmsKeyId="arn:aws:kms:us-east-1:123456789012:key/abc", ShadowProductionVariants=[shadow],
        ExplainerConfig={"ClarifyExplainerConfig": {"ShapConfig": {"ShapBaselineConfig": {"ShapBaseline": "1"}}}},
        ExecutionRoleArn=ROLE, VpcConfig={"SecurityGroupIds": ["sg-1"], "Subnets": ["subnet-1"]},
        EnableNetworkIsolation=True)
    d = env.sm.describe_endpoint_config(EndpointConfigName="full")
    assert d["ProductionVariants"] == [variant]
    assert d["DataCaptureConfig"] == capture
    assert d["KmsKeyId"] == "arn:aws:kms:us-east-1:123456789012:key/abc"
    assert d["ShadowProductionVariants"] == [shadow]
    assert d["ExplainerConfig"]["ClarifyExplainerConfig"]["ShapConfig"]["ShapBaselineConfig"] == {"ShapBaseline": "1"}
    assert (d["ExecutionRoleArn"], d["EnableNetworkIsolation"]) == (ROLE, True)
    assert d["VpcConfig"] == {"SecurityGroupIds": ["sg-1"], "Subnets": ["subnet-1"]}
    env.config("plain", [("a", "ml.c5.large", 1)])
    plain = env.sm.describe_endpoint_config(EndpointConfigName="plain")
    for member in ("DataCaptureConfig", "KmsKeyId", "ShadowProductionVariants", "VpcConfig"):
        assert member not in plain, member


def test_add_tags_overwrites_existing_key(env):
    arn = env.sm.describe_model(ModelName="m")["ModelArn"]
    env.sm.add_tags(ResourceArn=arn, Tags=[{"Key": "owner", "Value": "a"}, {"Key": "team", "Value": "x"}])
    env.sm.add_tags(ResourceArn=arn, Tags=[{"Key": "owner", "Value": "b"}])
    tags = env.sm.list_tags(ResourceArn=arn)["Tags"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("owner", "b"), ("team", "x")]


# ----------------------------------------------------------------------------- 2. status transitions

def test_create_update_delete_transitions_default_one_poll(env):
    env.config("c1", [("a", "ml.m5.large", 2)])
    env.config("c2", [("a", "ml.m5.large", 3)])
    env.sm.create_endpoint(EndpointName="e", EndpointConfigName="c1")
    d = env.sm.describe_endpoint(EndpointName="e")
    assert d["EndpointStatus"] == "Creating"
    assert d["PendingDeploymentSummary"]["ProductionVariants"][0]["InstanceType"] == "ml.m5.large"
    assert env.sm.describe_endpoint(EndpointName="e")["EndpointStatus"] == "InService"

    env.sm.update_endpoint(EndpointName="e", EndpointConfigName="c2")
    d = env.sm.describe_endpoint(EndpointName="e")
    assert (d["EndpointStatus"], d["EndpointConfigName"]) == ("Updating", "c1")
    assert d["PendingDeploymentSummary"]["EndpointConfigName"] == "c2"
    d = env.sm.describe_endpoint(EndpointName="e")
    assert (d["EndpointStatus"], d["EndpointConfigName"]) == ("InService", "c2")
    assert "PendingDeploymentSummary" not in d

    env.sm.delete_endpoint(EndpointName="e")
    assert env.sm.describe_endpoint(EndpointName="e")["EndpointStatus"] == "Deleting"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        env.sm.describe_endpoint(EndpointName="e")
    code, msg = _error(e)
    assert code == "ValidationException" and msg.startswith("Could not find endpoint")
    assert env.sm.list_endpoints()["Endpoints"] == []


def test_transition_polls_configurable(env):
    assert env.control("POST", "config", {"transition_polls": 3})["transition_polls"] == 3
    env.config("c1", [("a", "ml.m5.large", 1)])
    env.sm.create_endpoint(EndpointName="e", EndpointConfigName="c1")
    statuses = [env.sm.describe_endpoint(EndpointName="e")["EndpointStatus"] for _ in range(4)]
    assert statuses == ["Creating", "Creating", "Creating", "InService"]
    assert env.sm.list_endpoints()["Endpoints"][0]["EndpointStatus"] == "InService"

    env.control("POST", "config", {"transition_polls": 0})
    env.config("c2", [("a", "ml.m5.large", 2)])
    env.sm.update_endpoint(EndpointName="e", EndpointConfigName="c2")
    d = env.sm.describe_endpoint(EndpointName="e")
    assert (d["EndpointStatus"], d["EndpointConfigName"]) == ("InService", "c2")


def test_transition_seconds_configurable(env):
    env.control("POST", "config", {"transition_seconds": 0.6})
    env.config("c1", [("a", "ml.m5.large", 1)])
    env.sm.create_endpoint(EndpointName="e", EndpointConfigName="c1")
    for _ in range(3):
        assert env.sm.describe_endpoint(EndpointName="e")["EndpointStatus"] == "Creating"
    assert env.sm.list_endpoints()["Endpoints"][0]["EndpointStatus"] == "Creating"
    time.sleep(0.7)
    assert env.sm.list_endpoints()["Endpoints"][0]["EndpointStatus"] == "InService"
    assert env.sm.describe_endpoint(EndpointName="e")["EndpointStatus"] == "InService"
    assert env.control("GET", "config") == {"transition_polls": 1, "transition_seconds": 0.6}


def test_calls_rejected_while_in_progress(env):
    env.config("c1", [("a", "ml.m5.large", 1)])
    env.config("c2", [("a", "ml.m5.large", 2)])
    env.sm.create_endpoint(EndpointName="e", EndpointConfigName="c1")
    arn = f"arn:aws:sagemaker:us-east-1:{env.account}:endpoint/e"
    # Creating
    with pytest.raises(botocore.exceptions.ClientError) as e:
        env.sm.update_endpoint(EndpointName="e", EndpointConfigName="c2")
    assert _error(e) == ("ValidationException", f'Cannot update in-progress endpoint "{arn}".')
    with pytest.raises(botocore.exceptions.ClientError) as e:
        env.sm.update_endpoint_weights_and_capacities(
            EndpointName="e", DesiredWeightsAndCapacities=[{"VariantName": "a", "DesiredInstanceCount": 2}])
    assert _error(e)[0] == "ValidationException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        env.register()
    code, msg = _error(e)
    assert code == "ValidationException" and "InService" in msg
    env.wait("e")
    # Updating
    env.sm.update_endpoint(EndpointName="e", EndpointConfigName="c2")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        env.sm.update_endpoint(EndpointName="e", EndpointConfigName="c1")
    assert _error(e) == ("ValidationException", f'Cannot update in-progress endpoint "{arn}".')
    with pytest.raises(botocore.exceptions.ClientError):
        env.register()
    assert env.wait("e")["EndpointConfigName"] == "c2"
    env.register()


def test_delete_is_accepted_while_creating_and_blocks_updates(env):
    env.config("c1", [("a", "ml.m5.large", 1)])
    env.sm.create_endpoint(EndpointName="e", EndpointConfigName="c1")
    env.sm.delete_endpoint(EndpointName="e")  # emulator choice: accepted while Creating
    assert env.sm.list_endpoints()["Endpoints"][0]["EndpointStatus"] == "Deleting"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        env.sm.update_endpoint(EndpointName="e", EndpointConfigName="c1")
    assert "in-progress" in _error(e)[1]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        env.sm.create_endpoint(EndpointName="e", EndpointConfigName="c1")
    assert "already existing" in _error(e)[1]
    env.sm.delete_endpoint(EndpointName="e")  # already Deleting: no-op
    assert env.sm.describe_endpoint(EndpointName="e")["EndpointStatus"] == "Deleting"
    with pytest.raises(botocore.exceptions.ClientError):
        env.sm.describe_endpoint(EndpointName="e")
    env.sm.create_endpoint(EndpointName="e", EndpointConfigName="c1")  # the name is free again


# ----------------------------------------------------------------------------- 1. UpdateEndpoint

def test_describe_endpoint_follows_config_and_weights_and_capacities(env):
    d = env.endpoint(variants=[("a", "ml.m5.large", 2, 3.0), ("b", "ml.c5.large", 1)])
    pv = {v["VariantName"]: v for v in d["ProductionVariants"]}
    assert pv["a"] == {"VariantName": "a", "CurrentWeight": 3.0, "DesiredWeight": 3.0,
                       "CurrentInstanceCount": 2, "DesiredInstanceCount": 2}
    assert pv["b"]["CurrentWeight"] == 1.0 and pv["b"]["CurrentInstanceCount"] == 1
    env.sm.update_endpoint_weights_and_capacities(
        EndpointName="e", DesiredWeightsAndCapacities=[{"VariantName": "a", "DesiredInstanceCount": 5}])
    d = env.sm.describe_endpoint(EndpointName="e")
    pv = {v["VariantName"]: v for v in d["ProductionVariants"]}
    assert d["EndpointStatus"] == "Updating"
    assert (pv["a"]["CurrentInstanceCount"], pv["a"]["DesiredInstanceCount"]) == (2, 5)
    assert pv["a"]["DesiredWeight"] == 3.0  # not given: unchanged
    d = env.sm.describe_endpoint(EndpointName="e")
    pv = {v["VariantName"]: v for v in d["ProductionVariants"]}
    assert d["EndpointStatus"] == "InService"
    assert (pv["a"]["CurrentInstanceCount"], pv["a"]["DesiredInstanceCount"]) == (5, 5)
    with pytest.raises(botocore.exceptions.ClientError):
        env.sm.update_endpoint_weights_and_capacities(
            EndpointName="e", DesiredWeightsAndCapacities=[{"VariantName": "zz", "DesiredWeight": 1.0}])


def _scale_to(env, count, weight=None):
    item = {"VariantName": "a", "DesiredInstanceCount": count}
    if weight is not None:
        item["DesiredWeight"] = weight
    env.sm.update_endpoint_weights_and_capacities(EndpointName="e", DesiredWeightsAndCapacities=[item])
    env.wait("e")


def _variants(d):
    return {v["VariantName"]: v for v in d["ProductionVariants"]}


def test_update_endpoint_resets_counts_without_retain(env):
    env.endpoint(variants=[("a", "ml.m5.large", 2)])
    _scale_to(env, 6, 2.0)
    env.config("c2", [("a", "ml.m5.large", 1, 0.5), ("b", "ml.m5.large", 1)])
    arn = env.sm.update_endpoint(EndpointName="e", EndpointConfigName="c2")["EndpointArn"]
    assert arn.endswith(":endpoint/e")
    d = env.wait("e")
    pv = _variants(d)
    assert d["EndpointConfigName"] == "c2"
    assert (pv["a"]["CurrentInstanceCount"], pv["a"]["DesiredInstanceCount"], pv["a"]["DesiredWeight"]) == (1, 1, 0.5)
    assert pv["b"]["DesiredInstanceCount"] == 1


def test_update_endpoint_retain_all_variant_properties(env):
    env.endpoint(variants=[("a", "ml.m5.large", 2)])
    _scale_to(env, 6, 2.0)
    env.config("c2", [("a", "ml.m5.large", 1, 0.5), ("b", "ml.m5.large", 3)])
    env.sm.update_endpoint(EndpointName="e", EndpointConfigName="c2", RetainAllVariantProperties=True)
    d = env.sm.describe_endpoint(EndpointName="e")
    assert d["EndpointStatus"] == "Updating"
    pending = _variants(d["PendingDeploymentSummary"])
    assert pending["a"]["DesiredInstanceCount"] == 6
    d = env.wait("e")
    pv = _variants(d)
    assert d["EndpointConfigName"] == "c2"
    assert (pv["a"]["CurrentInstanceCount"], pv["a"]["DesiredInstanceCount"]) == (6, 6)
    assert (pv["a"]["CurrentWeight"], pv["a"]["DesiredWeight"]) == (2.0, 2.0)
    assert pv["b"]["DesiredInstanceCount"] == 3  # new variant: from the config


def test_update_endpoint_exclude_retained_variant_properties(env):
    env.endpoint(variants=[("a", "ml.m5.large", 2)])
    _scale_to(env, 6, 2.0)
    env.config("c2", [("a", "ml.m5.large", 1, 0.5)])
    env.sm.update_endpoint(
        EndpointName="e", EndpointConfigName="c2", RetainAllVariantProperties=True,
        ExcludeRetainedVariantProperties=[{"VariantPropertyType": "DesiredInstanceCount"}])
    pv = _variants(env.wait("e"))
    assert pv["a"]["DesiredInstanceCount"] == 1 and pv["a"]["DesiredWeight"] == 2.0
    env.config("c3", [("a", "ml.m5.large", 4, 0.25)])
    env.sm.update_endpoint(
        EndpointName="e", EndpointConfigName="c3", RetainAllVariantProperties=True,
        ExcludeRetainedVariantProperties=[{"VariantPropertyType": "DesiredWeight"}])
    pv = _variants(env.wait("e"))
    assert pv["a"]["DesiredInstanceCount"] == 1 and pv["a"]["DesiredWeight"] == 0.25


def test_update_endpoint_missing_config_or_endpoint(env):
    env.endpoint()
    with pytest.raises(botocore.exceptions.ClientError) as e:
        env.sm.update_endpoint(EndpointName="e", EndpointConfigName="nope")
    assert _error(e)[0] == "ValidationException" and "nope" in _error(e)[1]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        env.sm.update_endpoint(EndpointName="nope", EndpointConfigName="c1")
    assert _error(e)[1].startswith("Could not find endpoint")


def test_update_endpoint_blocked_for_scaled_variant_instance_type_change_or_removal(env):
    env.endpoint(variants=[("a", "ml.m5.large", 2), ("b", "ml.m5.large", 1)])
    env.register(variant="a")
    env.config("c-type", [("a", "ml.c5.xlarge", 2), ("b", "ml.m5.large", 1)])
    env.config("c-remove", [("b", "ml.m5.large", 1)])
    for cfg in ("c-type", "c-remove"):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            env.sm.update_endpoint(EndpointName="e", EndpointConfigName=cfg)
        code, msg = _error(e)
        assert code == "ValidationException" and '"[a]"' in msg and "scalable target" in msg
    assert env.sm.describe_endpoint(EndpointName="e")["EndpointStatus"] == "InService"
    # Changing only the model of a scaled variant, or an unscaled variant's type, is allowed.
    env.model("m2")
    env.config("c-model", [("a", "ml.m5.large", 2, None, "m2"), ("b", "ml.c5.large", 1)])
    env.sm.update_endpoint(EndpointName="e", EndpointConfigName="c-model", RetainAllVariantProperties=True)
    assert env.wait("e")["EndpointConfigName"] == "c-model"
    # The documented procedure: deregister, update, register again.
    env.aas.deregister_scalable_target(ServiceNamespace="sagemaker", ResourceId="endpoint/e/variant/a",
                                       ScalableDimension=DIM)
    env.sm.update_endpoint(EndpointName="e", EndpointConfigName="c-type")
    assert env.wait("e")["EndpointConfigName"] == "c-type"
    env.register(variant="a")


def test_fail_next_update_rolls_back(env):
    env.endpoint(variants=[("a", "ml.m5.large", 2)])
    env.config("c2", [("a", "ml.m5.large", 4)])
    env.control("POST", "fail-next-update", {"endpoint": "e", "reason": "health check failed"})
    env.sm.update_endpoint(EndpointName="e", EndpointConfigName="c2")
    d = env.sm.describe_endpoint(EndpointName="e")
    assert d["EndpointStatus"] == "Updating"
    d = env.sm.describe_endpoint(EndpointName="e")
    assert d["EndpointStatus"] == "RollingBack"
    assert d["FailureReason"] == "health check failed"
    # The rollback takes as many polls as the update did.
    assert env.sm.describe_endpoint(EndpointName="e")["EndpointStatus"] == "RollingBack"
    d = env.sm.describe_endpoint(EndpointName="e")
    assert d["EndpointStatus"] == "InService"
    assert d["EndpointConfigName"] == "c1"
    assert d["FailureReason"] == "health check failed"
    assert _variants(d)["a"]["CurrentInstanceCount"] == 2
    # Only the next update fails.
    env.sm.update_endpoint(EndpointName="e", EndpointConfigName="c2")
    d = env.wait("e")
    assert d["EndpointConfigName"] == "c2" and "FailureReason" not in d


def test_a_failed_capacity_update_rolls_back_to_the_old_counts(env):
    env.endpoint(variants=[("a", "ml.m5.large", 2)])
    env.control("POST", "fail-next-update", {
        "endpoint": "e", "reason": "insufficient capacity", "operation": "UpdateEndpointWeightsAndCapacities",
    })
    env.sm.update_endpoint_weights_and_capacities(
        EndpointName="e", DesiredWeightsAndCapacities=[{"VariantName": "a", "DesiredInstanceCount": 5}]
    )
    statuses = [env.sm.describe_endpoint(EndpointName="e")["EndpointStatus"] for _ in range(4)]
    assert statuses == ["Updating", "RollingBack", "RollingBack", "InService"]
    d = env.sm.describe_endpoint(EndpointName="e")
    assert _variants(d)["a"]["DesiredInstanceCount"] == 2
    assert d["FailureReason"] == "insufficient capacity"


def test_a_failed_rollback_ends_in_update_rollback_failed(env):
    env.endpoint(variants=[("a", "ml.m5.large", 2)])
    env.control("POST", "fail-next-update", {
        "endpoint": "e", "reason": "boom", "operation": "UpdateEndpointWeightsAndCapacities", "rollback": "fails",
    })
    env.sm.update_endpoint_weights_and_capacities(
        EndpointName="e", DesiredWeightsAndCapacities=[{"VariantName": "a", "DesiredInstanceCount": 5}]
    )
    statuses = [env.sm.describe_endpoint(EndpointName="e")["EndpointStatus"] for _ in range(5)]
    assert statuses == ["Updating", "RollingBack", "RollingBack", "UpdateRollbackFailed", "UpdateRollbackFailed"]
    with pytest.raises(urllib.error.HTTPError) as e:
        env.control("POST", "fail-next-update", {"endpoint": "e", "rollback": "maybe"})
    assert e.value.code == 400


# ----------------------------------------------------------------------------- 3. Application Auto Scaling

def test_register_scalable_target_validation(env):
    env.endpoint(variants=[("a", "ml.m5.large", 2), ("burst", "ml.t2.medium", 1)])
    cases = [
        ("endpoint/missing/variant/a", 1, 2, "does not exist"),
        ("endpoint/e/variant/missing", 1, 2, "does not exist"),
        ("endpoint/e/variant/burst", 1, 2, "burstable"),
        ("endpoint/e/variant/a", 3, 2, "greater than maximum"),
    ]
    for rid, lo, hi, fragment in cases:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            env.aas.register_scalable_target(ServiceNamespace="sagemaker", ResourceId=rid,
                                             ScalableDimension=DIM, MinCapacity=lo, MaxCapacity=hi)
        code, msg = _error(e)
        assert code == "ValidationException", rid
        assert fragment in msg, (rid, msg)
    assert env.aas.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"] == []


def test_reregister_updates_min_max_and_tags_readable(env):
    env.endpoint()
    arn = env.register(lo=1, hi=4, Tags={"endpoint-scale:owner": "spec-a"})["ScalableTargetARN"]
    assert env.aas.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"endpoint-scale:owner": "spec-a"}
    arn2 = env.register(lo=2, hi=8)["ScalableTargetARN"]
    assert arn2 == arn
    t = env.aas.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"]
    assert [(x["MinCapacity"], x["MaxCapacity"]) for x in t] == [(2, 8)]
    # Only MaxCapacity: MinCapacity stays; below the current min is rejected.
    env.aas.register_scalable_target(ServiceNamespace="sagemaker", ResourceId="endpoint/e/variant/a",
                                     ScalableDimension=DIM, MaxCapacity=5)
    t = env.aas.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"][0]
    assert (t["MinCapacity"], t["MaxCapacity"]) == (2, 5)
    with pytest.raises(botocore.exceptions.ClientError):
        env.aas.register_scalable_target(ServiceNamespace="sagemaker", ResourceId="endpoint/e/variant/a",
                                         ScalableDimension=DIM, MaxCapacity=1)
    env.aas.tag_resource(ResourceARN=arn, Tags={"extra": "1"})
    env.aas.untag_resource(ResourceARN=arn, TagKeys=["endpoint-scale:owner"])
    assert env.aas.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"extra": "1"}
    with pytest.raises(botocore.exceptions.ClientError) as e:
        env.aas.list_tags_for_resource(ResourceARN=arn.replace("scalable-target/", "scalable-target/x"))
    assert _error(e)[0] == "ResourceNotFoundException"


def test_policy_and_schedule_need_registered_target(env):
    env.endpoint()
    for call in (env.policy, env.schedule):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            call()
        code, msg = _error(e)
        assert code == "ObjectNotFoundException"
        assert "endpoint/e/variant/a" in msg
    env.register()
    env.policy()
    env.schedule()


def _put_target_tracking(env, config, name="p"):
    return env.aas.put_scaling_policy(
        PolicyName=name, ServiceNamespace="sagemaker", ResourceId="endpoint/e/variant/a",
        ScalableDimension=DIM, PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration=config)


def test_policy_metrics_are_stored_and_returned_as_put(env):
    env.endpoint()
    env.register()
    concurrency = {"TargetValue": 4.0, "PredefinedMetricSpecification": {
        "PredefinedMetricType": "SageMakerVariantConcurrentRequestsPerModelHighResolution"}}
    customized = {"TargetValue": 70.0, "CustomizedMetricSpecification": {
        "MetricName": "CPUUtilization", "Namespace": "/aws/sagemaker/Endpoints",
        "Dimensions": [{"Name": "EndpointName", "Value": "e"}, {"Name": "VariantName", "Value": "a"}],
        "Statistic": "Average", "Unit": "Percent"}}
    _put_target_tracking(env, concurrency, name="hi-res")
    _put_target_tracking(env, customized, name="cpu")
    pols = {p["PolicyName"]: p for p in
            env.aas.describe_scaling_policies(ServiceNamespace="sagemaker")["ScalingPolicies"]}
    assert pols["hi-res"]["TargetTrackingScalingPolicyConfiguration"] == concurrency
    assert pols["cpu"]["TargetTrackingScalingPolicyConfiguration"] == customized
    # Putting again under the same name replaces the metric in place.
    _put_target_tracking(env, concurrency, name="cpu")
    pols = env.aas.describe_scaling_policies(ServiceNamespace="sagemaker")["ScalingPolicies"]
    assert [p["TargetTrackingScalingPolicyConfiguration"] for p in pols if p["PolicyName"] == "cpu"] == [concurrency]


@pytest.mark.parametrize("config, needle", [
    ({"TargetValue": 1.0, "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantNope"}},
     "predefinedMetricSpecification.predefinedMetricType"),
    ({"TargetValue": 1.0, "CustomizedMetricSpecification": {
        "MetricName": "m", "Namespace": "n", "Statistic": "Median"}},
     "customizedMetricSpecification.statistic"),
    ({"TargetValue": 1.0}, "either a predefined metric or a customized metric"),
    ({"TargetValue": 1.0,
      "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"},
      "CustomizedMetricSpecification": {"MetricName": "m", "Namespace": "n", "Statistic": "Sum"}},
     "either a predefined metric or a customized metric"),
    ({"TargetValue": 1.0, "PredefinedMetricSpecification": {
        "PredefinedMetricType": "SageMakerVariantInvocationsPerInstance", "ResourceLabel": "x"}},
     "ResourceLabel can only be specified for the ALBRequestCountPerTarget"),
])
def test_target_tracking_metrics_are_checked_as_documented(env, config, needle):
    env.endpoint()
    env.register()
    with pytest.raises(botocore.exceptions.ClientError) as e:
        _put_target_tracking(env, config)
    code, msg = _error(e)
    assert code == "ValidationException"
    assert needle in msg
    assert env.aas.describe_scaling_policies(ServiceNamespace="sagemaker")["ScalingPolicies"] == []


def test_deregister_deletes_policies_and_scheduled_actions(env):
    env.endpoint(variants=[("a", "ml.m5.large", 2), ("b", "ml.m5.large", 2)])
    for v in ("a", "b"):
        env.register(variant=v)
        env.policy(variant=v)
        env.schedule(variant=v)
    env.aas.deregister_scalable_target(ServiceNamespace="sagemaker", ResourceId="endpoint/e/variant/a",
                                       ScalableDimension=DIM)
    pols = env.aas.describe_scaling_policies(ServiceNamespace="sagemaker")["ScalingPolicies"]
    acts = env.aas.describe_scheduled_actions(ServiceNamespace="sagemaker")["ScheduledActions"]
    assert [p["ResourceId"] for p in pols] == ["endpoint/e/variant/b"]
    assert [a["ResourceId"] for a in acts] == ["endpoint/e/variant/b"]
    # Re-registering does not bring them back.
    env.register(variant="a")
    assert len(env.aas.describe_scaling_policies(ServiceNamespace="sagemaker")["ScalingPolicies"]) == 1


def test_delete_endpoint_deregisters_its_targets(env):
    env.endpoint(name="e", config="c1", variants=[("a", "ml.m5.large", 2), ("b", "ml.m5.large", 2)])
    env.endpoint(name="other", config="c9", variants=[("a", "ml.m5.large", 2)])
    for ep, v in (("e", "a"), ("e", "b"), ("other", "a")):
        env.register(endpoint=ep, variant=v)
        env.policy(endpoint=ep, variant=v)
        env.schedule(endpoint=ep, variant=v)
    env.sm.delete_endpoint(EndpointName="e")
    targets = env.aas.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"]
    assert [t["ResourceId"] for t in targets] == ["endpoint/other/variant/a"]
    pols = env.aas.describe_scaling_policies(ServiceNamespace="sagemaker")["ScalingPolicies"]
    acts = env.aas.describe_scheduled_actions(ServiceNamespace="sagemaker")["ScheduledActions"]
    assert [p["ResourceId"] for p in pols] == ["endpoint/other/variant/a"]
    assert [a["ResourceId"] for a in acts] == ["endpoint/other/variant/a"]


def test_describe_scalable_targets_paginates_hundreds(env):
    env.control("POST", "config", {"transition_polls": 0})
    n = 230
    variants = [(f"v{i:03d}", "ml.m5.large", 1) for i in range(n)]
    env.config("big", variants)
    env.sm.create_endpoint(EndpointName="big", EndpointConfigName="big")
    for v, _, _ in variants:
        env.register(endpoint="big", variant=v, lo=1, hi=2)
    seen, token, pages = [], None, 0
    while True:
        kw = {"ServiceNamespace": "sagemaker", "MaxResults": 50}
        if token:
            kw["NextToken"] = token
        r = env.aas.describe_scalable_targets(**kw)
        seen += [t["ResourceId"] for t in r["ScalableTargets"]]
        pages += 1
        token = r.get("NextToken")
        if not token:
            break
    assert pages == 5
    assert seen == [f"endpoint/big/variant/{v}" for v, _, _ in variants]
    # Default page size (50) and boto3's paginator.
    assert len(env.aas.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"]) == 50
    pager = env.aas.get_paginator("describe_scalable_targets")
    assert sum(len(p["ScalableTargets"]) for p in pager.paginate(ServiceNamespace="sagemaker")) == n
    # With a ResourceIds filter.
    wanted = [f"endpoint/big/variant/v{i:03d}" for i in range(0, n, 3)]
    got = [t["ResourceId"] for p in pager.paginate(ServiceNamespace="sagemaker", ResourceIds=wanted,
                                                   PaginationConfig={"PageSize": 7})
           for t in p["ScalableTargets"]]
    assert got == wanted
    with pytest.raises(botocore.exceptions.ClientError) as e:
        env.aas.describe_scalable_targets(ServiceNamespace="sagemaker", NextToken="garbage")
    assert _error(e)[0] == "InvalidNextTokenException"


def test_describe_scaling_policies_names_filter_and_pagination(env):
    env.endpoint(variants=[("a", "ml.m5.large", 2), ("b", "ml.m5.large", 2)])
    env.register(variant="a")
    env.register(variant="b")
    for i in range(60):
        env.policy(name=f"p{i:02d}", variant="a")
    env.policy(name="p00", variant="b")
    r = env.aas.describe_scaling_policies(ServiceNamespace="sagemaker", PolicyNames=["p01", "p07"])
    assert sorted(p["PolicyName"] for p in r["ScalingPolicies"]) == ["p01", "p07"]
    r = env.aas.describe_scaling_policies(ServiceNamespace="sagemaker", PolicyNames=["p00"],
                                          ResourceId="endpoint/e/variant/b", ScalableDimension=DIM)
    assert [(p["PolicyName"], p["ResourceId"]) for p in r["ScalingPolicies"]] == [("p00", "endpoint/e/variant/b")]
    pager = env.aas.get_paginator("describe_scaling_policies")
    pages = list(pager.paginate(ServiceNamespace="sagemaker", ResourceId="endpoint/e/variant/a",
                                PaginationConfig={"PageSize": 25}))
    assert [len(p["ScalingPolicies"]) for p in pages] == [25, 25, 10]
    assert len({p["PolicyName"] for page in pages for p in page["ScalingPolicies"]}) == 60


def test_describe_scheduled_actions_filters(env):
    env.endpoint(variants=[("a", "ml.m5.large", 2), ("b", "ml.m5.large", 2)])
    env.register(variant="a")
    env.register(variant="b")
    env.schedule(name="morning", variant="a")
    env.schedule(name="evening", variant="a")
    env.schedule(name="morning", variant="b")
    r = env.aas.describe_scheduled_actions(ServiceNamespace="sagemaker", ScheduledActionNames=["morning"])
    assert sorted(a["ResourceId"] for a in r["ScheduledActions"]) == ["endpoint/e/variant/a", "endpoint/e/variant/b"]
    r = env.aas.describe_scheduled_actions(ServiceNamespace="sagemaker", ResourceId="endpoint/e/variant/a")
    assert sorted(a["ScheduledActionName"] for a in r["ScheduledActions"]) == ["evening", "morning"]
    r = env.aas.describe_scheduled_actions(ServiceNamespace="sagemaker", ScheduledActionNames=["evening"],
                                           ResourceId="endpoint/e/variant/a", ScalableDimension=DIM)
    assert [a["ScheduledActionName"] for a in r["ScheduledActions"]] == ["evening"]
    r = env.aas.describe_scheduled_actions(ServiceNamespace="sagemaker", MaxResults=2)
    assert len(r["ScheduledActions"]) == 2 and r["NextToken"]
    r = env.aas.describe_scheduled_actions(ServiceNamespace="sagemaker", MaxResults=2, NextToken=r["NextToken"])
    assert len(r["ScheduledActions"]) == 1 and "NextToken" not in r


# ----------------------------------------------------------------------------- 5. fault injection

def test_throttle_fault_has_aws_error_shape_and_does_not_reach_moto(env):
    env.control("POST", "faults", {"operation": "CreateEndpointConfig", "fault": "throttle", "count": 1})
    with pytest.raises(botocore.exceptions.ClientError) as e:
        env.config("c1", [("a", "ml.m5.large", 1)])
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert _error(e) == ("ThrottlingException", "Rate exceeded")
    assert e.value.response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-errortype"] == "ThrottlingException"
    assert env.sm.list_endpoint_configs()["EndpointConfigs"] == []  # no state change
    env.config("c1", [("a", "ml.m5.large", 1)])  # count exhausted
    assert len(env.sm.list_endpoint_configs()["EndpointConfigs"]) == 1


def test_boto3_standard_retries_recover_from_a_throttle(env):
    env.control("POST", "faults", {"operation": "ListModels", "fault": "throttle", "count": 2})
    sm = env.client("sagemaker", config=Config(retries={"max_attempts": 3, "mode": "standard"}))
    r = sm.list_models()
    assert r["ResponseMetadata"]["RetryAttempts"] == 2


@pytest.mark.parametrize("fault,status,code", [("500", 500, "InternalFailure"),
                                                ("503", 503, "ServiceUnavailable")])
def test_server_error_faults(env, fault, status, code):
    env.endpoint()
    env.config("c2", [("a", "ml.m5.large", 5)])
    env.control("POST", "faults", {"operation": "UpdateEndpoint", "fault": fault, "count": 1})
    with pytest.raises(botocore.exceptions.ClientError) as e:
        env.sm.update_endpoint(EndpointName="e", EndpointConfigName="c2")
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert _error(e)[0] == code
    d = env.sm.describe_endpoint(EndpointName="e")
    assert (d["EndpointStatus"], d["EndpointConfigName"]) == ("InService", "c1")


def test_drop_fault_is_a_connection_error(env):
    env.control("POST", "faults", {"operation": "DescribeEndpoint", "fault": "drop", "count": 1})
    env.config("c1", [("a", "ml.m5.large", 1)])
    env.sm.create_endpoint(EndpointName="e", EndpointConfigName="c1")
    with pytest.raises(botocore.exceptions.ConnectionClosedError):
        env.sm.describe_endpoint(EndpointName="e")
    # The dropped Describe never reached moto: the next one is the first poll.
    assert env.sm.describe_endpoint(EndpointName="e")["EndpointStatus"] == "Creating"
    log = env.control("GET", "requests")
    assert [(r["operation"], r["status"], r["fault"]) for r in log][-2:] == [
        ("DescribeEndpoint", None, "drop"), ("DescribeEndpoint", 200, None)]


def test_latency_fault(env):
    env.control("POST", "faults", {"operation": "ListEndpoints", "fault": "latency", "latency_ms": 400, "count": 1})
    t0 = time.monotonic()
    assert env.sm.list_endpoints()["Endpoints"] == []
    assert time.monotonic() - t0 >= 0.4
    t0 = time.monotonic()
    env.sm.list_endpoints()
    assert time.monotonic() - t0 < 0.4
    assert [(r["operation"], r["fault"]) for r in env.control("GET", "requests")][-2:] == [
        ("ListEndpoints", "latency"), ("ListEndpoints", None)]


def test_rate_faults_are_reproducible_with_seed_and_star_matches_all(env):
    def run():
        env.control("POST", "reset")
        env.control("POST", "faults", {"operation": "*", "fault": "503", "rate": 0.3, "seed": 42})
        outcome = []
        for _ in range(40):
            try:
                env.sm.list_models()
                outcome.append(True)
            except botocore.exceptions.ClientError:
                outcome.append(False)
        return outcome
    first, second = run(), run()
    assert first == second
    assert 3 <= first.count(False) <= 25
    env.control("DELETE", "faults")
    assert env.control("GET", "faults") == []
    env.sm.list_models()


def test_faults_on_application_autoscaling(env):
    env.control("POST", "faults", {"operation": "RegisterScalableTarget", "fault": "throttle", "count": 1})
    env.endpoint()
    with pytest.raises(botocore.exceptions.ClientError) as e:
        env.register()
    assert _error(e)[0] == "ThrottlingException"
    assert env.aas.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"] == []
    env.register()


def test_reset_clears_state_faults_log_and_config(env):
    env.control("POST", "config", {"transition_polls": 5})
    env.control("POST", "faults", {"operation": "ListTags", "fault": "throttle"})
    env.endpoint(variants=[("a", "ml.m5.large", 1)])
    assert env.control("GET", "requests")
    env.control("POST", "reset")
    assert env.control("GET", "requests") == []
    assert env.control("GET", "faults") == []
    assert env.control("GET", "config") == {"transition_polls": 1, "transition_seconds": None}
    assert env.sm.list_endpoints()["Endpoints"] == []
    assert env.sm.list_models()["Models"] == []


# ----------------------------------------------------------------------------- 5b. latency, rate limit

def test_latency_is_added_to_every_call_and_calls_in_flight_overlap(env):
    env.endpoint()
    assert env.control("GET", "latency") == {"latency_ms": 0}
    assert env.control("POST", "latency", {"latency_ms": 100}) == {"latency_ms": 100}
    t0 = time.monotonic()
    env.sm.describe_endpoint(EndpointName="e")
    assert time.monotonic() - t0 >= 0.1
    # 10 DescribeEndpoint calls at once, one connection each: they wait their latency together,
    # not one after the other behind moto's lock (sequentially they would take >= 1 s).
    import concurrent.futures
    clients = [env.client("sagemaker") for _ in range(10)]
    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        t0 = time.monotonic()
        done = list(pool.map(lambda c: c.describe_endpoint(EndpointName="e")["EndpointStatus"], clients))
        elapsed = time.monotonic() - t0
    assert done == ["InService"] * 10
    assert 0.1 <= elapsed < 0.5, elapsed
    # Control endpoints are not delayed; other accounts keep the server default (0).
    t0 = time.monotonic()
    env.control("GET", "requests")
    assert time.monotonic() - t0 < 0.1
    other = Env(env.url, _new_account())
    t0 = time.monotonic()
    other.sm.list_models()
    assert time.monotonic() - t0 < 0.1
    env.control("POST", "reset")
    assert env.control("GET", "latency") == {"latency_ms": 0}


def test_rate_limit_throttles_over_the_bucket_and_counts_throttled_calls(env):
    assert env.control("GET", "rate-limit") == {"rate": None, "burst": None, "allowed": 1, "throttled": 0}  # CreateModel
    # 2 calls per second, burst 3: three calls at once go through, the fourth is throttled.
    assert env.control("POST", "rate-limit", {"rate": 2, "burst": 3}) == {
        "rate": 2.0, "burst": 3, "allowed": 0, "throttled": 0}
    env.control("DELETE", "requests")
    for _ in range(3):
        env.sm.list_models()
    with pytest.raises(botocore.exceptions.ClientError) as e:
        env.aas.describe_scalable_targets(ServiceNamespace="sagemaker")  # account-wide: every service
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert _error(e) == ("ThrottlingException", "Rate exceeded")
    assert e.value.response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-errortype"] == "ThrottlingException"
    with pytest.raises(botocore.exceptions.ClientError):
        env.model("refused")  # a refused call does not reach moto
    time.sleep(0.55)  # one token back
    assert [m["ModelName"] for m in env.sm.list_models()["Models"]] == ["m"]
    rl = env.control("GET", "rate-limit")
    assert (rl["allowed"], rl["throttled"]) == (4, 2)
    log = env.control("GET", "requests")
    assert [(r["operation"], r["status"], r["fault"]) for r in log][:6] == [
        ("ListModels", 200, None), ("ListModels", 200, None), ("ListModels", 200, None),
        ("DescribeScalableTargets", 400, "rate-limit"), ("CreateModel", 400, "rate-limit"),
        ("ListModels", 200, None)]
    # Other accounts are not limited; the SDKs' standard retries absorb the throttling.
    Env(env.url, _new_account()).sm.list_models()
    env.control("POST", "rate-limit", {"rate": "20/1"})
    sm = env.client("sagemaker", config=Config(retries={"total_max_attempts": 5, "mode": "standard"}))
    for _ in range(5):
        sm.list_models()
    assert env.control("GET", "rate-limit")["rate"] == 20.0
    env.control("DELETE", "rate-limit")
    assert env.control("GET", "rate-limit")["rate"] is None


def test_rate_limit_under_concurrency_admits_about_rate_per_second(env):
    env.control("POST", "rate-limit", {"rate": 20, "burst": 5})
    import concurrent.futures
    clients = [env.client("sagemaker") for _ in range(8)]

    def hammer(c):
        ok = refused = 0
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            try:
                c.list_models()
                ok += 1
            except botocore.exceptions.ClientError:
                refused += 1
        return ok, refused

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(hammer, clients))
    ok = sum(r[0] for r in results)
    assert 5 + 15 <= ok <= 5 + 25 + 3, ok  # burst + ~20/s over ~1 s
    assert sum(r[1] for r in results) > 0
    rl = env.control("GET", "rate-limit")
    assert rl["allowed"] == ok and rl["throttled"] == sum(r[1] for r in results)


def test_network_control_api_validation_and_server_defaults(env):
    for path, body in (("latency", {"latency_ms": -1}), ("latency", {"latency": 5}),
                       ("rate-limit", {"rate": -1}), ("rate-limit", {"rate": 5, "burst": 0}),
                       ("rate-limit", {"rate": "x/y"}), ("rate-limit", {"burst": 3})):
        with pytest.raises(urllib.error.HTTPError) as e:
            env.control("POST", path, body)
        assert e.value.code == 400, (path, body)


def test_latency_and_rate_limit_flags_at_start():
    state_dir = tempfile.mkdtemp(prefix="es-emulator-net-")
    try:
        out = subprocess.run([LAUNCHER, "start", "--state-dir", state_dir, "--exit-with", str(os.getpid()),
                              "--latency-ms", "150", "--rate-limit", "1/2"],
                             check=True, capture_output=True, text=True, timeout=120)
        url = out.stdout.strip().splitlines()[-1]
        e = Env(url, _new_account())
        assert e.control("GET", "latency") == {"latency_ms": 150}
        assert e.control("GET", "rate-limit")["rate"] == 1.0
        assert e.control("GET", "latency", account="*") == {"latency_ms": 150}
        t0 = time.monotonic()
        e.sm.list_models()
        e.sm.list_models()
        assert time.monotonic() - t0 >= 0.3
        with pytest.raises(botocore.exceptions.ClientError) as exc:
            e.sm.list_models()
        assert _error(exc)[0] == "ThrottlingException"
        # `start` again on the running emulator applies new values to it (every account).
        subprocess.run([LAUNCHER, "start", "--state-dir", state_dir, "--latency-ms", "0", "--rate-limit", "off"],
                       check=True, capture_output=True, text=True, timeout=60)
        assert e.control("GET", "latency") == {"latency_ms": 0}
        assert e.control("GET", "rate-limit")["rate"] is None
        assert Env(url, _new_account()).control("GET", "rate-limit")["rate"] is None
    finally:
        _stop(state_dir)
        shutil.rmtree(state_dir, ignore_errors=True)


# ----------------------------------------------------------------------------- 6. request log

def test_request_log(env):
    env.control("DELETE", "requests")
    env.control("POST", "faults", {"operation": "DescribeEndpoint", "fault": "throttle", "count": 1})
    env.config("c1", [("a", "ml.m5.large", 1)])
    env.sm.create_endpoint(EndpointName="e", EndpointConfigName="c1")
    with pytest.raises(botocore.exceptions.ClientError):
        env.sm.describe_endpoint(EndpointName="e")
    with pytest.raises(botocore.exceptions.ClientError):
        env.sm.create_endpoint(EndpointName="e", EndpointConfigName="c1")
    env.aas.describe_scalable_targets(ServiceNamespace="sagemaker")
    env.control("GET", "faults")  # control calls are not logged
    log = env.control("GET", "requests")
    assert [(r["seq"], r["service"], r["operation"], r["status"], r["fault"]) for r in log] == [
        (1, "sagemaker", "CreateEndpointConfig", 200, None),
        (2, "sagemaker", "CreateEndpoint", 200, None),
        (3, "sagemaker", "DescribeEndpoint", 400, "throttle"),
        (4, "sagemaker", "CreateEndpoint", 400, None),
        (5, "application-autoscaling", "DescribeScalableTargets", 200, None),
    ]
    import re
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", r["time"]) for r in log)
    env.control("DELETE", "requests")
    assert env.control("GET", "requests") == []


# ----------------------------------------------------------------------------- isolation

def test_accounts_are_isolated(env):
    other = Env(env.url, _new_account())
    other.control("POST", "reset")
    env.endpoint()
    env.control("POST", "faults", {"operation": "*", "fault": "throttle"})
    # The other account sees no endpoint, no fault and none of our requests.
    assert other.sm.list_endpoints()["Endpoints"] == []
    with pytest.raises(botocore.exceptions.ClientError) as e:
        other.sm.describe_endpoint(EndpointName="e")
    assert _error(e)[0] == "ValidationException"
    assert [r["operation"] for r in other.control("GET", "requests")] == ["ListEndpoints", "DescribeEndpoint"]
    # It can use the same names independently.
    other.model()
    other.endpoint()
    d = other.sm.describe_endpoint(EndpointName="e")
    assert d["EndpointArn"] == f"arn:aws:sagemaker:us-east-1:{other.account}:endpoint/e"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        env.sm.list_endpoints()
    assert _error(e)[0] == "ThrottlingException"
    env.control("DELETE", "faults")
    assert [x["EndpointName"] for x in env.sm.list_endpoints()["Endpoints"]] == ["e"]
    # Resetting one account leaves the other alone.
    env.control("POST", "reset")
    assert env.sm.list_endpoints()["Endpoints"] == []
    assert [x["EndpointName"] for x in other.sm.list_endpoints()["Endpoints"]] == ["e"]


# ----------------------------------------------------------------------------- Price List API

def _all_products(pricing, **kwargs):
    """Every page of GetProducts: (documents, number of pages)."""
    docs, pages, token = [], 0, None
    while True:
        resp = pricing.get_products(ServiceCode="AmazonSageMaker", **kwargs, **({"NextToken": token} if token else {}))
        pages += 1
        docs.extend(json.loads(item) for item in resp["PriceList"])
        assert resp["FormatVersion"] == "aws_v1"
        token = resp.get("NextToken")
        if not token:
            return docs, pages


def _usage_types(docs):
    return [d["product"]["attributes"]["usagetype"] for d in docs]


def test_pricing_get_products_filters_by_region_and_pages(env):
    pricing = env.client("pricing")
    region = [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": "eu-west-1"}]
    docs, pages = _all_products(pricing, Filters=region)
    assert pages == 1
    # The items are JSON texts of the fixture documents, in fixture order.
    assert _usage_types(docs) == [
        "EU-Host:ml.c5.large", "EU-Host:ml.c5.xlarge", "EU-Host:ml.m5.xlarge", "EU-Host:ml.t2.medium",
        "EU-Train:ml.c5.xlarge", "EU-AsyncInf:ml.c5.large", "EU-ServerlessInf:Mem-4GB", "EU-Host:VolumeUsage.gp2",
    ]
    assert all(d["serviceCode"] == "AmazonSageMaker" and "OnDemand" in d["terms"] for d in docs)
    # MaxResults pages, and so does the account's page size, whichever is smaller.
    assert _all_products(pricing, Filters=region, MaxResults=3) == (docs, 3)
    assert env.control("POST", "pricing", {"page_size": 2}) == {"page_size": 2}
    assert _all_products(pricing, Filters=region, MaxResults=3) == (docs, 4)
    assert env.control("GET", "pricing") == {"page_size": 2}
    # Every call is in the request log, under the pricing signing name: 1 + 3 + 4 pages.
    log = env.control("GET", "requests")[1:]  # after the fixture's CreateModel
    assert [(r["service"], r["operation"], r["status"]) for r in log] == [("pricing", "GetProducts", 200)] * 8
    # Other accounts keep full pages; a reset clears the page size.
    other = Env(env.url, _new_account())
    assert _all_products(other.client("pricing"), Filters=region)[1] == 1
    env.control("POST", "reset")
    assert env.control("GET", "pricing") == {"page_size": None}


def test_pricing_filter_types_and_service_code(env):
    pricing = env.client("pricing")
    def usage(*filters):
        return _usage_types(_all_products(pricing, Filters=[dict(zip(("Type", "Field", "Value"), f)) for f in filters])[0])
    east = ("TERM_MATCH", "regionCode", "us-east-1")
    assert usage(east, ("CONTAINS", "usagetype", "-Host:ml.")) == [
        "USE1-Host:ml.c5.large", "USE1-Host:ml.m5.large", "USE1-Host:ml.m5.xlarge", "USE1-Host:ml.t2.medium",
        "USE1-Host:ml.c5.xlarge", "USE1-Host:ml.m5.large"]
    assert usage(east, ("EQUALS", "productFamily", "ML Serverless")) == ["USE1-ServerlessInf:Mem-3GB"]
    assert usage(("ANY_OF", "instanceName", "ml.t2.medium, ml.c5.xlarge"), ("TERM_MATCH", "component", "Hosting")) == [
        "EU-Host:ml.c5.xlarge", "EU-Host:ml.t2.medium", "USE1-Host:ml.t2.medium", "USE1-Host:ml.c5.xlarge"]
    assert usage(east, ("NONE_OF", "component", "Hosting,Training,Notebook")) == ["USE1-ServerlessInf:Mem-3GB"]
    assert usage(("TERM_MATCH", "ServiceCode", "AmazonSageMaker"), ("TERM_MATCH", "sku", "EMUUSE1CAPBLK008")) == [
        "USE1-Host:ml.m5.large"]
    # A service without fixtures has no products (the emulator's choice).
    assert pricing.get_products(ServiceCode="AmazonEC2")["PriceList"] == []


def test_pricing_rejects_bad_parameters_and_tokens(env):
    pricing = env.client("pricing")
    cases = [
        ({"ServiceCode": "AmazonSageMaker", "NextToken": "bm90LWEtdG9rZW4="}, "InvalidNextTokenException"),
        ({"ServiceCode": "AmazonSageMaker", "FormatVersion": "aws_v2"}, "InvalidParameterException"),
        ({"ServiceCode": "AmazonSageMaker", "Filters": [{"Type": "REGEX", "Field": "regionCode", "Value": "x"}]},
         "InvalidParameterException"),
    ]
    for kwargs, code in cases:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            pricing.get_products(**kwargs)
        assert _error(e)[0] == code, kwargs
    # A token is only good for the query it came from.
    first = pricing.get_products(ServiceCode="AmazonSageMaker", MaxResults=1)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        pricing.get_products(ServiceCode="AmazonSageMaker", MaxResults=1, NextToken=first["NextToken"],
                             Filters=[{"Type": "TERM_MATCH", "Field": "regionCode", "Value": "eu-west-1"}])
    assert _error(e)[0] == "InvalidNextTokenException"
    for body in ({"page_size": 0}, {"page_size": 101}, {"size": 2}):
        with pytest.raises(urllib.error.HTTPError) as h:
            env.control("POST", "pricing", body)
        assert h.value.code == 400


def test_pricing_faults_apply(env):
    env.control("POST", "faults", {"operation": "GetProducts", "fault": "throttle", "count": 1})
    with pytest.raises(botocore.exceptions.ClientError) as e:
        env.client("pricing").get_products(ServiceCode="AmazonSageMaker")
    assert _error(e)[0] == "ThrottlingException"


def test_pricing_honours_iam_enforcement(env):
    iam = env.client("iam")
    iam.create_user(UserName="reader")
    key = iam.create_access_key(UserName="reader")["AccessKey"]
    pricing = boto3.client("pricing", endpoint_url=env.url, region_name=REGION, config=NO_RETRY,
                           aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])

    def reset_auth(value: str) -> None:
        req = urllib.request.Request(f"{env.url}/moto-api/reset-auth", data=value.encode(), method="POST",
                                     headers={"Content-Type": "text/plain"})
        urllib.request.urlopen(req, timeout=10).close()

    reset_auth("0")
    try:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            pricing.get_products(ServiceCode="AmazonSageMaker")
        code, message = _error(e)
        assert code == "AccessDeniedException"
        assert message == (f"User: arn:aws:iam::{env.account}:user/reader is not authorized to perform: "
                           "pricing:GetProducts because no identity-based policy allows the pricing:GetProducts action")
        reset_auth("inf")
        iam.put_user_policy(UserName="reader", PolicyName="prices", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "pricing:GetProducts", "Resource": "*"}]}))
        reset_auth("0")
        assert len(pricing.get_products(ServiceCode="AmazonSageMaker", MaxResults=2)["PriceList"]) == 2
    finally:
        reset_auth("inf")


def test_control_api_rejects_bad_input(env):
    for path, body in (("faults", {"operation": "X", "fault": "explode"}),
                       ("faults", {"operation": "X", "fault": "500", "rate": 2}),
                       ("config", {"transition_polls": -1}),
                       ("config", {"unknown": 1}),
                       ("fail-next-update", {"reason": "no endpoint"})):
        with pytest.raises(urllib.error.HTTPError) as e:
            env.control("POST", path, body)
        assert e.value.code == 400


def test_moto_api_reset_clears_everything(env):
    other = Env(env.url, _new_account())
    for e in (env, other):
        e.control("POST", "config", {"transition_polls": 4})
        e.control("POST", "faults", {"operation": "DescribeModel", "fault": "throttle"})
    other.model()
    req = urllib.request.Request(f"{env.url}/moto-api/reset", data=b"", method="POST")
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 200
    for e in (env, other):
        assert e.control("GET", "faults") == []
        assert e.control("GET", "requests") == []
        assert e.control("GET", "config")["transition_polls"] == 1
        assert e.sm.list_models()["Models"] == []


def test_parallel_clients_in_many_accounts(emulator_url):
    import concurrent.futures

    def scenario(i):
        e = Env(emulator_url, _new_account())
        e.control("POST", "reset")
        e.model()
        e.endpoint(name=f"e{i}", variants=[("a", "ml.m5.large", 1 + i % 3)])
        e.register(endpoint=f"e{i}")
        e.policy(endpoint=f"e{i}")
        eps = [x["EndpointName"] for x in e.sm.list_endpoints()["Endpoints"]]
        targets = e.aas.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"]
        return eps, [t["ResourceId"] for t in targets]

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(scenario, range(16)))
    for i, (eps, targets) in enumerate(results):
        assert eps == [f"e{i}"]
        assert targets == [f"endpoint/e{i}/variant/a"]


# ----------------------------------------------------------------------------- IAM enforcement

@pytest.fixture()
def iam_env():
    """An emulator of this test's own (IAM enforcement is server-wide in moto), enforcement off
    at the start and again at the end."""
    state_dir = tempfile.mkdtemp(prefix="es-emulator-iam-")
    url = _start(state_dir)
    env = Env(url, _new_account())
    try:
        yield env
    finally:
        _reset_auth(url, "inf")
        _stop(state_dir)
        shutil.rmtree(state_dir, ignore_errors=True)


def _reset_auth(url: str, count: str) -> None:
    req = urllib.request.Request(f"{url}/moto-api/reset-auth", data=count.encode(), method="POST",
                                 headers={"Content-Type": "text/plain"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 200


def _user(env: "Env", name: str, statements: list) -> tuple:
    """An IAM user of the account with these statements; its sagemaker and autoscaling clients."""
    user = env.control("POST", "iam-user", {"user": name, "policy": {"Version": "2012-10-17", "Statement": statements}})
    assert user["arn"] == f"arn:aws:iam::{env.account}:user/{name}"

    def client(service):
        return boto3.client(service, endpoint_url=env.url, region_name=REGION, config=NO_RETRY,
                            aws_access_key_id=user["access_key_id"],
                            aws_secret_access_key=user["secret_access_key"])
    return user, client("sagemaker"), client("application-autoscaling")


def _denied(call) -> dict:
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call()
    return e.value.response


def test_iam_denials_are_json_and_name_the_action_and_resource(iam_env):
    env = iam_env
    arn = lambda kind, name: f"arn:aws:sagemaker:{REGION}:{env.account}:{kind}/{name}"
    user, sm, aas = _user(env, "ci", [
        {"Effect": "Allow", "Action": "sagemaker:DescribeEndpoint", "Resource": arn("endpoint", "mine")},
        # ? is one character, as in IAM.
        {"Effect": "Allow", "Action": "SageMaker:describeModel", "Resource": arn("model", "m-??")},
    ])
    _reset_auth(env.url, "0")
    r = _denied(lambda: sm.describe_endpoint(EndpointName="theirs"))
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert r["Error"]["Code"] == "AccessDeniedException"
    assert r["Error"]["Message"] == (
        f"User: {user['arn']} is not authorized to perform: sagemaker:DescribeEndpoint on resource: "
        f"{arn('endpoint', 'theirs')} because no identity-based policy allows the sagemaker:DescribeEndpoint action")
    # Allowed (the endpoint does not exist: SageMaker's own answer, not a denial).
    r = _denied(lambda: sm.describe_endpoint(EndpointName="mine"))
    assert r["Error"]["Code"] == "ValidationException"
    assert _denied(lambda: sm.describe_model(ModelName="m-12"))["Error"]["Code"] == "ValidationException"
    assert _denied(lambda: sm.describe_model(ModelName="m-123"))["Error"]["Code"] == "AccessDeniedException"
    # Actions without resources are checked against "*", and their denials name no resource.
    r = _denied(lambda: aas.describe_scalable_targets(ServiceNamespace="sagemaker"))
    assert r["Error"]["Message"].endswith(
        "is not authorized to perform: application-autoscaling:DescribeScalableTargets because no "
        "identity-based policy allows the application-autoscaling:DescribeScalableTargets action")
    # The account's own key is no IAM user's while enforcing.
    assert _denied(lambda: env.sm.list_models())["Error"]["Code"] == "UnrecognizedClientException"
    _reset_auth(env.url, "inf")
    env.sm.list_models()


def test_iam_implied_permissions(iam_env):
    env = iam_env
    env.model("m")
    env.endpoint(name="e", variants=[("a", "ml.m5.large", 1)])
    target_arn = f"arn:aws:application-autoscaling:{REGION}:{env.account}:scalable-target/*"
    slr = (f"arn:aws:iam::{env.account}:role/aws-service-role/sagemaker.application-autoscaling.amazonaws.com/"
           "AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint")
    base = [
        {"Effect": "Allow", "Action": ["sagemaker:CreateModel"], "Resource": "*"},
        {"Effect": "Allow", "Action": ["application-autoscaling:RegisterScalableTarget",
                                       "application-autoscaling:PutScalingPolicy",
                                       "application-autoscaling:DeleteScalingPolicy"], "Resource": target_arn},
    ]
    _, sm, aas = _user(env, "without", base)
    _, sm_with, aas_with = _user(env, "with", base + [
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": ROLE},
        {"Effect": "Allow", "Action": "iam:CreateServiceLinkedRole", "Resource": slr},
        {"Effect": "Allow", "Action": ["cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms"],
         "Resource": f"arn:aws:cloudwatch:{REGION}:{env.account}:alarm:TargetTracking-endpoint/e/variant/*"},
    ])
    _reset_auth(env.url, "0")
    create = lambda client: client.create_model(ModelName="m2", ExecutionRoleArn=ROLE,
                                                PrimaryContainer={"Image": "123.dkr.ecr.us-east-1.amazonaws.com/img:1"})
    assert "perform: iam:PassRole on resource: " + ROLE in _denied(lambda: create(sm))["Error"]["Message"]
    create(sm_with)
    register = lambda client: client.register_scalable_target(
        ServiceNamespace="sagemaker", ResourceId="endpoint/e/variant/a", ScalableDimension=DIM,
        MinCapacity=1, MaxCapacity=2)
    assert f"perform: iam:CreateServiceLinkedRole on resource: {slr}" in _denied(lambda: register(aas))["Error"]["Message"]
    register(aas_with)
    register(aas)  # the role exists now: no longer needed
    put = lambda client: client.put_scaling_policy(
        PolicyName="p", ServiceNamespace="sagemaker", ResourceId="endpoint/e/variant/a", ScalableDimension=DIM,
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={
            "TargetValue": 600.0,
            "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"}})
    message = _denied(lambda: put(aas))["Error"]["Message"]
    assert "perform: cloudwatch:PutMetricAlarm on resource: " \
        f"arn:aws:cloudwatch:{REGION}:{env.account}:alarm:TargetTracking-endpoint/e/variant/a-AlarmHigh-" in message
    put(aas_with)
    delete = lambda client: client.delete_scaling_policy(
        PolicyName="p", ServiceNamespace="sagemaker", ResourceId="endpoint/e/variant/a", ScalableDimension=DIM)
    assert "perform: cloudwatch:DeleteAlarms" in _denied(lambda: delete(aas))["Error"]["Message"]
    delete(aas_with)


def test_iam_user_control_validates_the_policy(iam_env):
    with pytest.raises(urllib.error.HTTPError) as e:
        iam_env.control("POST", "iam-user", {"user": "bad", "policy": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "sagemaker:ListModels"}]}})
    assert e.value.code == 400
    assert "MalformedPolicyDocument" in json.loads(e.value.read())["error"]


# ----------------------------------------------------------------------------- STS

def test_web_identity_credentials_belong_to_the_roles_account_and_need_a_token(emulator_url):
    sts = boto3.client("sts", endpoint_url=emulator_url, region_name=REGION, config=NO_RETRY,
                       aws_access_key_id="unused", aws_secret_access_key="unused")
    acct = _new_account()
    role = f"arn:aws:iam::{acct}:role/ci"
    creds = sts.assume_role_with_web_identity(
        RoleArn=role, RoleSessionName="ci", WebIdentityToken="header.payload.signature")["Credentials"]
    who = boto3.client("sts", endpoint_url=emulator_url, region_name=REGION, config=NO_RETRY,
                       aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                       aws_session_token=creds["SessionToken"]).get_caller_identity()
    assert who["Account"] == acct
    # botocore checks the minimum length itself; a client that does not (the Rust SDK) gets
    # the error from the emulator, as from AWS.
    body = f"Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn={role}&RoleSessionName=ci&WebIdentityToken="
    req = urllib.request.Request(emulator_url, data=body.encode(), method="POST",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        urllib.request.urlopen(req, timeout=10)
    assert excinfo.value.code == 400
    text = excinfo.value.read().decode()
    assert "<Code>ValidationError</Code>" in text
    assert "Member must have length greater than or equal to 4" in text


# ----------------------------------------------------------------------------- CloudWatch (rpcv2Cbor)

def _cbor_call(env: "Env", request: dict, key: str = None, secret: str = "test", raw: bytes = None,
               op: str = "GetMetricData"):
    """GetMetricData as aws-sdk-cloudwatch sends it (boto3 speaks the query protocol to
    CloudWatch, so the CBOR path is exercised by hand): signed with SigV4 for `monitoring`."""
    import cbor2
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    body = raw if raw is not None else cbor2.dumps(request)
    req = AWSRequest(method="POST", url=f"{env.url}/service/GraniteServiceVersion20100801/operation/{op}",
                     data=body, headers={"smithy-protocol": "rpc-v2-cbor", "Content-Type": "application/cbor",
                                         "Accept": "application/cbor"})
    SigV4Auth(Credentials(key or env.account, secret), "monitoring", REGION).add_auth(req)
    http = urllib.request.Request(req.url, data=body, method="POST", headers=dict(req.headers.items()))
    try:
        with urllib.request.urlopen(http, timeout=10) as resp:
            return resp.status, dict(resp.headers), cbor2.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), cbor2.loads(err.read())


def _query(endpoint="demo", variant="primary", period=60, qid="v0", metric="Invocations", stat="Sum"):
    return {"Id": qid, "ReturnData": True, "MetricStat": {
        "Metric": {"Namespace": "AWS/SageMaker", "MetricName": metric,
                   "Dimensions": [{"Name": "EndpointName", "Value": endpoint}, {"Name": "VariantName", "Value": variant}]},
        "Period": period, "Stat": stat}}


def test_cloudwatch_serves_statistics_of_high_resolution_samples_over_instances(env):
    """ConcurrentRequestsPerModel as SageMaker emits it: a sample every 10 s from each container,
    all under the variant's dimensions; a period's statistic covers every sample in it."""
    import cbor2

    t0 = 1_793_606_400  # 2026-11-02T08:00:00Z
    seed = {"endpoint": "demo", "variant": "primary", "start": "2026-11-02T08:00:00Z",
            "metric": "ConcurrentRequestsPerModel", "step_seconds": 10}
    assert env.control("POST", "metrics", {**seed, "instance": "a", "values": [1, 2, 3, 4, 5, 6, 7]}) == \
        {"series": 1, "minutes": 2, "samples": 7}
    assert env.control("POST", "metrics", {**seed, "instance": "b", "values": [0, 0, 0, None, 0, 0]}) == \
        {"series": 1, "minutes": 2, "samples": 12}
    stats = ["Sum", "SampleCount", "Average", "Minimum", "Maximum"]
    queries = [_query(metric="ConcurrentRequestsPerModel", stat=stat, qid=f"s{i}") for i, stat in enumerate(stats)]
    status, _, answer = _cbor_call(env, {"MetricDataQueries": queries, "StartTime": cbor2.CBORTag(1, t0),
                                         "EndTime": cbor2.CBORTag(1, t0 + 120), "ScanBy": "TimestampAscending"})
    assert status == 200
    values = {r["Id"]: r["Values"] for r in answer["MetricDataResults"]}
    assert [r["Label"] for r in answer["MetricDataResults"]] == ["ConcurrentRequestsPerModel"] * 5
    # Minute 08:00: a's 1..6 and b's five zeros; minute 08:01: a's 7 alone.
    assert values == {"s0": [21.0, 7.0], "s1": [11.0, 1.0], "s2": [21.0 / 11, 7.0], "s3": [0.0, 7.0], "s4": [6.0, 7.0]}
    # Invocations of the same variant are another series; an unknown statistic is refused.
    status, _, answer = _cbor_call(env, {"MetricDataQueries": [_query()], "StartTime": cbor2.CBORTag(1, t0),
                                         "EndTime": cbor2.CBORTag(1, t0 + 120)})
    assert answer["MetricDataResults"][0]["Values"] == []
    status, _, answer = _cbor_call(env, {"MetricDataQueries": [_query(stat="p99")], "StartTime": cbor2.CBORTag(1, t0),
                                         "EndTime": cbor2.CBORTag(1, t0 + 120)})
    assert status == 400 and answer["__type"] == "ValidationError"
    with pytest.raises(urllib.error.HTTPError):
        env.control("POST", "metrics", {**seed, "step_seconds": 30, "values": [1]})


def test_cloudwatch_get_metric_data_sums_seeded_minutes_in_cbor(env):
    import cbor2

    assert env.control("POST", "metrics", {"endpoint": "demo", "variant": "primary", "start": "2026-11-02T08:00:00Z",
                                           "values": [1, 2, None, 4, 5, 6, 7]}) == {"series": 1, "minutes": 6, "samples": 6}
    t0 = 1_793_606_400  # 2026-11-02T08:00:00Z
    status, headers, answer = _cbor_call(env, {"MetricDataQueries": [_query(period=300)],
                                               "StartTime": cbor2.CBORTag(1, t0), "EndTime": cbor2.CBORTag(1, t0 + 600),
                                               "ScanBy": "TimestampAscending"})
    assert status == 200 and headers["smithy-protocol"] == "rpc-v2-cbor"
    result = answer["MetricDataResults"][0]
    assert [t.timestamp() if hasattr(t, "timestamp") else t for t in result["Timestamps"]] == [t0, t0 + 300]
    assert result["Values"] == [12.0, 13.0] and result["StatusCode"] == "Complete"
    # Pages of 1 follow NextToken; the minute with no data has no datapoint.
    env.control("POST", "cloudwatch", {"page_size": 1})
    request = {"MetricDataQueries": [_query()], "StartTime": cbor2.CBORTag(1, t0), "EndTime": cbor2.CBORTag(1, t0 + 600),
               "ScanBy": "TimestampAscending"}
    seen = []
    while True:
        _, _, page = _cbor_call(env, request)
        seen += page["MetricDataResults"][0]["Values"]
        if "NextToken" not in page:
            break
        request["NextToken"] = page["NextToken"]
    assert seen == [1.0, 2.0, 4.0, 5.0, 6.0, 7.0]
    status, headers, answer = _cbor_call(env, {}, raw=b"\xff\xfe")
    assert status == 400 and answer["__type"] == "SerializationException"
    assert headers["x-amzn-query-error"] == "SerializationException;Sender"


def test_cloudwatch_honours_iam_enforcement(iam_env):
    import cbor2

    env = iam_env
    user = env.control("POST", "iam-user", {"user": "reader", "policy": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sagemaker:DescribeEndpoint", "Resource": "*"}]}})
    request = {"MetricDataQueries": [_query()], "StartTime": cbor2.CBORTag(1, 0), "EndTime": cbor2.CBORTag(1, 60)}
    _reset_auth(env.url, "0")
    status, headers, answer = _cbor_call(env, request, key=user["access_key_id"], secret=user["secret_access_key"])
    assert status == 403 and headers["x-amzn-query-error"] == "AccessDenied;Sender"
    assert answer == {"__type": "AccessDenied", "message": (
        f"User: arn:aws:iam::{env.account}:user/reader is not authorized to perform: cloudwatch:GetMetricData "
        "because no identity-based policy allows the cloudwatch:GetMetricData action")}


# ----------------------------------------------------------------------------- CloudWatch alarms (rpcv2Cbor)

def _alarm(name="e-5xx", **over):
    req = {"AlarmName": name, "AlarmDescription": "5XX on e", "ActionsEnabled": False,
           "Namespace": "AWS/SageMaker", "MetricName": "Invocation5XXErrors", "Statistic": "Sum",
           "Dimensions": [{"Name": "EndpointName", "Value": "e"}, {"Name": "VariantName", "Value": "a"}],
           "Period": 60, "EvaluationPeriods": 3, "DatapointsToAlarm": 2, "Threshold": 1.0,
           "ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "notBreaching",
           "Tags": [{"Key": "managed-by", "Value": "endpoint-scale"}]}
    req.update(over)
    return {k: v for k, v in req.items() if v is not None}


def _cw(env, op, request, **kw):
    return _cbor_call(env, request, op=op, **kw)


def test_cloudwatch_alarms_crud_and_tags_in_cbor_match_boto3(env):
    arn = f"arn:aws:cloudwatch:{REGION}:{env.account}:alarm:e-5xx"
    assert _cw(env, "PutMetricAlarm", _alarm())[:2][0] == 200
    status, headers, answer = _cw(env, "DescribeAlarms", {"AlarmNames": ["e-5xx"]})
    assert status == 200 and headers["smithy-protocol"] == "rpc-v2-cbor"
    (alarm,) = answer["MetricAlarms"]
    assert {k: alarm[k] for k in ("AlarmName", "AlarmArn", "AlarmDescription", "ActionsEnabled", "StateValue",
                                   "StateReason", "MetricName", "Namespace", "Statistic", "Period",
                                   "EvaluationPeriods", "DatapointsToAlarm", "Threshold", "ComparisonOperator",
                                   "TreatMissingData", "Dimensions")} == {
        "AlarmName": "e-5xx", "AlarmArn": arn, "AlarmDescription": "5XX on e", "ActionsEnabled": False,
        "StateValue": "INSUFFICIENT_DATA", "StateReason": "Unchecked: Initial alarm creation",
        "MetricName": "Invocation5XXErrors", "Namespace": "AWS/SageMaker", "Statistic": "Sum", "Period": 60,
        "EvaluationPeriods": 3, "DatapointsToAlarm": 2, "Threshold": 1.0,
        "ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "notBreaching",
        "Dimensions": [{"Name": "EndpointName", "Value": "e"}, {"Name": "VariantName", "Value": "a"}]}
    assert "StateUpdatedTimestamp" in alarm and "AlarmConfigurationUpdatedTimestamp" in alarm
    assert _cw(env, "ListTagsForResource", {"ResourceARN": arn})[2] == {
        "Tags": [{"Key": "managed-by", "Value": "endpoint-scale"}]}
    # boto3 (query protocol, moto) sees the same alarm, and its state changes are seen in CBOR.
    cw = env.client("cloudwatch")
    assert [a["AlarmName"] for a in cw.describe_alarms()["MetricAlarms"]] == ["e-5xx"]
    assert _cw(env, "SetAlarmState", {"AlarmName": "e-5xx", "StateValue": "ALARM", "StateReason": "test"})[0] == 200
    assert cw.describe_alarms(AlarmNames=["e-5xx"])["MetricAlarms"][0]["StateValue"] == "ALARM"
    # An update keeps the state and ignores Tags (API PutMetricAlarm).
    _cw(env, "PutMetricAlarm", _alarm(Threshold=5.0, Tags=[{"Key": "other", "Value": "x"}]))
    (alarm,) = _cw(env, "DescribeAlarms", {"AlarmNamePrefix": "e-"})[2]["MetricAlarms"]
    assert alarm["Threshold"] == 5.0 and alarm["StateValue"] == "ALARM"
    assert _cw(env, "DescribeAlarms", {"StateValue": "OK"})[2]["MetricAlarms"] == []
    _cw(env, "TagResource", {"ResourceARN": arn, "Tags": [{"Key": "team", "Value": "ml"}]})
    _cw(env, "UntagResource", {"ResourceARN": arn, "TagKeys": ["managed-by"]})
    assert _cw(env, "ListTagsForResource", {"ResourceARN": arn})[2] == {"Tags": [{"Key": "team", "Value": "ml"}]}
    status, headers, answer = _cw(env, "ListTagsForResource", {"ResourceARN": arn + "-gone"})
    assert status == 404 and headers["x-amzn-query-error"] == "ResourceNotFoundException;Sender"
    # Pagination, then DeleteAlarms (names that do not exist are ignored).
    for i in range(3):
        _cw(env, "PutMetricAlarm", _alarm(f"p-{i}", Tags=None))
    names, request = [], {"MaxRecords": 2}
    while True:
        page = _cw(env, "DescribeAlarms", request)[2]
        names += [a["AlarmName"] for a in page["MetricAlarms"]]
        if "NextToken" not in page:
            break
        request["NextToken"] = page["NextToken"]
    assert names == ["e-5xx", "p-0", "p-1", "p-2"]
    status, headers, answer = _cw(env, "DescribeAlarms", {"NextToken": "bogus"})
    assert status == 400 and answer["__type"] == "InvalidNextToken"
    assert _cw(env, "DeleteAlarms", {"AlarmNames": ["p-0", "p-1", "p-2", "never"]})[0] == 200
    assert [a["AlarmName"] for a in cw.describe_alarms()["MetricAlarms"]] == ["e-5xx"]


def test_composite_alarms_are_answered_only_when_asked_for(env):
    _cw(env, "PutMetricAlarm", _alarm())
    assert _cw(env, "PutCompositeAlarm", {"AlarmName": "e-any", "AlarmRule": 'ALARM("e-5xx")'})[0] == 200
    # API reference: without AlarmTypes only metric alarms.
    answer = _cw(env, "DescribeAlarms", {"AlarmNames": ["e-5xx", "e-any"]})[2]
    assert [a["AlarmName"] for a in answer["MetricAlarms"]] == ["e-5xx"] and answer["CompositeAlarms"] == []
    answer = _cw(env, "DescribeAlarms", {"AlarmNames": ["e-5xx", "e-any"],
                                         "AlarmTypes": ["MetricAlarm", "CompositeAlarm"]})[2]
    assert [a["AlarmName"] for a in answer["MetricAlarms"]] == ["e-5xx"]
    (composite,) = answer["CompositeAlarms"]
    assert composite["AlarmRule"] == 'ALARM("e-5xx")'
    assert composite["AlarmArn"] == f"arn:aws:cloudwatch:{REGION}:{env.account}:alarm:e-any"
    answer = _cw(env, "DescribeAlarms", {"AlarmNamePrefix": "e-", "AlarmTypes": ["CompositeAlarm"]})[2]
    assert answer["MetricAlarms"] == [] and [a["AlarmName"] for a in answer["CompositeAlarms"]] == ["e-any"]
    # boto3 (moto's query protocol) sees it as a composite alarm too.
    cw = env.client("cloudwatch")
    assert [a["AlarmName"] for a in cw.describe_alarms(AlarmTypes=["CompositeAlarm"])["CompositeAlarms"]] == ["e-any"]
    status, _, answer = _cw(env, "PutCompositeAlarm", {"AlarmName": "e-5xx", "AlarmRule": "TRUE"})
    assert status == 400 and answer["__type"] == "InvalidParameterValue"
    assert _cw(env, "DeleteAlarms", {"AlarmNames": ["e-any"]})[0] == 200


@pytest.mark.parametrize("over,code,needle", [
    ({"Period": 45}, "InvalidParameterValue", "Period must be 10, 20, 30 or a multiple of 60"),
    ({"EvaluationPeriods": 0}, "ValidationError", "at 'evaluationPeriods' failed to satisfy constraint"),
    ({"DatapointsToAlarm": 4}, "InvalidParameterValue", "DatapointsToAlarm (4) must be less than or equal to EvaluationPeriods (3)"),
    ({"Statistic": "p99"}, "ValidationError", "Member must satisfy enum value set: [SampleCount, Average, Sum, Minimum, Maximum]"),
    ({"ExtendedStatistic": "p99"}, "InvalidParameterCombination", "Statistic and ExtendedStatistic cannot both be specified"),
    ({"ComparisonOperator": ">"}, "ValidationError", "at 'comparisonOperator'"),
    ({"AlarmName": "x" * 256}, "ValidationError", "Member must have length less than or equal to 255"),
    ({"TreatMissingData": "sometimes"}, "InvalidParameterValue", "TreatMissingData"),
])
def test_put_metric_alarm_is_validated_as_documented(env, over, code, needle):
    status, headers, answer = _cw(env, "PutMetricAlarm", _alarm(**over))
    assert status == 400 and answer["__type"] == code and headers["x-amzn-query-error"] == f"{code};Sender"
    assert needle in answer["message"]
    assert _cw(env, "DescribeAlarms", {})[2]["MetricAlarms"] == []
    # ExtendedStatistic alone is fine.
    assert _cw(env, "PutMetricAlarm", _alarm(Statistic=None, ExtendedStatistic="p99"))[0] == 200


def test_cloudwatch_alarms_honour_iam_on_alarm_arns(iam_env):
    env = iam_env
    mine = f"arn:aws:cloudwatch:{REGION}:{env.account}:alarm:mine-*"
    user = env.control("POST", "iam-user", {"user": "alarms", "policy": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["cloudwatch:PutMetricAlarm", "cloudwatch:DescribeAlarms"], "Resource": mine}]}})
    creds = {"key": user["access_key_id"], "secret": user["secret_access_key"]}
    _reset_auth(env.url, "0")
    assert _cw(env, "PutMetricAlarm", _alarm("mine-1", Tags=None), **creds)[0] == 200
    status, headers, answer = _cw(env, "PutMetricAlarm", _alarm("theirs", Tags=None), **creds)
    assert status == 403 and headers["x-amzn-query-error"] == "AccessDenied;Sender"
    assert answer["message"] == (
        f"User: {user['arn']} is not authorized to perform: cloudwatch:PutMetricAlarm on resource: "
        f"arn:aws:cloudwatch:{REGION}:{env.account}:alarm:theirs because no identity-based policy allows "
        "the cloudwatch:PutMetricAlarm action")
    # Tags at creation also need cloudwatch:TagResource (API PutMetricAlarm).
    status, _, answer = _cw(env, "PutMetricAlarm", _alarm("mine-2"), **creds)
    assert status == 403 and "cloudwatch:TagResource on resource" in answer["message"]
    assert [a["AlarmName"] for a in _cw(env, "DescribeAlarms", {"AlarmNames": ["mine-1"]}, **creds)[2]["MetricAlarms"]] == ["mine-1"]
    assert _cw(env, "DeleteAlarms", {"AlarmNames": ["mine-1"]}, **creds)[0] == 403


# ----------------------------------------------------------------------------- deployment guardrails

def _guardrail_env(env, count=4, variants=None):
    env.endpoint(variants=variants or [("a", "ml.m5.large", count)])
    env.config("c2", [(v[0], v[1], v[2]) for v in (variants or [("a", "ml.m5.large", count)])])
    assert _cw(env, "PutMetricAlarm", _alarm(Tags=None))[0] == 200


def _canary(size=1, kind="INSTANCE_COUNT", wait=600, termination=300, alarms=("e-5xx",), **extra):
    routing = {"Type": "CANARY", "CanarySize": {"Type": kind, "Value": size}, "WaitIntervalInSeconds": wait}
    dc = {"BlueGreenUpdatePolicy": {"TrafficRoutingConfiguration": routing, "TerminationWaitInSeconds": termination,
                                    **extra}}
    if alarms:
        dc["AutoRollbackConfiguration"] = {"Alarms": [{"AlarmName": a} for a in alarms]}
    return dc


def _status(d):
    pds = d.get("PendingDeploymentSummary")
    pv = pds["ProductionVariants"][0] if pds else d["ProductionVariants"][0]
    vs = (pv.get("VariantStatus") or [{}])[0]
    return (d["EndpointStatus"], vs.get("Status"), d["ProductionVariants"][0].get("CurrentInstanceCount"),
            pv.get("CurrentInstanceCount") if pds else None)


def test_canary_rollout_goes_through_its_phases(env):
    _guardrail_env(env)
    dc = _canary()
    env.sm.update_endpoint(EndpointName="e", EndpointConfigName="c2", DeploymentConfig=dc)
    seen = []
    for _ in range(8):
        d = env.sm.describe_endpoint(EndpointName="e")
        seen.append(_status(d))
        if d["EndpointStatus"] == "Updating":
            pds = d["PendingDeploymentSummary"]
            assert pds["EndpointConfigName"] == "c2" and "StartTime" in pds
            assert "StartTime" in pds["ProductionVariants"][0]["VariantStatus"][0]
    # (status, variant status, blue instances, green instances taking traffic)
    assert seen == [
        ("Updating", "Creating", 4, 0),
        ("Updating", "ActivatingTraffic", 4, 1),
        ("Updating", "Baking", 4, 1),
        ("Updating", "ActivatingTraffic", 4, 4),
        ("Updating", "Baking", 4, 4),
        ("Updating", "Baking", 4, 4),      # TerminationWaitInSeconds
        ("Updating", "Deleting", 4, 4),
        ("InService", None, 4, None),
    ]
    d = env.sm.describe_endpoint(EndpointName="e")
    assert d["EndpointConfigName"] == "c2" and d["LastDeploymentConfig"] == dc and "FailureReason" not in d
    with urllib.request.urlopen(f"{env.url}/_emulator/rollouts?endpoint=e&account={env.account}", timeout=10) as resp:
        answer = json.loads(resp.read())
    assert answer["endpoint"] == "e" and answer["rollouts"] == env.control("GET", "rollouts")["rollouts"]
    (rollout,) = answer["rollouts"]
    assert rollout["outcome"] == "succeeded" and rollout["strategy"] == "CANARY"
    assert [(p["order"], p["kind"], p["step"], p["traffic_percent"], p["instances"]["total"], p["wait_seconds"])
            for p in rollout["phases"]] == [
        (1, "creating", 1, 0, 8, None),
        (2, "activating-traffic", 1, 25, 8, None),
        (3, "baking", 1, 25, 8, 600),
        (4, "activating-traffic", 2, 100, 8, None),
        (5, "baking", 2, 100, 8, 600),
        (6, "termination-wait", 2, 100, 8, 300),
        (7, "deleting", 2, 100, 8, None),
    ]
    assert rollout["phases"][2]["message"] == (
        "Baking for 600 seconds (WaitIntervalInSeconds) with traffic enabled on canary capacity of 1 instance(s).")


def test_an_armed_alarm_rolls_the_rollout_back(env):
    _guardrail_env(env)
    cw = env.client("cloudwatch")
    env.control("POST", "rollout-alarm", {"endpoint": "e", "alarm": "e-5xx", "phase": "baking", "step": 1})
    env.sm.update_endpoint(EndpointName="e", EndpointConfigName="c2", DeploymentConfig=_canary())
    seen = [_status(env.sm.describe_endpoint(EndpointName="e"))[:2] for _ in range(5)]
    assert seen == [("Updating", "Creating"), ("Updating", "ActivatingTraffic"),
                    ("RollingBack", "ActivatingTraffic"), ("RollingBack", "Deleting"), ("InService", None)]
    d = env.sm.describe_endpoint(EndpointName="e")
    reason = ("Deployment rolled back: CloudWatch alarm e-5xx of the AutoRollbackConfiguration went into "
              "ALARM state.")
    assert d["EndpointConfigName"] == "c1" and d["FailureReason"] == reason
    assert _variants(d)["a"]["CurrentInstanceCount"] == 4 and "LastDeploymentConfig" not in d
    assert cw.describe_alarms(AlarmNames=["e-5xx"])["MetricAlarms"][0]["StateValue"] == "ALARM"
    (rollout,) = env.control("GET", "rollouts")["rollouts"]
    assert rollout["outcome"] == "rolled-back" and rollout["failure_reason"] == reason
    assert [p["kind"] for p in rollout["phases"]] == [
        "creating", "activating-traffic", "baking", "rollback-traffic", "rollback-deleting"]
    assert env.control("GET", "rollout-alarm") == {"armed": []}
    # The next update may reuse the config (RetainDeploymentConfig needs a successful one first:
    # none yet, so this is a plain update) once the alarm is OK again.
    cw.set_alarm_state(AlarmName="e-5xx", StateValue="OK", StateReason="fixed")
    env.sm.update_endpoint(EndpointName="e", EndpointConfigName="c2", DeploymentConfig=_canary())
    d = env.wait("e", max_polls=20)
    assert d["EndpointConfigName"] == "c2" and "FailureReason" not in d


def test_set_alarm_state_during_a_rolling_update_rolls_back_in_batches(env):
    _guardrail_env(env)
    dc = {"RollingUpdatePolicy": {"MaximumBatchSize": {"Type": "CAPACITY_PERCENT", "Value": 50},
                                  "WaitIntervalInSeconds": 60,
                                  "RollbackMaximumBatchSize": {"Type": "INSTANCE_COUNT", "Value": 1}},
          "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "e-5xx"}]}}
    env.sm.update_endpoint(EndpointName="e", EndpointConfigName="c2", DeploymentConfig=dc)
    seen = [_status(env.sm.describe_endpoint(EndpointName="e")) for _ in range(5)]
    # Batch 1 of 2 instances: launched, taking traffic, baking, 2 old instances terminated; then
    # batch 2 is launched.
    assert seen == [("Updating", "Creating", 4, 0), ("Updating", "ActivatingTraffic", 4, 2),
                    ("Updating", "Baking", 4, 2), ("Updating", "Deleting", 4, 2), ("Updating", "Creating", 2, 2)]
    _cw(env, "SetAlarmState", {"AlarmName": "e-5xx", "StateValue": "ALARM", "StateReason": "5XX"})
    statuses = [env.sm.describe_endpoint(EndpointName="e")["EndpointStatus"] for _ in range(4)]
    assert statuses == ["RollingBack", "RollingBack", "InService", "InService"]
    (rollout,) = env.control("GET", "rollouts")["rollouts"]
    # RollbackMaximumBatchSize 1: one old instance back and one new one out per step.
    assert [(p["kind"], p["instances"]) for p in rollout["phases"][-3:]] == [
        ("creating", {"blue": 2, "green": 4, "green_in_service": 2, "total": 6}),
        ("rollback", {"blue": 3, "green": 4, "green_in_service": 3, "total": 7}),
        ("rollback", {"blue": 4, "green": 3, "green_in_service": 0, "total": 7}),
    ]
    d = env.sm.describe_endpoint(EndpointName="e")
    assert d["EndpointConfigName"] == "c1" and "e-5xx" in d["FailureReason"]


def test_retain_deployment_config_reuses_the_last_one(env):
    env.control("POST", "config", {"transition_polls": 0})
    _guardrail_env(env)
    env.sm.update_endpoint(EndpointName="e", EndpointConfigName="c2", DeploymentConfig=_canary(alarms=()))
    assert env.sm.describe_endpoint(EndpointName="e")["EndpointStatus"] == "InService"
    env.sm.update_endpoint(EndpointName="e", EndpointConfigName="c1", RetainDeploymentConfig=True)
    rollouts = env.control("GET", "rollouts")["rollouts"]
    assert [r["strategy"] for r in rollouts] == ["CANARY", "CANARY"]
    assert env.sm.describe_endpoint(EndpointName="e")["LastDeploymentConfig"] == _canary(alarms=())


@pytest.mark.parametrize("dc,needle", [
    (_canary(size=3), "CanarySize 3 instance(s) is 75% of variant a's 4 instance(s); it must be at most 50%"),
    (_canary(size=60, kind="CAPACITY_PERCENT"), "CanarySize 60% must be at most 50% of the variant's total instance count"),
    (_canary(wait=3601), "Value '3601' at 'deploymentConfig.blueGreenUpdatePolicy.trafficRoutingConfiguration.waitIntervalInSeconds' failed to satisfy constraint: Member must have value less than or equal to 3600"),
    (_canary(termination=3601), "terminationWaitInSeconds"),
    (_canary(MaximumExecutionTimeoutInSeconds=599), "Member must have value greater than or equal to 600"),
    (_canary(wait=600, termination=300, MaximumExecutionTimeoutInSeconds=900),
     "MaximumExecutionTimeoutInSeconds (900) must be larger than the total waiting time"),
    ({"BlueGreenUpdatePolicy": {"TrafficRoutingConfiguration": {
        "Type": "LINEAR", "LinearStepSize": {"Type": "CAPACITY_PERCENT", "Value": 5}, "WaitIntervalInSeconds": 0}}},
     "LinearStepSize 5% must be between 10% and 50%"),
    ({"BlueGreenUpdatePolicy": {"TrafficRoutingConfiguration": {"Type": "CANARY", "WaitIntervalInSeconds": 0}}},
     "canarySize is required for traffic routing type CANARY"),
    ({"RollingUpdatePolicy": {"MaximumBatchSize": {"Type": "CAPACITY_PERCENT", "Value": 60}, "WaitIntervalInSeconds": 0}},
     "MaximumBatchSize 60% must be between 5% and 50%"),
    ({"RollingUpdatePolicy": {"MaximumBatchSize": {"Type": "INSTANCE_COUNT", "Value": 1}, "WaitIntervalInSeconds": 0},
      "BlueGreenUpdatePolicy": _canary()["BlueGreenUpdatePolicy"]}, "either BlueGreenUpdatePolicy or RollingUpdatePolicy"),
    (_canary(alarms=("missing",)), "The CloudWatch alarm missing in the AutoRollbackConfiguration does not exist"),
    ({"AutoRollbackConfiguration": {"Alarms": [{"AlarmName": f"a{i}"} for i in range(11)]}},
     "Member must have length less than or equal to 10"),
])
def test_deployment_config_is_validated(env, dc, needle):
    _guardrail_env(env)
    # botocore checks minimums itself; the Rust SDK does not, so the emulator must.
    sm = env.client("sagemaker", config=Config(parameter_validation=False,
                                               retries={"total_max_attempts": 1, "mode": "standard"}))
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        sm.update_endpoint(EndpointName="e", EndpointConfigName="c2", DeploymentConfig=dc)
    code, message = _error(excinfo)
    assert code == "ValidationException" and needle in message, message
    assert env.sm.describe_endpoint(EndpointName="e")["EndpointStatus"] == "InService"


def test_rolling_is_refused_for_multi_variant_endpoints_and_names_must_not_change(env):
    _guardrail_env(env, variants=[("a", "ml.m5.large", 2), ("b", "ml.m5.large", 2)])
    rolling = {"RollingUpdatePolicy": {"MaximumBatchSize": {"Type": "INSTANCE_COUNT", "Value": 1},
                                       "WaitIntervalInSeconds": 0}}
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        env.sm.update_endpoint(EndpointName="e", EndpointConfigName="c2", DeploymentConfig=rolling)
    assert _error(excinfo) == ("ValidationException", "Rolling deployments are not supported for multi-variant "
                                                      "endpoints; use a BlueGreenUpdatePolicy.")
    env.config("c3", [("a", "ml.m5.large", 2), ("z", "ml.m5.large", 2)])
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        env.sm.update_endpoint(EndpointName="e", EndpointConfigName="c3", DeploymentConfig=_canary(size=1))
    assert "must be the same as the endpoint's [a, b]" in _error(excinfo)[1]


def test_rollout_alarm_control_api_validates(env):
    for body in ({"endpoint": "e"}, {"endpoint": "e", "alarm": "x", "phase": "cooking"},
                 {"endpoint": "e", "alarm": "x", "step": 0}, {"endpoint": "e", "alarm": "x", "extra": 1}):
        with pytest.raises(urllib.error.HTTPError) as e:
            env.control("POST", "rollout-alarm", body)
        assert e.value.code == 400
    assert env.control("POST", "rollout-alarm", {"endpoint": "e", "alarm": "x"}) == {
        "armed": [{"endpoint": "e", "alarm": "x", "phase": "baking", "step": 1}]}
    assert env.control("DELETE", "rollout-alarm") == {"armed": []}


def test_rollout_phases_follow_transition_seconds(env):
    _guardrail_env(env)
    env.control("POST", "config", {"transition_seconds": 0.3})
    env.sm.update_endpoint(EndpointName="e", EndpointConfigName="c2",
                           DeploymentConfig=_canary(alarms=(), termination=0))
    assert _status(env.sm.describe_endpoint(EndpointName="e"))[:2] == ("Updating", "Creating")
    time.sleep(0.45)  # one phase later
    assert _status(env.sm.describe_endpoint(EndpointName="e"))[:2] == ("Updating", "ActivatingTraffic")
    time.sleep(1.6)   # six phases of 0.3 s in all, then done
    d = env.sm.describe_endpoint(EndpointName="e")
    assert d["EndpointStatus"] == "InService" and d["EndpointConfigName"] == "c2"
    (rollout,) = env.control("GET", "rollouts")["rollouts"]
    assert [p["kind"] for p in rollout["phases"]] == [
        "creating", "activating-traffic", "baking", "activating-traffic", "baking", "deleting"]
