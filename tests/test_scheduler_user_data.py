"""User data of scheduler-owned nodes, read from the real CLI's templates: the MIME parts parse, the nodeadm
NodeConfig carries only documented fields, the scripts pass shellcheck, and the join gate and the label script
behave against fakes (a recorded DescribeInstanceTopology response, a fake IMDS and a kubelet environment file)."""

from __future__ import annotations

import email
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ultrafleet.constructs.boot_script import USER_DATA_LIMIT_BYTES, unpack
from ultrafleet.constructs.scheduler_user_data import join_gate
from ultrafleet.templates import render

SHELLCHECK = str(Path(sys.executable).parent / "shellcheck")
FIXTURES = Path(__file__).parent / "fixtures" / "topology"
NODECONFIG_FIELDS = {
    "apiVersion": None,
    "kind": None,
    "metadata": None,
    "spec": {
        "cluster": {"name", "apiServerEndpoint", "certificateAuthority", "cidr", "enableOutpost", "id"},
        "containerd": {"config", "baseRuntimeSpec"},
        "instance": {"localStorage": {"strategy", "mountPath", "disabledMounts"}},
        "kubelet": {"config", "flags"},
        "featureGates": None,
    },
}
"""The documented NodeConfig fields (amazon-eks-ami, nodeadm/doc/api.md: NodeConfig, NodeConfigSpec,
InstanceOptions, LocalStorageOptions...)."""
LOCAL_STORAGE_STRATEGIES = {"RAID0", "RAID10", "Mount"}


def user_data(templates: dict[str, dict], stack: str) -> str:
    """The launch template's user data as text, deploy-time values shown as @@TOKEN@@."""
    (lt,) = [r for r in templates[stack]["Resources"].values() if r["Type"] == "AWS::EC2::LaunchTemplate"]
    value = lt["Properties"]["LaunchTemplateData"]["UserData"]["Fn::Base64"]
    if isinstance(value, str):
        return value
    return "".join(p if isinstance(p, str) else "@@TOKEN@@" for p in value["Fn::Join"][1])


def parts(text: str) -> list[tuple[str, str]]:
    message = email.message_from_string(text)
    assert message.is_multipart() and message.get_content_type() == "multipart/mixed"
    return [(p.get_content_type(), p.get_payload()) for p in message.get_payload()]


def documented(doc, allowed, path="") -> list[str]:
    """Keys of ``doc`` not in the documented tree ``allowed`` (None: free-form below)."""
    if allowed is None or not isinstance(doc, dict):
        return []
    names = allowed if isinstance(allowed, dict) else dict.fromkeys(allowed)
    out = [f"{path}.{k}" for k in doc if k not in names]
    return out + [bad for k, v in doc.items() if k in names for bad in documented(v, names[k], f"{path}.{k}")]


def test_eks_user_data_is_a_nodeconfig_then_the_gate(cli_synth):
    got = parts(user_data(cli_synth["eks"], "mlp-fleet-gb200-nvl72"))
    assert [t for t, _ in got] == ["application/node.eks.aws", "text/x-shellscript"]
    assert got[1][1].startswith("#!/bin/bash\n# ultrafleet join gate: fleet gb200-nvl72.")


def test_nodeconfig_carries_only_documented_fields_and_not_what_eks_sets(cli_synth):
    for fleet in ("gb200-nvl72", "pretrain-b200", "serve-g7e"):
        doc = yaml.safe_load(parts(user_data(cli_synth["eks"], f"mlp-fleet-{fleet}"))[0][1])
        assert documented(doc, NODECONFIG_FIELDS) == []
        assert doc["apiVersion"] == "node.eks.aws/v1alpha1" and doc["kind"] == "NodeConfig"
        assert doc["spec"] == {"instance": {"localStorage": {"strategy": "RAID0"}}}  # no cluster: EKS merges it
        assert doc["spec"]["instance"]["localStorage"]["strategy"] in LOCAL_STORAGE_STRATEGIES


def test_eks_boot_script_leaves_the_nvme_to_nodeadm(cli_synth):
    gate = parts(user_data(cli_synth["eks"], "mlp-fleet-pretrain-b200"))[1][1]
    assert "ultrafleet-nvme-setup" not in gate and "mdadm" not in gate
    pcs_gate = parts(user_data(cli_synth["slurm-pcs"], "hpc-fleet-pretrain-b200"))[0][1]
    assert "ultrafleet-nvme-setup" in boot_script(pcs_gate)  # PCS has no nodeadm: ultrafleet's array


def test_pcs_user_data_is_the_gate_alone_with_blank_lines_around_boundaries(cli_synth):
    text = user_data(cli_synth["slurm-pcs"], "hpc-fleet-serve-g7e")
    assert [t for t, _ in parts(text)] == ["text/x-shellscript"]
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("--==ULTRAFLEET=="):
            assert lines[i - 1] == "", f"no blank line before the boundary at line {i}"
        if line.startswith("Content-Type: text/"):
            assert lines[i + 1] == "", f"no blank line after the content type at line {i}"
    assert "slurmd.service" in parts(text)[0][1]


def inner_script(gate: str) -> str:
    return gate.split("<<'ULTRAFLEET_NODE_INIT'\n", 1)[1].split("\nULTRAFLEET_NODE_INIT\n", 1)[0] + "\n"


def boot_script(gate: str) -> str:
    """The boot script the gate runs, unpacked when it ships compressed (ultrafleet.constructs.boot_script)."""
    return unpack(inner_script(gate))


@pytest.mark.parametrize("stem", ["eks", "slurm-pcs"])
def test_scheduler_user_data_fits_ec2s_16_kb_and_runs_the_boot_health_gate(cli_synth, stem):
    for stack in [s for s in cli_synth[stem] if "-fleet-" in s]:
        text = user_data(cli_synth[stem], stack)
        assert len(text.encode()) <= USER_DATA_LIMIT_BYTES, f"{stack}: {len(text.encode())} bytes"
        gate = next(body for kind, body in parts(text) if kind == "text/x-shellscript")
        script = boot_script(gate)
        assert "ultrafleet-health-gate" in script, stack  # a failed boot check keeps the node out


@pytest.mark.parametrize(
    ("stem", "stack"),
    [("eks", "mlp-fleet-gb200-nvl72"), ("eks", "mlp-fleet-serve-g7e"), ("slurm-pcs", "hpc-fleet-pretrain-b200")],
)
def test_gate_and_boot_script_pass_shellcheck(cli_synth, tmp_path, stem, stack):
    gate = next(body for kind, body in parts(user_data(cli_synth[stem], stack)) if kind == "text/x-shellscript")
    for name, script in (("gate.sh", gate), ("init.sh", inner_script(gate))):
        path = tmp_path / name
        path.write_text(script.replace("@@TOKEN@@", "token"))
        result = subprocess.run([SHELLCHECK, "--severity=style", str(path)], capture_output=True, text=True)
        assert result.returncode == 0, f"{stack} {name}:\n{result.stdout}"


def run_gate(tmp_path: Path, boot_script: str) -> subprocess.CompletedProcess:
    gate = tmp_path / "gate.sh"
    gate.write_text(
        join_gate(
            fleet_name="f", scheduler="EKS", units=("nodeadm-run.service", "kubelet.service"), boot_script=boot_script
        )
    )
    fake = tmp_path / "systemctl"
    fake.write_text('#!/bin/bash\necho "$@" >> "$(dirname "$0")/systemctl.calls"\n')
    fake.chmod(0o755)
    env = {
        "PATH": "/usr/bin:/bin",
        "ULTRAFLEET_UNIT_DIR": str(tmp_path / "units"),
        "ULTRAFLEET_FLAG_DIR": str(tmp_path / "flags"),
        "ULTRAFLEET_SYSTEMCTL": str(fake),
        "ULTRAFLEET_NODE_INIT": str(tmp_path / "sbin/ultrafleet-node-init"),
    }
    return subprocess.run(["bash", str(gate)], capture_output=True, text=True, env=env)


def test_gate_lets_the_node_join_only_after_the_boot_checks_pass(tmp_path):
    result = run_gate(tmp_path, '#!/bin/bash\necho "checks ok"\n')
    assert result.returncode == 0, result.stdout + result.stderr
    assert "checks ok" in result.stdout
    assert (tmp_path / "flags/boot-ok").exists()
    for unit in ("nodeadm-run.service", "kubelet.service"):
        conf = (tmp_path / f"units/{unit}.d/50-ultrafleet-gate.conf").read_text()
        assert conf == f"[Unit]\nConditionPathExists={tmp_path}/flags/boot-ok\n"
    assert (tmp_path / "systemctl.calls").read_text() == "daemon-reload\n"


def test_a_failed_boot_check_keeps_the_node_out(tmp_path):
    result = run_gate(tmp_path, "#!/bin/bash\nexit 1\n")
    assert result.returncode == 1
    assert not (tmp_path / "flags/boot-ok").exists()
    assert (tmp_path / "units/kubelet.service.d/50-ultrafleet-gate.conf").exists()
    assert (
        "ultrafleet-gate: error: boot checks failed; nodeadm-run.service, kubelet.service stay stopped and this node "
        "does not join EKS" in result.stdout
    )


def run_labels(tmp_path: Path, recorded: str, instance_id: str, kubelet_args: str, ultraserver: bool = True):
    """The label hook with a fake IMDS (curl), a fake AWS CLI answering from a recorded DescribeInstanceTopology
    response, and a kubelet environment file as nodeadm's config phase writes it."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "curl").write_text(
        "#!/bin/bash\n"
        'case "${*: -1}" in\n'
        "  */api/token) echo token ;;\n"
        f"  */instance-id) echo {instance_id} ;;\n"
        "  */placement/region) echo us-east-1 ;;\n"
        "  *) exit 22 ;;\n"
        "esac\n"
    )
    (bin_dir / "aws").write_text(
        "#!/bin/bash\n"
        f'echo "$*" > {tmp_path}/aws.args\n'
        f"python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); "
        'd["Instances"] = [i for i in d["Instances"] if i["InstanceId"] == sys.argv[2]]; print(json.dumps(d))\' '
        f'{FIXTURES / recorded} "${{@: -3:1}}"\n'
    )
    for tool in ("curl", "aws"):
        (bin_dir / tool).chmod(0o755)
    env_file = tmp_path / "environment"
    env_file.write_text(f'NODEADM_KUBELET_ARGS="{kubelet_args}"\n')
    script = tmp_path / "labels.sh"
    hook = render("eks_node_labels.sh.j2", ultraserver=ultraserver)
    script.write_text('#!/bin/bash\nset -euo pipefail\nlog() { echo "ultrafleet-init: $*"; }\n' + hook)
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "ULTRAFLEET_KUBELET_ENV": str(env_file),
        "ULTRAFLEET_AWS": str(bin_dir / "aws"),
    }
    result = subprocess.run(["bash", str(script)], capture_output=True, text=True, env=env)
    return result, env_file.read_text(), tmp_path


def test_label_script_adds_the_ultraserver_from_the_nodes_own_topology_entry(tmp_path):
    result, env, tmp = run_labels(
        tmp_path, "p6e-gb200.json", "i-00000000000000101", "--node-ip=10.0.0.5 --node-labels=eks.amazonaws.com/x=y"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    labels = "ultrafleet.io/capacity-block-id=cr-0aaaaaaaaaaaaaaa1,topology.k8s.aws/ultraserver-id=cr-0aaaaaaaaaaaaaaa1"
    assert env == f'NODEADM_KUBELET_ARGS="--node-ip=10.0.0.5 --node-labels={labels},eks.amazonaws.com/x=y"\n'
    assert (tmp / "aws.args").read_text().split() == [
        "ec2",
        "describe-instance-topology",
        "--region",
        "us-east-1",
        "--instance-ids",
        "i-00000000000000101",
        "--output",
        "json",
    ]
    assert f"ultrafleet-init: node labels: {labels}" in result.stdout


def test_label_script_adds_the_flag_when_kubelet_has_no_labels_yet(tmp_path):
    result, env, _ = run_labels(tmp_path, "p6e-gb200.json", "i-00000000000000100", "--node-ip=10.0.0.5", False)
    assert result.returncode == 0, result.stdout + result.stderr
    labels = "ultrafleet.io/capacity-block-id=cr-0aaaaaaaaaaaaaaa1"
    assert env == f'NODEADM_KUBELET_ARGS="--node-labels={labels} --node-ip=10.0.0.5"\n'


def test_label_script_fails_the_boot_without_a_capacity_block(tmp_path):
    recorded = json.loads((FIXTURES / "p6-b200.json").read_text())
    instance = recorded["Instances"][0]["InstanceId"]
    result, env, _ = run_labels(tmp_path, "p6-b200.json", instance, "--node-ip=10.0.0.5", False)
    assert result.returncode == 1
    assert f"ultrafleet-init: error: DescribeInstanceTopology has no Capacity Block for {instance}" in result.stdout
    assert env == 'NODEADM_KUBELET_ARGS="--node-ip=10.0.0.5"\n'
