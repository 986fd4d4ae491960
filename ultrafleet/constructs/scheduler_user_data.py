"""User data for nodes a scheduler owns: a MIME multi-part archive that EKS or PCS merges with its own.

Both services require the MIME multi-part format for a launch template's user data because they merge their own
parts into it (EKS User Guide, "Customize managed nodes with launch templates", Amazon EC2 user data; AWS PCS User
Guide, "Working with Amazon EC2 user data"; PCS asks for a blank line before every boundary and after every
content-type header). The parts:

- ``text/x-shellscript``: ultrafleet's join gate, which writes and runs the fleet's boot script and lets the
  scheduler's node agent start only if the boot checks pass;
- ``application/node.eks.aws`` (EKS only, and only when needed): a nodeadm NodeConfig with what the managed
  node group does not set itself. EKS supplies the cluster's name, endpoint, CA and CIDR when the launch template
  names no AMI; nodeadm merges the NodeConfig parts in order (amazon-eks-ami, nodeadm/doc/examples.md).
"""

from __future__ import annotations

from collections.abc import Sequence

import yaml

from ultrafleet.templates import render

BOUNDARY = "==ULTRAFLEET=="
NODECONFIG_API_VERSION = "node.eks.aws/v1alpha1"
EKS_GATED_UNITS = ("nodeadm-run.service", "kubelet.service")
"""nodeadm-run starts kubelet after cloud-final (amazon-eks-ami templates/al2023/runtime: nodeadm-run.service)."""
PCS_GATED_UNITS = ("slurmd.service",)
"""PCS runs text/x-shellscript parts after the node registers and before the Slurm daemon starts (AWS PCS User
Guide, "Working with Amazon EC2 user data")."""


def nodeconfig(*, raid0_instance_store: bool) -> str | None:
    """The NodeConfig part's YAML, or None when the managed node group already sets everything.

    With instance-store NVMe, nodeadm's ``instance.localStorage.strategy: RAID0`` stripes it and puts containerd
    and kubelet (pods' ephemeral storage) on it (nodeadm API reference, LocalStorageOptions; EKS User Guide, "Use
    P6e-GB200 UltraServers with Amazon EKS"). ultrafleet's own array is then not built, so only one tool owns the
    disks.
    """
    if not raid0_instance_store:
        return None
    doc = {
        "apiVersion": NODECONFIG_API_VERSION,
        "kind": "NodeConfig",
        "spec": {"instance": {"localStorage": {"strategy": "RAID0"}}},
    }
    return "---\n" + yaml.safe_dump(doc, sort_keys=False)


def join_gate(*, fleet_name: str, scheduler: str, units: Sequence[str], boot_script: str) -> str:
    """The shell part: gates ``units`` on the boot script's success."""
    return render(
        "scheduler_join_gate.sh.j2",
        fleet_name=fleet_name,
        scheduler=scheduler,
        units=list(units),
        boot_script=boot_script.rstrip("\n"),
    )


def mime(parts: Sequence[tuple[str, str]]) -> str:
    """A MIME multi-part archive of (content type, body) parts, in order."""
    lines = ["MIME-Version: 1.0", f'Content-Type: multipart/mixed; boundary="{BOUNDARY}"', ""]
    for content_type, body in parts:
        header = f'{content_type}; charset="us-ascii"' if content_type.startswith("text/") else content_type
        lines += [f"--{BOUNDARY}", f"Content-Type: {header}", "", body.rstrip("\n"), ""]
    lines.append(f"--{BOUNDARY}--")
    return "\n".join(lines) + "\n"


def eks_user_data(*, fleet_name: str, boot_script: str, raid0_instance_store: bool) -> str:
    parts = [
        (
            "text/x-shellscript",
            join_gate(fleet_name=fleet_name, scheduler="EKS", units=EKS_GATED_UNITS, boot_script=boot_script),
        )
    ]
    config = nodeconfig(raid0_instance_store=raid0_instance_store)
    if config:
        parts.insert(0, ("application/node.eks.aws", config))
    return mime(parts)


def pcs_user_data(*, fleet_name: str, boot_script: str) -> str:
    gate = join_gate(fleet_name=fleet_name, scheduler="AWS PCS", units=PCS_GATED_UNITS, boot_script=boot_script)
    return mime([("text/x-shellscript", gate)])
