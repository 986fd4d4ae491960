"""What the commands that read or change a live AWS account share: credentials or a clear exit 2 without them.

Synthesis never comes here; only ``tags activate``, ``lock`` and ``preflight`` do, before (or instead of) synth.
"""

from __future__ import annotations

from typing import Any


class NoCredentials(Exception):
    """No AWS credentials were found (environment, profile, SSO or instance role)."""


def session(region: str | None = None) -> Any:
    """A boto3 session with credentials; NoCredentials when there are none."""
    import boto3

    s = boto3.Session(region_name=region)
    if s.get_credentials() is None:
        raise NoCredentials(
            "no AWS credentials found; set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) for the "
            "account, or run where an instance or task role is available"
        )
    return s
