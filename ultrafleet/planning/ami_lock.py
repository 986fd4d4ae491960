"""Pinned AMIs: a lock file next to the spec records the AMI id each fleet's public SSM parameter named when it
was read, so a replaced node boots the image its peers run, not whatever ``/latest`` names today.

``ultrafleet lock`` reads the parameters (before synth, from AWS) and writes ``<spec>.lock.yaml`` (an environment:
``<spec>.<env>.lock.yaml``); synth reads the file as data and pins each fleet to its id; ``ultrafleet diff`` warns
when a deploy would move a fleet's AMI. No AWS call and no clock during synth: the time is written by ``lock``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ultrafleet import catalog
from ultrafleet.findings import Finding, SpecError, error, warning
from ultrafleet.planning.ami import dlami_parameter
from ultrafleet.planning.fleets import type_name
from ultrafleet.spec.models import Ami, Spec

HEADER = "# ultrafleet AMI lock, written by `ultrafleet lock`: commit it next to the spec; move it with --update.\n"
SSM_BATCH = 10
"""GetParameters takes at most 10 names per call (AWS Systems Manager API Reference, GetParameters)."""


@dataclass(frozen=True, kw_only=True)
class PinnedAmi:
    parameter: str
    """The public SSM parameter the fleet boots from when unpinned."""
    ami_id: str
    read_at: str
    """When ``ultrafleet lock`` read the parameter (UTC, ISO 8601)."""


@dataclass(frozen=True, kw_only=True)
class AmiLock:
    spec: str
    region: str
    fleets: dict[str, PinnedAmi]

    def to_yaml(self) -> str:
        data = {
            "spec": self.spec,
            "region": self.region,
            "fleets": {n: vars(p) for n, p in sorted(self.fleets.items())},
        }
        return HEADER + yaml.safe_dump(data, sort_keys=False)


def lock_path(spec_path: Path, environment: str | None = None) -> Path:
    """``<spec>.lock.yaml`` beside the spec, or ``<spec>.<env>.lock.yaml`` for one of its environments."""
    middle = f".{environment}" if environment else ""
    return spec_path.with_name(f"{spec_path.stem}{middle}.lock.yaml")


def unpinned_parameters(spec: Spec) -> dict[str, str]:
    """Fleet name -> the SSM parameter it boots from, for every fleet without an explicit ``ami.id``."""
    return {f.name: dlami_parameter(catalog.get(type_name(f) or "")) for f in spec.fleets if f.ami.id is None}


def read_lock(path: Path) -> AmiLock | None:
    """The lock file, or None when there is none; SpecError (UF-LOCK-001) when it is malformed."""
    if not path.is_file():
        return None
    try:
        data = yaml.safe_load(path.read_text())
        return AmiLock(
            spec=str(data["spec"]),
            region=str(data["region"]),
            fleets={str(n): PinnedAmi(**{k: str(v) for k, v in p.items()}) for n, p in data["fleets"].items()},
        )
    except (yaml.YAMLError, KeyError, TypeError, AttributeError) as exc:
        raise SpecError(
            [error("UF-LOCK-001", str(path), f"is not an AMI lock ({exc!r}); delete it and run `ultrafleet lock`")]
        ) from None


def check_lock(lock: AmiLock, spec: Spec, path: Path) -> list[Finding]:
    """Errors when the lock belongs to another spec or region, or lacks or misnames a fleet's parameter."""
    fix = f"run `ultrafleet lock` for this spec (or move {path.name} to the spec it belongs to)"
    if lock.spec != spec.name:
        return [error("UF-LOCK-002", f"{path.name}: spec", f"'{lock.spec}' is not this spec ('{spec.name}'); {fix}")]
    if lock.region != spec.region:
        return [
            error(
                "UF-LOCK-003",
                f"{path.name}: region",
                f"'{lock.region}' is not the spec's region ({spec.region}); {fix}",
            )
        ]
    out = []
    for name, parameter in unpinned_parameters(spec).items():
        pinned = lock.fleets.get(name)
        if pinned is None:
            out.append(
                error("UF-LOCK-004", f"{path.name}: fleets.{name}", "is not locked; run `ultrafleet lock` to add it")
            )
        elif pinned.parameter != parameter:
            out.append(
                error(
                    "UF-LOCK-005",
                    f"{path.name}: fleets.{name}.parameter",
                    f"'{pinned.parameter}' is not the fleet's AMI parameter now ({parameter}); run "
                    "`ultrafleet lock --update` to pin the new image deliberately",
                )
            )
    return out


def pin(spec: Spec, lock: AmiLock) -> Spec:
    """The spec with each unpinned fleet's ``ami`` set to its locked id (and its type's architecture)."""
    fleets = []
    for f in spec.fleets:
        if f.ami.id is None and f.name in lock.fleets:
            arch = catalog.get(type_name(f) or "").architecture
            f = f.model_copy(update={"ami": Ami(id=lock.fleets[f.name].ami_id, architecture=arch)})  # type: ignore[arg-type]
        fleets.append(f)
    return spec.model_copy(update={"fleets": fleets})


def locked(spec: Spec, spec_path: Path, environment: str | None = None) -> Spec:
    """The spec pinned by its lock file when there is one (SpecError when the lock does not fit), else as is."""
    path = lock_path(spec_path, environment)
    lock = read_lock(path)
    if lock is None:
        return spec
    if problems := check_lock(lock, spec, path):
        raise SpecError(problems)
    return pin(spec, lock)


def read_parameters(ssm: Any, names: list[str]) -> dict[str, str]:
    """Parameter name -> value, read with GetParameters; SpecError naming any the region does not have."""
    values: dict[str, str] = {}
    missing: list[str] = []
    unique = sorted(set(names))
    for start in range(0, len(unique), SSM_BATCH):
        answer = ssm.get_parameters(Names=unique[start : start + SSM_BATCH])
        values |= {p["Name"]: p["Value"] for p in answer["Parameters"]}
        missing += answer.get("InvalidParameters", [])
    if missing:
        raise SpecError(
            [
                error("UF-LOCK-006", name, "is not an SSM parameter in this region; the AMI cannot be locked")
                for name in missing
            ]
        )
    return values


def new_lock(spec: Spec, old: AmiLock | None, values: dict[str, str], read_at: str, *, update: bool) -> AmiLock:
    """The lock to write: every unpinned fleet, keeping an old entry (same parameter) unless ``update``."""
    fleets = {}
    for name, parameter in unpinned_parameters(spec).items():
        kept = old.fleets.get(name) if old and not update else None
        if kept and kept.parameter == parameter:
            fleets[name] = kept
        else:
            fleets[name] = PinnedAmi(parameter=parameter, ami_id=values[parameter], read_at=read_at)
    return AmiLock(spec=spec.name, region=spec.region, fleets=fleets)


def image_ids(template: dict[str, Any]) -> dict[str, str]:
    """Launch template logical id -> its image: an AMI id, or ``<parameter> (resolved at deploy)``."""
    parameters = template.get("Parameters", {})
    out = {}
    for lid, r in template.get("Resources", {}).items():
        if r["Type"] != "AWS::EC2::LaunchTemplate":
            continue
        image = r["Properties"]["LaunchTemplateData"].get("ImageId")
        if isinstance(image, dict) and "Ref" in image:
            image = f"{parameters.get(image['Ref'], {}).get('Default', image['Ref'])} (resolved at deploy)"
        out[lid] = str(image)
    return out


def ami_changes(
    old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]], resolved: dict[str, dict[str, str]] | None = None
) -> list[Finding]:
    """A warning per launch template whose image would change, with the old and new ids. ``resolved``: per stack,
    the deployed values of its SSM parameters (describe_stacks' ResolvedValue), by parameter logical id."""
    out = []
    for stack, template in new.items():
        if stack not in old:
            continue
        before = image_ids(old[stack])
        for lid, image in image_ids(template).items():
            was = before.get(lid)
            ref = (
                old[stack]["Resources"].get(lid, {}).get("Properties", {}).get("LaunchTemplateData", {}).get("ImageId")
            )
            if isinstance(ref, dict) and (value := (resolved or {}).get(stack, {}).get(ref.get("Ref", ""))):
                was = value
            if was is not None and was != image:
                out.append(
                    warning(
                        "UF-LOCK-010",
                        f"{stack}/{lid}",
                        f"the deploy changes the fleet's AMI from {was} to {image}; replaced nodes boot the new "
                        "image; if that is not intended, run `ultrafleet lock` (or keep the old lock file)",
                    )
                )
    return out


def deployed_templates(cfn: Any, stacks: list[str]) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, str]]]:
    """The deployed template of each stack that exists, and the values CloudFormation resolved for its SSM
    parameters (describe_stacks' ResolvedValue), for ``ami_changes``."""
    import json

    from botocore.exceptions import ClientError

    templates, resolved = {}, {}
    for name in stacks:
        try:
            body = cfn.get_template(StackName=name, TemplateStage="Original")["TemplateBody"]
            (described,) = cfn.describe_stacks(StackName=name)["Stacks"]
        except ClientError:
            continue  # not deployed yet: a new stack changes no AMI
        templates[name] = body if isinstance(body, dict) else json.loads(body)
        resolved[name] = {
            p["ParameterKey"]: p["ResolvedValue"] for p in described.get("Parameters", []) if "ResolvedValue" in p
        }
    return templates, resolved
