"""The ultrafleet command line: validate, plan, cost, synth, diff, check, topology, workflow, schema.

``validate`` and ``plan`` import no CDK and answer fast. Bad input exits 2 with every finding and writes nothing.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console

from ultrafleet.findings import SpecError, error
from ultrafleet.spec import Spec

if TYPE_CHECKING:
    from ultrafleet.planning.deployment_plan import DeploymentPlan

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
# Pipes and CI logs get a wide table instead of rich's 80-column default.
out = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 160)

SpecPath = Annotated[Path, typer.Argument(help="Path to the spec YAML", show_default=False)]
EnvOption = Annotated[
    str | None, typer.Option("--env", help="One of the spec's environments (default: the spec as written)")
]


def _load_checked(path: Path, environment: str | None = None) -> tuple[Spec, list]:
    deployment, warnings = _plan_checked(path, environment)
    return deployment.spec, warnings


def _plan_checked(path: Path, environment: str | None = None) -> tuple[DeploymentPlan, list]:
    """The checked spec's plan (computed once, by validation) and its warnings; exits 2 on errors."""
    from ultrafleet.validation.spec_file import plan_file

    try:
        return plan_file(path, environment, zone_lookups=_zone_lookups())
    except SpecError as exc:
        _fail(path, environment, exc)


def _zone_lookups() -> dict:
    """cdk.json's context (the zone lookups an account's offline synth needs); empty outside a project."""
    from ultrafleet.deploy.cdk_cli import CdkCliMissing, project_root

    try:
        return json.loads((project_root() / "cdk.json").read_text()).get("context", {})
    except (CdkCliMissing, OSError, ValueError):
        return {}


def _load_all(path: Path, environment: str | None) -> tuple[DeploymentPlan, list]:
    """``_plan_checked``, and without --env every environment too: a spec whose environments fail is invalid."""
    deployment, warnings = _plan_checked(path, environment)
    for name in [] if environment else deployment.spec.environments:
        _load_checked(path, name)
    return deployment, warnings


def _fail(path: Path, environment: str | None, exc: SpecError) -> NoReturn:
    """Print every finding and exit 2."""
    from ultrafleet.cli.plan_report import print_findings

    print_findings(err, exc.findings)
    where = f" (environment {environment})" if environment else ""
    errors = sum(f.level.value == "error" for f in exc.findings)
    err.print(f"{path}{where}: invalid spec ({errors} errors)", highlight=False, markup=False)
    raise typer.Exit(2) from None


@app.command()
def validate(spec_path: SpecPath, environment: EnvOption = None) -> None:
    """Check a spec and each of its environments (or just --env); print warnings; exit 2 on errors."""
    from ultrafleet.cli.plan_report import print_findings

    spec, warnings = _load_checked(spec_path, environment)
    print_findings(err, warnings)
    others = [] if environment else list(spec.environments)
    for name in others:  # an environment's own warnings, not the spec's again
        print_findings(err, [w for w in _load_checked(spec_path, name)[1] if w not in warnings])
    where = f" (environment {environment})" if environment else ""
    also = f"; environments {', '.join(others)} valid" if others else ""
    out.print(
        f"{spec_path}{where}: valid ({len(spec.fleets)} fleets, {len(warnings)} warnings{also})",
        highlight=False,
        markup=False,
    )


PricesOption = Annotated[
    Path | None, typer.Option("--prices", help="A price table (YAML or JSON); default: the shipped one, docs/cost.md")
]


def _today():
    """The CLI's clock, for the price table's age (a function so tests can fix the date)."""
    import datetime

    return datetime.date.today()


def _cost(spec_path: Path, environment: str | None, deployment: DeploymentPlan, prices: Path | None) -> dict:
    """The cost plan's data, from --prices or the shipped table for the spec's region; exits 2 on bad input.
    The table's age is judged against today's date here, in the CLI (planning reads no clock)."""
    from ultrafleet.cli.cost_estimate import full_cost_data

    try:
        return full_cost_data(deployment, prices, today=_today())
    except SpecError as exc:
        _fail(spec_path, environment, exc)


@app.command()
def plan(
    spec_path: SpecPath,
    environment: EnvOption = None,
    prices: PricesOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON for pipelines")] = False,
    show_interfaces: Annotated[bool, typer.Option("--interfaces", help="Every interface of every fleet")] = False,
) -> None:
    """Show each fleet's size, EFA layout and bandwidth, the subnet plan, its network policy, and the cost with
    --prices."""
    from ultrafleet.cli.network_policy_report import network_policy_data, print_network_policy
    from ultrafleet.cli.plan_report import plan_data, print_checkpoints, print_findings, print_interfaces, print_plan
    from ultrafleet.cli.scheduler_report import print_scheduler, scheduler_data

    deployment, warnings = _load_all(spec_path, environment)  # validation computed the plan, once
    data = plan_data(deployment, warnings)
    from ultrafleet.cli.lifecycle_report import lifecycle_data, print_lifecycle

    data["lifecycle"] = lifecycle_data(deployment.lifecycles)
    data["scheduler"] = scheduler_data(deployment)
    data["network_policy"] = network_policy_data(deployment.network_policy)
    from ultrafleet.cli.stack_counts_report import print_stack_counts, stack_counts_data

    data["stacks"] = stack_counts_data(deployment.stack_counts)
    if prices:
        data["cost"] = _cost(spec_path, environment, deployment, prices)
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    print_findings(err, warnings)
    print_plan(out, data)
    print_checkpoints(out, data)
    print_lifecycle(out, data)
    print_scheduler(out, data["scheduler"])
    print_network_policy(out, data["network_policy"])
    print_stack_counts(out, data["stacks"])
    if prices:
        from ultrafleet.cli.cost_report import print_cost

        print_cost(out, data["cost"])
    if show_interfaces:
        print_interfaces(out, data)


@app.command()
def cost(
    spec_path: SpecPath,
    prices: PricesOption = None,
    environment: EnvOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON for pipelines")] = False,
) -> None:
    """Cost per fleet and in total, per training run and per million tokens, purchase options side by side, and
    what the checkpoint tier saves; from the shipped price table for the spec's region or --prices."""
    from ultrafleet.cli.cost_report import print_cost, print_cost_warnings

    deployment, _ = _load_all(spec_path, environment)
    data = _cost(spec_path, environment, deployment, prices)
    print_cost_warnings(err, data)
    if as_json:
        typer.echo(json.dumps(data, indent=2))
    else:
        print_cost(out, data)


def _cdk_synth(
    spec: Spec,
    spec_path: Path,
    environment: str | None,
    output: Path,
    *,
    pipeline: bool = False,
    cdk_cli: bool = False,
) -> None:
    """The synth of a checked spec (read from ``spec_path``) into ``output``: in this process with the context
    `cdk synth` would pass (ultrafleet.deploy.in_process), or the pinned `cdk synth` when ``cdk_cli`` or when the
    in-process synth defers to it; exits with cdk's code when it fails."""
    from ultrafleet.deploy import in_process
    from ultrafleet.deploy.cdk_cli import CdkCliMissing, project_root, run_cdk

    _check_lock(spec, spec_path, environment)
    values = {"spec": str(spec_path.resolve())} | ({"env": environment} if environment else {})
    values |= {"pipeline": "true"} if pipeline else {}
    context = [arg for key, value in values.items() for arg in ("-c", f"{key}={value}")]
    try:
        outcome = in_process.Outcome.CLI_SYNTHESIZES if cdk_cli else in_process.synth(project_root(), values, output)
        if outcome is in_process.Outcome.DONE:
            return
        if outcome is in_process.Outcome.CLI_READS:  # the CLI prints and judges the annotations, builds nothing
            result = run_cdk(["synth", "--quiet", "--app", str(output.resolve())], project_root())
        else:
            result = run_cdk(["synth", "--quiet", *context, "--output", str(output.resolve())], project_root())
    except CdkCliMissing as exc:
        err.print(f"error: {exc}")
        raise typer.Exit(2) from None
    if result.returncode != 0:
        raise typer.Exit(result.returncode)


@app.command()
def synth(
    spec_path: SpecPath,
    environment: EnvOption = None,
    pipeline: Annotated[bool, typer.Option("--pipeline", help="The spec's pipeline stack, with every stage")] = False,
    output: Annotated[Path, typer.Option(help="Cloud assembly directory")] = Path("cdk.out"),
    cdk_cli: Annotated[
        bool, typer.Option("--cdk-cli", help="Run the pinned `cdk synth` instead of synthesizing in this process")
    ] = False,
) -> None:
    """Validate, then synthesize the spec's cloud assembly (offline: no AWS call): in this process, with the context
    the pinned `cdk synth` would pass (the same templates, without starting the CLI), or with `cdk synth` itself."""
    spec = _load_all(spec_path, environment)[0].spec
    if pipeline:
        from ultrafleet.validation.pipeline import required

        try:
            required(spec)
        except SpecError as exc:
            _fail(spec_path, environment, exc)
        for name in spec.environments:
            _load_checked(spec_path, name)
    _cdk_synth(spec, spec_path, environment, output, pipeline=pipeline, cdk_cli=cdk_cli)
    out.print(f"synthesized {spec_path} into {output}", highlight=False, markup=False)


@app.command()
def diff(
    spec_path: SpecPath,
    environment: EnvOption = None,
    against: Annotated[
        Path | None, typer.Option(help="Compare with this cloud assembly instead of the deployed stacks (offline)")
    ] = None,
    allow_replacement: Annotated[
        bool, typer.Option("--allow-replacement", help="Report stateful replacements as warnings, not errors")
    ] = False,
    output: Annotated[Path, typer.Option(help="Cloud assembly directory for the new synth")] = Path("cdk.out"),
) -> None:
    """`cdk diff` of every stack, failing (exit 1) when a checkpoint bucket, Lustre file system or KMS key would be
    replaced or deleted."""
    import os
    from concurrent.futures import ThreadPoolExecutor

    from ultrafleet.cli.plan_report import print_findings
    from ultrafleet.deploy.assembly import assembly_stacks, template_file
    from ultrafleet.deploy.cdk_cli import project_root, run_cdk
    from ultrafleet.deploy.change_guard import guard, parse_cdk_diff

    spec = _load_all(spec_path, environment)[0].spec
    if against and not (against / "manifest.json").is_file():
        err.print(f"error: --against {against} is not a cloud assembly (no manifest.json)")
        raise typer.Exit(2)
    _cdk_synth(spec, spec_path, environment, output)
    _warn_ami_changes(spec_path, environment, output, against)
    old = assembly_stacks(against) if against else {}
    new = assembly_stacks(output)
    runs: dict[str, list[str] | None] = {}
    unchanged: set[str] = set()
    for stack in new:
        args = ["diff", "--app", str(output.resolve()), "--no-color", "--no-change-set", "--exclusively", stack]
        if against:
            if stack not in old:
                runs[stack] = None
                continue
            before = template_file(against, old[stack])
            if before.read_bytes() == template_file(output, new[stack]).read_bytes():
                unchanged.add(stack)  # `cdk diff --template` of an identical template finds nothing: skip its start
                runs[stack] = None
                continue
            args += ["--template", str(before.resolve())]
        runs[stack] = args
    if not against:  # against the deployed stacks one `cdk diff` reads them all: the CLI starts once, not per stack
        runs = {"all": ["diff", "--app", str(output.resolve()), "--no-color", "--no-change-set"]}
    changes = []
    # One `cdk diff` per stack (--template takes one stack), as many at once as there are cores, read in order.
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        results = {
            stack: pool.submit(run_cdk, args, project_root(), capture_output=True, text=True)
            for stack, args in runs.items()
            if args
        }
        for stack in runs:
            if stack in unchanged:
                out.print(f"Stack {stack}: no differences (the same template as in {against})", highlight=False)
                continue
            if stack not in results:
                out.print(f"Stack {stack}: new (not in {against})", highlight=False)
                continue
            result = results[stack].result()
            typer.echo(result.stdout + result.stderr, nl=False)
            if result.returncode != 0:
                raise typer.Exit(result.returncode)
            changes += parse_cdk_diff(result.stdout + result.stderr)
    findings = guard(changes, allow_replacement=allow_replacement)
    print_findings(err, findings)
    errors = sum(f.level.value == "error" for f in findings)
    out.print(f"{len(changes)} replacements or removals, {errors} blocked", highlight=False)
    if errors:
        raise typer.Exit(1)


@app.command()
def check(
    assembly: Annotated[Path, typer.Argument(help="A cloud assembly directory (cdk synth output)")] = Path("cdk.out"),
) -> None:
    """Run ultrafleet's rule pack over every template of a cloud assembly; exit 1 on error findings."""
    from ultrafleet.cli.plan_report import print_findings
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
        from ultrafleet.cli.plan_report import print_findings

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
def workflow(
    spec_path: SpecPath,
    output: Annotated[Path | None, typer.Option(help="Write here (.github/workflows/...) instead of stdout")] = None,
    diff_role: Annotated[str, typer.Option(help="Role name each account trusts GitHub with, for diffs")] = (
        "ultrafleet-github-diff"
    ),
    deploy_role: Annotated[str, typer.Option(help="Role name each account trusts GitHub with, for deploys")] = (
        "ultrafleet-github-deploy"
    ),
) -> None:
    """Write the GitHub Actions workflow: checks, then diff and approved deploy per environment (OIDC roles)."""
    import os

    from ultrafleet.deploy.workflow import deployment_order, render_workflow

    spec, _ = _load_checked(spec_path)
    try:
        order = deployment_order(spec)
    except SpecError as exc:
        _fail(spec_path, None, exc)
    environments = {name: _load_checked(spec_path, name)[0] for name in order}
    try:
        text = render_workflow(
            os.path.relpath(spec_path), spec, environments, diff_role=diff_role, deploy_role=deploy_role
        )
    except SpecError as exc:
        _fail(spec_path, None, exc)
    if output:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text)
        out.print(f"wrote {output} ({', '.join(order)})", highlight=False)
    else:
        typer.echo(text, nl=False)


@app.command()
def schema(
    output: Annotated[Path | None, typer.Option(help="Write here instead of stdout")] = None,
    markdown: Annotated[
        bool, typer.Option("--markdown", help="The spec reference page instead (docs/spec-reference.md)")
    ] = False,
) -> None:
    """Print the spec's JSON Schema, for editors to validate specs as they are typed."""
    text = json.dumps(Spec.model_json_schema(), indent=2) + "\n"
    if markdown:
        from ultrafleet.spec.reference import render_markdown

        text = render_markdown(Spec.model_json_schema())
    if output:
        output.write_text(text)
        out.print(f"wrote {output}")
    else:
        typer.echo(text, nl=False)


@app.command()
def report(
    spec_path: SpecPath,
    html: Annotated[Path, typer.Option("--html", help="Write the self-contained HTML cost report here")],
    prices: PricesOption = None,
    environment: EnvOption = None,
) -> None:
    """Write the cost report as one HTML file that opens with no network: charts of monthly cost by fleet and tier,
    purchase options side by side, and lost GPU time against the checkpoint interval."""
    from ultrafleet.cli.cost_html import render_html
    from ultrafleet.cli.cost_report import print_cost_warnings

    deployment, _ = _plan_checked(spec_path, environment)
    data = _cost(spec_path, environment, deployment, prices)
    print_cost_warnings(err, data)
    html.write_text(render_html(data))
    out.print(f"wrote {html} ({len(data['fleets'])} fleets, prices taken {data['prices']['taken']})", highlight=False)


def _check_lock(spec: Spec, spec_path: Path, environment: str | None) -> None:
    """Exit 2 when the spec's AMI lock file belongs to another spec or region, or misses a fleet."""
    from ultrafleet.planning.ami_lock import locked

    try:
        locked(spec, spec_path, environment)
    except SpecError as exc:
        _fail(spec_path, environment, exc)


def _warn_ami_changes(spec_path: Path, environment: str | None, output: Path, against: Path | None) -> None:
    """Warn for each fleet whose AMI the deploy would change (old and new ids)."""
    from ultrafleet.cli.plan_report import print_findings
    from ultrafleet.deploy.assembly import assembly_stacks, template_file
    from ultrafleet.planning.ami_lock import ami_changes, deployed_templates

    def templates(cdk_out: Path) -> dict[str, dict]:
        return {k: json.loads(template_file(cdk_out, v).read_text()) for k, v in assembly_stacks(cdk_out).items()}

    new = templates(output)
    if against:
        old, resolved = templates(against), {}
    else:
        from ultrafleet.account.credentials import NoCredentials, session

        try:
            cfn = session(_load_checked(spec_path, environment)[0].region).client("cloudformation")
        except NoCredentials:
            return  # `cdk diff` reports the missing credentials itself
        old, resolved = deployed_templates(cfn, [k for k in new if "-fleet-" in k])
    print_findings(err, ami_changes(old, new, resolved))


@app.command()
def lock(
    spec_path: SpecPath,
    environment: EnvOption = None,
    update: Annotated[bool, typer.Option("--update", help="Re-read every fleet's AMI and move the pins")] = False,
) -> None:
    """Pin each fleet's AMI: read its public SSM parameter now and write <spec>.lock.yaml beside the spec."""
    from datetime import UTC, datetime

    from ultrafleet.account.credentials import NoCredentials, session
    from ultrafleet.planning.ami_lock import (
        check_lock,
        lock_path,
        new_lock,
        read_lock,
        read_parameters,
        unpinned_parameters,
    )

    spec, _ = _load_checked(spec_path, environment)
    path = lock_path(spec_path, environment)
    try:
        old = read_lock(path)
        blocking = {"UF-LOCK-002", "UF-LOCK-003"} | (set() if update else {"UF-LOCK-005"})
        problems = [p for p in check_lock(old, spec, path) if p.code in blocking] if old else []
        if problems:
            raise SpecError(problems)
        ssm = session(spec.region).client("ssm")
        values = read_parameters(ssm, list(unpinned_parameters(spec).values()))
    except SpecError as exc:
        _fail(spec_path, environment, exc)
    except NoCredentials as exc:
        err.print(f"error: {exc}", highlight=False)
        raise typer.Exit(2) from None
    read_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    new = new_lock(spec, old, values, read_at, update=update)
    path.write_text(new.to_yaml())
    for name, pinned in new.fleets.items():
        before = old.fleets.get(name) if old else None
        how = "kept" if before == pinned else f"moved from {before.ami_id}" if before else "new"
        out.print(f"  {name}: {pinned.ami_id} ({pinned.parameter}, {how})", highlight=False)
    out.print(f"wrote {path} ({len(new.fleets)} fleets)", highlight=False)


tags_app = typer.Typer(no_args_is_help=True, help="Cost-allocation tags for Cost Explorer and AWS Budgets.")
app.add_typer(tags_app, name="tags")


@tags_app.command("activate")
def tags_activate(spec_path: SpecPath) -> None:
    """Activate ultrafleet's and the spec's tag keys as cost-allocation tags (needs ce:UpdateCostAllocationTagsStatus
    in the management account)."""
    from ultrafleet.account.cost_tags import CE_REGION, activate, tag_keys
    from ultrafleet.account.credentials import NoCredentials, session

    spec, _ = _load_checked(spec_path)
    keys = tag_keys(spec)
    try:
        ce = session(CE_REGION).client("ce")
    except NoCredentials as exc:
        err.print(f"error: {exc}", highlight=False)
        raise typer.Exit(2) from None
    errors = activate(ce, keys)
    for e in errors:
        err.print(f"error {e['TagKey']}: {e.get('Code', '')} {e.get('Message', '')}".rstrip(), highlight=False)
    out.print(f"activated {len(keys) - len(errors)} of {len(keys)} tag keys: {', '.join(keys)}", highlight=False)
    if errors:
        raise typer.Exit(1)


@app.command()
def preflight(spec_path: SpecPath, environment: EnvOption = None) -> None:
    """Read-only AWS checks that a deploy will not fail on quotas, capacity or launch parameters; exit 1 if it
    would (permissions: docs/landing-zone.md)."""
    from datetime import UTC, datetime

    from botocore.exceptions import BotoCoreError, ClientError

    from ultrafleet.account.credentials import NoCredentials, session
    from ultrafleet.account.preflight import Clients, run
    from ultrafleet.account.preflight.launch import images
    from ultrafleet.planning.ami_lock import locked

    deployment, _ = _plan_checked(spec_path, environment)
    try:
        spec = locked(deployment.spec, spec_path, environment)
        aws = session(spec.region)
    except SpecError as exc:
        _fail(spec_path, environment, exc)
    except NoCredentials as exc:
        err.print(f"error: {exc}", highlight=False)
        raise typer.Exit(2) from None
    clients = Clients(ec2=aws.client("ec2"), service_quotas=aws.client("service-quotas"), ssm=aws.client("ssm"))
    try:
        results = run(spec, deployment.resolved_fleets, clients, datetime.now(UTC), images(spec, clients.ssm))
    except (ClientError, BotoCoreError) as exc:
        err.print(
            f"error: a read-only call failed: {exc}; see docs/landing-zone.md for the permissions", highlight=False
        )
        raise typer.Exit(2) from None
    for r in results:
        (out if r.level == "ok" else err).print(str(r), highlight=False, soft_wrap=True)
    errors = sum(r.level == "error" for r in results)
    warnings = sum(r.level == "warning" for r in results)
    out.print(
        f"{spec_path}: {len(results)} checks, {errors} would fail the deploy, {warnings} warnings", highlight=False
    )
    if errors:
        raise typer.Exit(1)


def main() -> None:
    app()
