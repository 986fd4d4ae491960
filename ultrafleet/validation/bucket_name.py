"""A fixed checkpoint bucket name S3 accepts, used by one deployment only.

Source: Amazon S3 User Guide, "General purpose bucket naming rules"
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html): 3 to 63 characters; lowercase
letters, numbers, periods and hyphens; a letter or number first and last; no two adjacent periods; not formatted
as an IP address; not starting with ``xn--``, ``sthree-`` or ``amzn-s3-demo-``; not ending with ``-s3alias``,
``--ol-s3``, ``.mrap``, ``--x-s3`` or ``--table-s3``. Bucket names are global across all AWS accounts, so one
fixed name cannot serve two environments.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from ultrafleet.findings import Finding, error, excerpt
from ultrafleet.spec.environments import environment_data
from ultrafleet.spec.models import Spec

RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
PATH = "storage.checkpoint_bucket.bucket_name"


def problem(name: str) -> str | None:
    """Why S3 would refuse ``name``, or None."""
    if not 3 <= len(name) <= 63:
        return f"has {len(name)} characters; use 3 to 63"
    if not re.fullmatch(r"[a-z0-9.-]+", name):
        return "may hold lowercase letters, numbers, periods and hyphens only"
    if not (name[0].isalnum() and name[-1].isalnum()):
        return "must begin and end with a letter or number"
    if ".." in name:
        return "must not hold two adjacent periods"
    try:
        ipaddress.IPv4Address(name)
        return "must not be formatted as an IP address"
    except ValueError:
        pass
    if prefix := next((p for p in RESERVED_PREFIXES if name.startswith(p)), None):
        return f"must not start with {prefix}, a prefix S3 reserves"
    if suffix := next((s for s in RESERVED_SUFFIXES if name.endswith(s)), None):
        return f"must not end with {suffix}, a suffix S3 reserves"
    return None


def check(spec: Spec) -> list[Finding]:
    name = spec.storage.checkpoint_bucket.bucket_name
    why = problem(name) if name is not None else None
    if why is None:
        return []
    return [error("UF-STO-016", PATH, f"{excerpt(name)} {why} (S3 bucket naming rules); choose another name")]


def check_environments(data: dict[str, Any]) -> list[Finding]:
    """A fixed name that two environments of one spec would both create (names are global); ``data`` is the
    spec's data after it parsed."""
    users: dict[str, list[str]] = {}
    for env in data.get("environments") or {}:
        merged = environment_data(data, env)
        name = ((merged.get("storage") or {}).get("checkpoint_bucket") or {}).get("bucket_name")
        if isinstance(name, str):
            users.setdefault(name, []).append(env)
    return [
        error(
            "UF-STO-017",
            PATH,
            f"{excerpt(name)} would be created by environments {', '.join(envs)}, but a bucket name is global; "
            "set a different bucket_name in each environment, or leave it out for generated names",
        )
        for name, envs in users.items()
        if len(envs) > 1
    ]
