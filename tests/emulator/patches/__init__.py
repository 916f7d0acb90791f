"""Patches applied to moto's backends and response handlers (see README.md).

`apply()` is idempotent; it imports moto's SageMaker and Application Auto Scaling modules.
"""

_applied = False


def apply() -> None:
    global _applied
    if _applied:
        return
    from . import autoscaling, sagemaker

    sagemaker.apply()
    autoscaling.apply()
    _applied = True
