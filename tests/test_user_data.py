"""The node boot script: shellcheck-clean for every fleet shape, and its EFA check run against fakes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ultrafleet import catalog
from ultrafleet.constructs.accelerated_fleet import UserDataHook
from ultrafleet.planning.efa_layout import interfaces
from ultrafleet.templates import render

SHELLCHECK = str(Path(sys.executable).parent / "shellcheck")


def node_script(itype: str, hooks=()) -> str:
    t = catalog.get(itype)
    efa = sum(i.kind == "efa-only" for i in interfaces(t, efa=t.efa_supported))
    neuron = bool(t.accelerators and t.accelerators.kind == "neuron")
    return render(
        "node_init.sh.j2", fleet_name="f", instance_type=itype, efa_interfaces=efa, neuron=neuron, hooks=list(hooks)
    )


@pytest.mark.parametrize("itype", sorted(catalog.instance_types()))
def test_rendered_script_passes_shellcheck(itype, tmp_path):
    script = tmp_path / "init.sh"
    script.write_text(node_script(itype, [UserDataHook(name="demo", script='echo "hook ran"')]))
    result = subprocess.run([SHELLCHECK, "--severity=style", str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_script_starts_strict_and_sets_efa_environment():
    script = node_script("trn2.48xlarge")
    assert script.splitlines()[:4][3] == "set -euo pipefail"
    assert "export FI_PROVIDER=efa" in script and "export FI_EFA_FORK_SAFE=1" in script
    assert "FI_EFA_FORK_SAFE" not in node_script("p5.48xlarge")
    assert "FI_PROVIDER" not in node_script("g6e.xlarge")


def run(script: str, tmp_path: Path, devices: int | None) -> subprocess.CompletedProcess:
    """Run the boot script with fake paths; ``devices`` EFA devices reported by a fake fi_info (None: absent)."""
    (tmp_path / "profile.d").mkdir()
    fake = tmp_path / "fi_info"
    if devices is not None:
        fake.write_text(
            "#!/bin/bash\n"
            + "".join(f'echo "provider: efa"\necho "    domain: rdmap{i}-rdm"\n' for i in range(devices))
        )
        fake.chmod(0o755)
    path = tmp_path / "init.sh"
    path.write_text(script)
    env = {
        "PATH": "/usr/bin:/bin",
        "ULTRAFLEET_LOG": str(tmp_path / "init.log"),
        "ULTRAFLEET_PROFILE_DIR": str(tmp_path / "profile.d"),
        "ULTRAFLEET_FI_INFO": str(fake),
    }
    return subprocess.run(["bash", str(path)], capture_output=True, text=True, env=env)


def test_full_efa_count_succeeds_and_writes_profile(tmp_path):
    result = run(node_script("p6-b200.48xlarge"), tmp_path, devices=8)
    assert result.returncode == 0, result.stdout
    assert "ultrafleet-init: EFA devices: 8 of 8" in result.stdout
    assert (tmp_path / "profile.d/ultrafleet-efa.sh").read_text().splitlines()[1] == "export FI_PROVIDER=efa"
    assert "ultrafleet-init: done" in (tmp_path / "init.log").read_text()


def test_missing_efa_devices_fail_the_boot_with_a_clear_message(tmp_path):
    result = run(node_script("p5.48xlarge"), tmp_path, devices=1)
    assert result.returncode == 1
    assert (
        "ultrafleet-init: error: found 1 EFA devices, expected 32; check the launch template's interfaces"
        in result.stdout
    )


def test_missing_efa_software_fails(tmp_path):
    result = run(node_script("p5.48xlarge"), tmp_path, devices=None)
    assert result.returncode == 1
    assert "is missing; the AMI has no EFA software" in result.stdout


def test_hooks_run_after_the_efa_check(tmp_path):
    hook = UserDataHook(name="checkpoint-tier", script='log "hook ran"')
    result = run(node_script("g7e.48xlarge", [hook]), tmp_path, devices=4)
    assert result.returncode == 0
    out = result.stdout
    assert out.index("EFA devices: 4 of 4") < out.index("hook ran") < out.index("done")


def test_shellcheck_is_installed_from_the_pinned_requirements():
    assert Path(SHELLCHECK).exists() or shutil.which("shellcheck")


def test_fill_joins_deploy_time_values_and_refuses_missing_ones():
    import aws_cdk as cdk

    from ultrafleet.constructs.user_data import fill

    assert fill("no marks here", {}) == "no marks here"
    with pytest.raises(KeyError, match=r"no value for placeholders \['LUSTRE_DNS'\]"):
        fill("mount @@LUSTRE_DNS@@@tcp:/x", {})
    stack = cdk.Stack()
    joined = fill("a=@@A@@ b=${HOME}", {"A": cdk.Aws.ACCOUNT_ID})
    assert stack.resolve(joined) == {"Fn::Join": ["", ["a=", {"Ref": "AWS::AccountId"}, " b=${HOME}"]]}
