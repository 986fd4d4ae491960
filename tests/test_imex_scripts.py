"""IMEX on GB200 UltraServers: the boot setup and the health check, run for real against fakes that answer with
recorded DescribeInstanceTopology responses (tests/fixtures/topology: two u-p6e-gb200x36 UltraServers, and a
u-p6e-gb200x72 next to part of another one) and IMEX status in `nvidia-imex-ctl -N`'s printed form."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ultrafleet.templates import render
from ultrafleet.topology.model import build, parse_response
from ultrafleet.topology.render import render_topology

FIXTURES = Path(__file__).parent / "fixtures" / "topology"
SHELLCHECK = str(Path(sys.executable).parent / "shellcheck")
X36, X72 = FIXTURES / "p6e-gb200.json", FIXTURES / "u-p6e-gb200x72.json"

FAKE_AWS = f"""#!{sys.executable}
'''aws ec2 describe-instance-topology | describe-instances ... --query Q --output text, from recorded JSON.'''
import json, os, sys
import jmespath
args = sys.argv[1:]
opt = lambda name: args[args.index(name) + 1]
with open(os.environ["FAKE_CALLS"], "a") as log:
    log.write("aws " + " ".join(args) + "\\n")
if args[:2] == ["ec2", "describe-instance-topology"]:
    files = os.environ["FAKE_TOPOLOGY"].split(",")
    counter = os.environ["FAKE_COUNTER"]
    calls = int(open(counter).read()) if os.path.exists(counter) else 0
    open(counter, "w").write(str(calls + 1))
    doc = json.load(open(files[min(calls // 2, len(files) - 1)]))
    wanted = opt("--filters").split("Values=")[1]
    doc = {{"Instances": [i for i in doc["Instances"] if i["InstanceType"] == wanted]}}
elif args[:2] == ["ec2", "describe-instances"]:
    ids = args[args.index("--instance-ids") + 1 : args.index("--query")]
    addresses = json.load(open(os.environ["FAKE_ADDRESSES"]))
    doc = {{"Reservations": [{{"Instances": [{{"InstanceId": i, "PrivateIpAddress": addresses[i]}} for i in ids]}}]}}
else:
    sys.exit("unexpected: " + " ".join(args))
out = jmespath.search(opt("--query"), doc)
print("\\t".join(out) if isinstance(out, list) else ("None" if out is None else out))
"""
FAKE_CURL = """#!/bin/bash
case "$*" in
  *api/token*) echo token ;;
  *meta-data/instance-id*) echo "$FAKE_INSTANCE_ID" ;;
  *meta-data/placement/region*) echo us-east-1 ;;
  *) exit 22 ;;
esac
"""
FAKE_LOGGER = '#!/bin/bash\necho "$(basename "$0") $*" >> "$FAKE_CALLS"\n'
LEGEND = """Connectivity Table Legend:
I - Invalid - Node wasn't reachable, no connection status available
N - Never Connected
C - Connected - Ready for operation

12/1/2026 19:40:10.580
Nodes:
"""
FAKE_IMEX_CTL = f"""#!{sys.executable}
'''nvidia-imex-ctl -N: the node table for the configured node list; FAKE_IMEX_DOWN names nodes that never join.'''
import os
nodes = [n for n in open(os.environ["ULTRAFLEET_IMEX_DIR"] + "/nodes_config.cfg").read().split() if n]
down = set(os.environ.get("FAKE_IMEX_DOWN", "").split(","))
calls_file = os.environ["FAKE_COUNTER"] + ".imex"
calls = int(open(calls_file).read()) if os.path.exists(calls_file) else 0
open(calls_file, "w").write(str(calls + 1))
if calls >= int(os.environ.get("FAKE_IMEX_DOWN_CALLS", "1000000")):
    down = set()  # the late node has joined
print({LEGEND!r}, end="")
for i, n in enumerate(nodes):
    state = "UNAVAILABLE" if n in down else "READY                - Version: 580.82.07"
    print(f"Node #{{i:<3}}- {{n:<15}} - {{state}}")
print()
print("Domain State: " + ("DEGRADED" if down & set(nodes) else "UP"))
"""


def instances(path: Path) -> list[dict]:
    return json.loads(path.read_text())["Instances"]


def address(instance_id: str) -> str:
    n = int(instance_id[-4:], 16) + 10
    return f"10.1.{n // 256}.{n % 256}"


@pytest.fixture
def node(tmp_path):
    """Run one node's IMEX setup (and then, optionally, its health check) against the fakes."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fakes = {"aws": FAKE_AWS, "curl": FAKE_CURL, "systemctl": FAKE_LOGGER, "nvidia-imex-ctl": FAKE_IMEX_CTL}
    for name, text in fakes.items():
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    ids = {i["InstanceId"] for f in (X36, X72) for i in instances(f)}
    (tmp_path / "addresses.json").write_text(json.dumps({i: address(i) for i in ids}))

    def run(
        instance_id: str,
        topology: list[Path],
        *,
        per_domain: int,
        health_down: str = "",
        peer_wait: int = 0,
        domain_wait: int = 0,
        down_calls: int = 1000000,
    ):
        home = tmp_path / instance_id
        home.mkdir()
        env = {
            "PATH": f"{bin_dir}:/usr/bin:/bin",
            "FAKE_CALLS": str(home / "calls.log"),
            "FAKE_COUNTER": str(home / "topology-calls"),
            "FAKE_TOPOLOGY": ",".join(str(p) for p in topology),
            "FAKE_ADDRESSES": str(tmp_path / "addresses.json"),
            "FAKE_INSTANCE_ID": instance_id,
            "FAKE_IMEX_DOWN": health_down,
            "ULTRAFLEET_IMEX_DIR": str(home / "imex"),
            "ULTRAFLEET_IMEX_PEER_WAIT_SECONDS": str(peer_wait),
            "ULTRAFLEET_IMEX_WAIT_SECONDS": str(domain_wait),
            "FAKE_IMEX_DOWN_CALLS": str(down_calls),
            "ULTRAFLEET_IMEX_POLL_SECONDS": "0",
        }
        values = dict(instance_type="p6e-gb200.36xlarge", instances_per_domain=per_domain)
        setup, health = home / "setup.sh", home / "50-imex-domain"
        setup.write_text(render("imex_setup.sh.j2", peer_wait_seconds=600, **values))
        health.write_text(render("imex_health.sh.j2", domain_wait_seconds=300, **values))
        first = subprocess.run(["bash", str(setup)], capture_output=True, text=True, env=env)
        check = subprocess.run(["bash", str(health)], capture_output=True, text=True, env=env)
        nodes = home / "imex" / "nodes_config.cfg"
        return {
            "setup": first,
            "health": check,
            "nodes": nodes.read_text().split() if nodes.exists() else None,
            "ultraserver": (home / "imex" / "ultrafleet-ultraserver-id").read_text().strip()
            if nodes.exists()
            else None,
            "calls": (home / "calls.log").read_text().splitlines(),
        }

    return run


def members(path: Path, block: str) -> list[str]:
    return [i["InstanceId"] for i in instances(path) if i["CapacityBlockId"] == block]


def sorted_addresses(ids: list[str]) -> list[str]:
    return sorted((address(i) for i in ids), key=lambda a: tuple(int(p) for p in a.split(".")))


@pytest.mark.parametrize(
    ("fixture", "block", "per_domain"),
    [(X72, "cr-0ccccccccccccccc3", 18), (X36, "cr-0aaaaaaaaaaaaaaa1", 9), (X36, "cr-0bbbbbbbbbbbbbbb2", 9)],
)
def test_each_node_writes_the_addresses_of_exactly_its_own_ultraserver(node, fixture, block, per_domain):
    peers = members(fixture, block)
    result = node(peers[-1], [fixture], per_domain=per_domain)
    assert result["setup"].returncode == 0, result["setup"].stdout
    assert result["nodes"] == sorted_addresses(peers)
    assert len(result["nodes"]) == per_domain
    assert result["ultraserver"] == block
    assert [c for c in result["calls"] if c.startswith("systemctl")] == [
        "systemctl enable nvidia-imex",
        "systemctl restart nvidia-imex",
    ]
    assert result["health"].returncode == 0
    assert f"IMEX domain UP, {per_domain} of {per_domain} nodes READY" in result["health"].stdout


def test_two_nodes_of_one_ultraserver_write_the_same_node_list(node):
    first, last = members(X72, "cr-0ccccccccccccccc3")[0], members(X72, "cr-0ccccccccccccccc3")[-1]
    assert node(first, [X72], per_domain=18)["nodes"] == node(last, [X72], per_domain=18)["nodes"]


def test_the_setup_asks_only_for_its_own_type_and_grants_reads_only(node):
    result = node(members(X72, "cr-0ccccccccccccccc3")[0], [X72], per_domain=18)
    aws = [c.split(" --")[0] for c in result["calls"] if c.startswith("aws")]
    assert set(aws) == {"aws ec2 describe-instance-topology", "aws ec2 describe-instances"}
    assert "Name=instance-type,Values=p6e-gb200.36xlarge" in result["calls"][0]


def test_a_late_peer_is_waited_for(node, tmp_path):
    """The first answer lacks one peer; the node polls again and configures all 18."""
    doc = json.loads(X72.read_text())
    doc["Instances"] = [i for i in doc["Instances"] if i["InstanceId"] != members(X72, "cr-0ccccccccccccccc3")[5]]
    partial = tmp_path / "partial.json"
    partial.write_text(json.dumps(doc))
    first = members(X72, "cr-0ccccccccccccccc3")[0]
    result = node(first, [partial, X72], per_domain=18, peer_wait=60)
    assert "UltraServer cr-0ccccccccccccccc3: 17 of 18 instances running so far" in result["setup"].stdout
    assert "error" not in result["setup"].stdout
    assert result["nodes"] == sorted_addresses(members(X72, "cr-0ccccccccccccccc3"))
    assert result["health"].returncode == 0


def test_a_peer_that_never_comes_makes_the_node_unhealthy(node, tmp_path):
    doc = json.loads(X72.read_text())
    missing = members(X72, "cr-0ccccccccccccccc3")[17]
    doc["Instances"] = [i for i in doc["Instances"] if i["InstanceId"] != missing]
    partial = tmp_path / "partial.json"
    partial.write_text(json.dumps(doc))
    result = node(members(X72, "cr-0ccccccccccccccc3")[0], [partial], per_domain=18)
    assert "error: UltraServer cr-0ccccccccccccccc3 has 17 of 18 instances after 0s" in result["setup"].stdout
    assert address(missing) not in result["nodes"]
    assert result["health"].returncode == 1
    assert "unhealthy: " in result["health"].stdout and "lists 17 of 18 UltraServer nodes" in result["health"].stdout


def test_a_listed_peer_that_never_joins_the_domain_fails_the_check_and_is_named(node):
    peers = members(X36, "cr-0aaaaaaaaaaaaaaa1")
    result = node(peers[0], [X36], per_domain=9, health_down=address(peers[3]))
    assert result["health"].returncode == 1
    out = result["health"].stdout
    assert "unhealthy: IMEX domain not UP with 9 nodes after 0s (8 READY)" in out
    assert f"not ready: Node #3  - {address(peers[3])}" in out
    assert "Domain State: DEGRADED" in out


def test_the_check_waits_for_a_peer_that_joins_late(node):
    """Two status reads show one node UNAVAILABLE (DEGRADED); the third shows the domain UP: healthy."""
    peers = members(X36, "cr-0aaaaaaaaaaaaaaa1")
    result = node(peers[0], [X36], per_domain=9, health_down=address(peers[3]), domain_wait=60, down_calls=2)
    assert result["health"].returncode == 0, result["health"].stdout
    assert "IMEX domain UP, 9 of 9 nodes READY" in result["health"].stdout


def test_a_node_without_an_ultraserver_id_configures_nothing(node, tmp_path):
    doc = json.loads(X36.read_text())
    for i in doc["Instances"]:
        i.pop("CapacityBlockId")
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps(doc))
    result = node(members(X36, "cr-0aaaaaaaaaaaaaaa1")[0], [bare], per_domain=9)
    assert result["setup"].returncode == 1
    assert "has no UltraServer (CapacityBlockId) after 0s; IMEX not configured" in result["setup"].stdout
    assert result["nodes"] is None
    assert result["health"].returncode == 1


def test_what_nodes_see_at_boot_agrees_with_slurm_blocks_and_kubernetes_labels(node):
    """Issue 15: the Slurm block topology and the Kubernetes ultraserver-id label group nodes exactly as the
    nodes' own IMEX setup does from the same DescribeInstanceTopology answer."""
    topology = build(parse_response(X36.read_text(), "x36"), source="x36")
    slurm = render_topology(topology, "slurm")
    blocks = {
        line.split()[0].removeprefix("BlockName="): set(line.split()[1].removeprefix("Nodes=").split(","))
        for line in slurm.splitlines()
        if line.startswith("BlockName=")
    }
    labels = render_topology(topology, "k8s-labels")
    for block in ("cr-0aaaaaaaaaaaaaaa1", "cr-0bbbbbbbbbbbbbbb2"):
        peers = members(X36, block)
        seen = node(peers[0], [X36], per_domain=9)
        assert seen["ultraserver"] == block
        assert blocks[seen["ultraserver"]] == set(peers)
        for p in peers:
            assert f"kubectl label node {p} " in labels
            line = next(x for x in labels.splitlines() if x.startswith(f"kubectl label node {p} "))
            assert line.endswith(f"topology.k8s.aws/ultraserver-id={seen['ultraserver']}")
        assert sorted(address(p) for p in peers) == sorted(seen["nodes"])
    assert "BlockSizes=9" in slurm


@pytest.mark.parametrize("template", ["imex_setup.sh.j2", "imex_health.sh.j2"])
def test_imex_scripts_pass_shellcheck(tmp_path, template):
    script = tmp_path / "script.sh"
    script.write_text(
        render(
            template,
            instance_type="p6e-gb200.36xlarge",
            instances_per_domain=18,
            peer_wait_seconds=600,
            domain_wait_seconds=300,
        )
    )
    result = subprocess.run([SHELLCHECK, "--severity=style", str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_boot_script_with_the_imex_hook_passes_shellcheck(root, tmp_path):
    """The whole node_init of the reference spec's GB200 fleet, hook included (it defines log for the hook)."""
    import yaml

    from ultrafleet.constructs.imex_domain import imex_hook
    from ultrafleet.planning.fleets import resolve_all
    from ultrafleet.planning.ultraservers import imex_domain_size
    from ultrafleet.spec import parse_spec

    spec = parse_spec(yaml.safe_load((root / "specs/reference.yaml").read_text()))
    fleet = next(f for f in resolve_all(spec) if f.spec.name == "gb200-nvl72")
    script = tmp_path / "node_init.sh"
    script.write_text(
        render(
            "node_init.sh.j2",
            fleet_name=fleet.spec.name,
            instance_type=fleet.instance_type.name,
            efa_interfaces=fleet.efa_interfaces,
            neuron=False,
            hooks=[imex_hook(fleet.instance_type.name, imex_domain_size(fleet))],
        )
    )
    result = subprocess.run([SHELLCHECK, "--severity=style", str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
