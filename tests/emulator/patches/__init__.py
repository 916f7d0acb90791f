"""Patches applied to moto's backends and response handlers (see README.md).

`apply()` is idempotent; it imports moto's SageMaker, Application Auto Scaling, IAM and STS modules.
"""

_applied = False


def apply() -> None:
    global _applied
    if _applied:
        return
    import alarms

    from . import autoscaling, iam, sagemaker, sts

    sagemaker.apply()
    autoscaling.apply()
    iam.apply()
    sts.apply()
    alarms.apply()
    _applied = True
