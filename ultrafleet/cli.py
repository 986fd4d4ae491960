"""The ultrafleet command line: validate, plan, synth, schema.

``validate`` and ``plan`` import no CDK and answer fast. Bad input exits 2 with every finding and writes nothing.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from ultrafleet.findings import SpecError, error
from ultrafleet.spec import Spec, load_spec
from ultrafleet.validation import check as check_spec

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
# Pipes and CI logs get a wide table instead of rich's 80-column default.
out = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 160)

SpecPath = Annotated[Path, typer.Argument(help="Path to the spec YAML", show_default=False)]


def _load_checked(path: Path) -> tuple[Spec, list]:
    try:
        spec = load_spec(path)
        return spec, check_spec(spec)
    except SpecError as exc:
        from ultrafleet.report import print_findings

        print_findings(err, exc.findings)
        err.print(f"{path}: invalid spec ({sum(f.level.value == 'error' for f in exc.findings)} errors)")
        raise typer.Exit(2) from None


@app.command()
def validate(spec_path: SpecPath) -> None:
    """Check a spec; print warnings; exit 2 on errors."""
    spec, warnings = _load_checked(spec_path)
    from ultrafleet.report import print_findings

    print_findings(err, warnings)
    out.print(f"{spec_path}: valid ({len(spec.fleets)} fleets, {len(warnings)} warnings)", highlight=False)


@app.command()
def plan(
    spec_path: SpecPath,
    as_json: Annotated[bool, typer.Option("--json", help="JSON for pipelines")] = False,
    show_interfaces: Annotated[bool, typer.Option("--interfaces", help="Every interface of every fleet")] = False,
) -> None:
    """Show each fleet's size, EFA layout and bandwidth, and the subnet plan."""
    from ultrafleet.planning.checkpoint import plan_checkpoints
    from ultrafleet.planning.fleets import resolve_all
    from ultrafleet.planning.network import plan_subnets
    from ultrafleet.report import plan_data, print_checkpoints, print_findings, print_interfaces, print_plan

    spec, warnings = _load_checked(spec_path)
    fleets = resolve_all(spec)
    subnets = plan_subnets(fleets, spec.availability_zones, spec.network.subnet_prefix_length)
    data = plan_data(spec, fleets, subnets, warnings, plan_checkpoints(spec, fleets))
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    print_findings(err, warnings)
    print_plan(out, data)
    print_checkpoints(out, data)
    if show_interfaces:
        print_interfaces(out, data)


@app.command()
def synth(
    spec_path: SpecPath,
    output: Annotated[Path, typer.Option(help="Cloud assembly directory")] = Path("cdk.out"),
) -> None:
    """Validate, then run the pinned `cdk synth` for the spec (offline: no AWS call)."""
    from ultrafleet.cdk_cli import CdkCliMissing, project_root, run_cdk

    _load_checked(spec_path)
    try:
        root = project_root()
        result = run_cdk(["synth", "--quiet", "-c", f"spec={spec_path.resolve()}", "--output", str(output)], root)
    except CdkCliMissing as exc:
        err.print(f"error: {exc}")
        raise typer.Exit(2) from None
    if result.returncode != 0:
        raise typer.Exit(result.returncode)
    out.print(f"synthesized {spec_path} into {output}", highlight=False)


@app.command()
def check(
    assembly: Annotated[Path, typer.Argument(help="A cloud assembly directory (cdk synth output)")] = Path("cdk.out"),
) -> None:
    """Run ultrafleet's rule pack over every template of a cloud assembly; exit 1 on error findings."""
    from ultrafleet.report import print_findings
    from ultrafleet.rules import load_assembly, run

    if not (assembly / "manifest.json").is_file():
        err.print(f"error: {assembly} is not a cloud assembly (no manifest.json); run `ultrafleet synth` first")
        raise typer.Exit(2)
    findings = run(load_assembly(assembly))
    print_findings(err, findings)
    errors = sum(f.level.value == "error" for f in findings)
    out.print(f"{assembly}: {len(findings)} findings, {errors} errors", highlight=False)
    if errors:
        raise typer.Exit(1)


@app.command()
def topology(
    fmt: Annotated[str, typer.Option("--format", help="slurm, hostfile or k8s-labels")] = "slurm",
    input_file: Annotated[Path | None, typer.Option("--input", help="Saved describe-instance-topology JSON")] = None,
    placement_group: Annotated[str | None, typer.Option(help="Read the instances of this placement group")] = None,
    asg: Annotated[str | None, typer.Option(help="Read the instances of this Auto Scaling group")] = None,
    fleet: Annotated[str | None, typer.Option(help="Read the running instances tagged ultrafleet:fleet=NAME")] = None,
    instance_ids: Annotated[list[str] | None, typer.Option("--instance-id", help="Repeat for each instance")] = None,
    region: Annotated[str | None, typer.Option(help="AWS region for live reads")] = None,
    output: Annotated[Path | None, typer.Option(help="Write here instead of stdout")] = None,
) -> None:
    """Write topology files (Slurm topology.conf, hostfile, Kubernetes labels) from EC2 instance topology."""
    from ultrafleet.topology.model import build, parse_response
    from ultrafleet.topology.render import render_topology

    sources = [s for s in (input_file, placement_group, asg, fleet, instance_ids) if s]
    if fmt not in ("slurm", "hostfile", "k8s-labels") or len(sources) != 1:
        err.print(
            "error: choose --format slurm|hostfile|k8s-labels and exactly one of --input, --placement-group, "
            "--asg, --fleet, --instance-id"
        )
        raise typer.Exit(2)
    try:
        if input_file:
            try:
                text = input_file.read_text()
            except OSError as exc:
                raise SpecError([error("UF-TOPO-001", str(input_file), f"cannot be read: {exc.strerror}")]) from None
            topo = build(parse_response(text, str(input_file)), source=str(input_file))
        else:
            topo = _live_topology(region, placement_group, asg, fleet, instance_ids)
    except SpecError as exc:
        from ultrafleet.report import print_findings

        print_findings(err, exc.findings)
        raise typer.Exit(2) from None
    text = render_topology(topo, fmt)  # type: ignore[arg-type]
    if output:
        output.write_text(text)
        out.print(f"wrote {output} ({len(topo.nodes)} nodes, {topo.layers} layers, {topo.zone})", highlight=False)
    else:
        typer.echo(text, nl=False)


def _live_topology(region, placement_group, asg, fleet, instance_ids):
    import boto3

    from ultrafleet.topology.fetch import describe_topology, hostnames, instance_ids_for
    from ultrafleet.topology.model import build

    ec2 = boto3.client("ec2", region_name=region)
    ids = list(instance_ids or [])
    if asg or fleet:
        ids = instance_ids_for(ec2, boto3.client("autoscaling", region_name=region), asg=asg, fleet=fleet)
        if not ids:
            raise SpecError([error("UF-TOPO-003", "--asg" if asg else "--fleet", "has no running instances")])
    instances = describe_topology(ec2, instance_ids=ids or None, placement_group=placement_group)
    names = hostnames(ec2, [i["InstanceId"] for i in instances]) if instances else {}
    where = f"placement group {placement_group}" if placement_group else "DescribeInstanceTopology"
    return build(instances, source=where, expected_ids=ids or None, names=names)


@app.command()
def schema(output: Annotated[Path | None, typer.Option(help="Write here instead of stdout")] = None) -> None:
    """Print the spec's JSON Schema, for editors to validate specs as they are typed."""
    text = json.dumps(Spec.model_json_schema(), indent=2) + "\n"
    if output:
        output.write_text(text)
        out.print(f"wrote {output}")
    else:
        typer.echo(text, nl=False)


def main() -> None:
    app()
