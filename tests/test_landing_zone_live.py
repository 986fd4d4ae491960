"""The landing-zone commands against one moto server: `ultrafleet preflight` (the server seeded with EC2 quotas,
Capacity Reservations, a running instance and the spec's compute subnets: every check's numbers, the exit codes,
the offline case), `ultrafleet lock` (the public DLAMI parameters the harness seeds), and a deploy of the budget
and a guarded role."""

from __future__ import annotations

import datetime
import re

import pytest
import yaml
from moto.ssm.models import Parameter, ssm_backends
from typer.testing import CliRunner

from conftest import fleet, spec_dict
from ultrafleet.cli.commands import app
from ultrafleet.planning.ami import GPU_BASE
from ultrafleet.testing.harness import (
    BOOTSTRAP_VERSION,
    BOOTSTRAP_VERSION_PARAMETER,
    PUBLIC_AMI_PARAMETERS,
    MotoServer,
)
from ultrafleet.testing.moto_extensions import capacity_reservations, service_quotas

runner = CliRunner()
NOW = datetime.datetime.now(datetime.UTC)
RESERVED = "cr-0123456789abcdef0"
BLOCK = "cr-0fedcba9876543210"
PARAMETER = GPU_BASE.format(arch="x86_64")


def reservation(rid: str, **fields) -> dict:
    return {
        "CapacityReservationId": rid,
        "InstanceType": "p5.48xlarge",
        "AvailabilityZone": "us-east-1a",
        "State": "active",
        "TotalInstanceCount": 2,
        "AvailableInstanceCount": 2,
        "EndDate": NOW + datetime.timedelta(days=30),
        "ReservationType": "default",
        **fields,
    }


@pytest.fixture(scope="module")
def server():
    from moto.moto_api._internal.models import moto_api_backend

    moto_api_backend.reset()  # moto's backends are process-wide: start from an empty account, as mock_aws does
    with MotoServer() as s:
        account, region = s.account_id, s.region
        service_quotas.seed(account, region, "ec2", "L-417A185B", "Running On-Demand P instances", 1152)
        service_quotas.seed(account, region, "ec2", "L-DB2E81BA", "Running On-Demand G and VT instances", 96)
        capacity_reservations.seed(account, region, reservation(RESERVED))
        start = NOW + datetime.timedelta(days=3)
        capacity_reservations.seed(
            account,
            region,
            reservation(BLOCK, State="scheduled", ReservationType="capacity-block", StartDate=start, EndDate=start),
        )
        ec2 = s.client("ec2")
        ami = s.client("ssm").get_parameter(Name=PUBLIC_AMI_PARAMETERS[0])["Parameter"]["Value"]  # seeded, fast
        ec2.run_instances(
            ImageId=ami,
            InstanceType="p5.48xlarge",
            MinCount=1,
            MaxCount=1,
            Placement={"AvailabilityZone": "us-east-1a"},
        )
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        tags = [{"Key": "ultrafleet:spec", "Value": "fits"}, {"Key": "aws-cdk:subnet-name", "Value": "compute"}]
        ec2.create_subnet(
            VpcId=vpc,
            CidrBlock="10.0.0.0/24",
            AvailabilityZone="us-east-1a",
            TagSpecifications=[{"ResourceType": "subnet", "Tags": tags}],
        )
        yield s


@pytest.fixture
def aws_env(server, monkeypatch):
    for key, value in server.env.items():
        monkeypatch.setenv(key, value)


def preflight(tmp_path, data: dict):
    path = tmp_path / f"{data['name']}.yaml"
    path.write_text(yaml.safe_dump(data))
    return runner.invoke(app, ["preflight", str(path)])


def test_a_spec_that_fits_passes_every_check(aws_env, tmp_path):
    data = spec_dict(
        name="fits",
        availability_zones=["us-east-1a"],
        fleets=[
            fleet(name="train"),
            fleet(name="reserved", capacity={"type": "capacity-reservation", "reservation_id": RESERVED}),
        ],
    )
    result = preflight(tmp_path, data)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    end = f"{(NOW + datetime.timedelta(days=30)):%Y-%m-%d %H:%M}"
    assert lines[:5] == [
        "ok UF-PRE-001 quota L-417A185B Running On-Demand P instances: needed 768 vCPUs (train, reserved), available "
        "960 (quota 1152, 192 in use)",
        "ok UF-PRE-002 quota L-DF5E4CA3 Network interfaces per Region: needed 132 interfaces (every ENA and EFA "
        "interface of every instance), available 4999 (quota 5000, 1 in use)",
        f"ok UF-PRE-003 fleets[1].capacity.reservation_id (reserved): {RESERVED} (default, active, p5.48xlarge in "
        f"us-east-1a): needed 2 instances, available 2 of 2, ends {end} UTC",
        "ok UF-PRE-004 fleets[0] (train) in us-east-1a: p5.48xlarge is offered",
        "ok UF-PRE-004 fleets[1] (reserved) in us-east-1a: p5.48xlarge is offered",
    ]
    assert (
        lines[5]
        == "ok UF-PRE-006 subnets in us-east-1a: needed 4 ENA addresses, available 251 (0 held by the spec's instances)"
    )
    assert [line.split(":")[0] for line in lines[6:8]] == [
        "ok UF-PRE-005 fleets[0] (train) RunInstances DryRun in us-east-1a",
        "ok UF-PRE-005 fleets[1] (reserved) RunInstances DryRun in us-east-1a",
    ]
    assert "(p5.48xlarge, ami-" in lines[6] and ", 33 interfaces)" in lines[6]
    assert lines[-1].endswith(": 8 checks, 0 would fail the deploy, 0 warnings")


def test_a_spec_that_would_fail_exits_1_with_the_numbers_and_the_fix(aws_env, tmp_path):
    data = spec_dict(
        name="tight",
        availability_zones=["us-east-1a", "us-east-1b"],
        fleets=[
            fleet(name="train", count=6),
            fleet(
                name="reserved",
                count=4,
                capacity={"type": "capacity-reservation", "reservation_id": RESERVED},
                availability_zones=["us-east-1b"],
            ),
            fleet(name="block", capacity={"type": "capacity-block", "reservation_id": BLOCK}),
            {
                "name": "serve",
                "role": "inference",
                "instance_type": "g7e.12xlarge",
                "count": 3,
                "availability_zones": ["us-east-1b"],
            },
        ],
    )
    result = preflight(tmp_path, data)
    assert result.exit_code == 1, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error")]
    start = f"{(NOW + datetime.timedelta(days=3)):%Y-%m-%d %H:%M}"
    assert errors == [
        "error UF-PRE-001 quota L-417A185B Running On-Demand P instances: needed 1920 vCPUs (train, reserved), "
        "available 960 (quota 1152, 192 in use); request an increase to at least 2112: aws service-quotas "
        "request-service-quota-increase --service-code ec2 --quota-code L-417A185B --desired-value 2112 --region "
        "us-east-1",
        "error UF-PRE-001 quota L-DB2E81BA Running On-Demand G and VT instances: needed 144 vCPUs (serve), available "
        "96 (quota 96, 0 in use); request an increase to at least 144: aws service-quotas "
        "request-service-quota-increase --service-code ec2 --quota-code L-DB2E81BA --desired-value 144 --region "
        "us-east-1",
        f"error UF-PRE-003 fleets[1].capacity.reservation_id (reserved): {RESERVED} is in us-east-1a, the fleet in "
        f"us-east-1b; set the fleet's zone to it; needed 4 instances, available 2 of 2; shrink the fleet or extend "
        "the reservation",
        f"error UF-PRE-003 fleets[2].capacity.reservation_id (block): {BLOCK} state is scheduled (starts {start} "
        "UTC), not active; deploy once it is active",
        "error UF-PRE-004 fleets[3] (serve) in us-east-1b: g7e.12xlarge is not offered (or the Local Zone is not "
        "opted in); choose a zone that offers it: aws ec2 describe-instance-type-offerings --location-type "
        "availability-zone --filters Name=instance-type,Values=g7e.12xlarge",
    ]
    dry_runs = [line for line in result.stdout.splitlines() if "DryRun" in line]
    assert len(dry_runs) == 4  # moto's default VPC takes launches without a subnet
    assert all(re.search(r": would launch \([a-z0-9.-]+, ami-[0-9a-f]+, no interfaces\)$", line) for line in dry_runs)


def test_a_launch_without_subnets_yet_is_a_warning_and_a_refused_one_an_error():
    import boto3
    from botocore.stub import Stubber

    from ultrafleet.account.preflight import Clients
    from ultrafleet.account.preflight.launch import dry_runs
    from ultrafleet.planning.fleets import resolve_all
    from ultrafleet.spec import parse_spec

    spec = parse_spec(spec_dict(name="fresh", availability_zones=["us-east-1a"]))
    ec2 = boto3.client("ec2", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(ec2) as stub:
        for code in ("VPCIdNotSpecified", "UnauthorizedOperation"):
            stub.add_response("describe_subnets", {"Subnets": []})
            stub.add_client_error("run_instances", service_error_code=code, service_message="refused")
        clients = Clients(ec2=ec2, service_quotas=None, ssm=None)
        results = [str(r) for _ in range(2) for r in dry_runs(spec, resolve_all(spec), clients, {"train": "ami-0abc"})]
    assert results == [
        "warning UF-PRE-005 fleets[0] (train) RunInstances DryRun in us-east-1a: VPCIdNotSpecified: no subnet to "
        "launch into before the network stack exists; deploy fresh-network, then run preflight again to dry-run the "
        "full interface layout",
        "error UF-PRE-005 fleets[0] (train) RunInstances DryRun in us-east-1a: UnauthorizedOperation: refused "
        "(p5.48xlarge, ami-0abc, no interfaces); the deploying role needs ec2:RunInstances (and iam:PassRole for the "
        "instance role)",
    ]


def test_a_reservation_that_does_not_exist_is_named(aws_env, tmp_path):
    missing = "cr-00000000000000000"
    data = spec_dict(
        name="lost",
        availability_zones=["us-east-1a"],
        fleets=[fleet(capacity={"type": "capacity-reservation", "reservation_id": missing})],
    )
    result = preflight(tmp_path, data)
    assert result.exit_code == 1
    assert (
        f"error UF-PRE-003 fleets[0].capacity.reservation_id (train): {missing}: The capacity reservation ID "
        f"'{missing}' does not exist; check the id and the spec's region and account"
    ) in result.stderr.splitlines()


def test_without_credentials_preflight_says_so_and_exits_2(tmp_path, monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    result = preflight(tmp_path, spec_dict())
    assert result.exit_code == 2
    assert result.stderr.startswith("error: no AWS credentials found; set AWS_PROFILE")


def publish(cloud: MotoServer, ami: str) -> None:
    """AWS publishing a new DLAMI: a new version of the public parameter."""
    versions = ssm_backends[cloud.account_id][cloud.region]._parameters[PARAMETER]
    versions.append(
        Parameter(
            account_id=cloud.account_id,
            name=PARAMETER,
            value=ami,
            parameter_type="String",
            description=None,
            allowed_pattern=None,
            keyid=None,
            last_modified_date=datetime.datetime(2026, 2, 1),
            version=len(versions) + 1,
            data_type="aws:ec2:image",
        )
    )


def current(cloud: MotoServer) -> str:
    return cloud.client("ssm").get_parameter(Name=PARAMETER)["Parameter"]["Value"]


def test_lock_writes_each_fleets_ami_and_keeps_it_until_update(aws_env, server, tmp_path):
    cloud = server
    spec_file = tmp_path / "pinned.yaml"
    spec_file.write_text(yaml.safe_dump(spec_dict(name="pinned", availability_zones=["us-east-1a"])))
    first = current(cloud)
    result = runner.invoke(app, ["lock", str(spec_file)])
    assert result.exit_code == 0, result.output
    path = spec_file.with_name("pinned.lock.yaml")
    data = yaml.safe_load(path.read_text())
    assert data["spec"] == "pinned" and data["region"] == "us-east-1"
    assert data["fleets"]["train"]["parameter"] == PARAMETER
    assert data["fleets"]["train"]["ami_id"] == first
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", data["fleets"]["train"]["read_at"])
    assert f"  train: {first} ({PARAMETER}, new)" in result.stdout.splitlines()

    publish(cloud, "ami-0123456789abcdef0")
    kept = runner.invoke(app, ["lock", str(spec_file)])
    assert kept.exit_code == 0 and f"  train: {first} ({PARAMETER}, kept)" in kept.stdout.splitlines()
    assert yaml.safe_load(path.read_text())["fleets"]["train"]["ami_id"] == first

    moved = runner.invoke(app, ["lock", str(spec_file), "--update"])
    assert moved.exit_code == 0
    assert f"  train: ami-0123456789abcdef0 ({PARAMETER}, moved from {first})" in moved.stdout.splitlines()


def test_the_budget_and_a_guarded_role_deploy(server):
    import aws_cdk as cdk
    from aws_cdk import aws_iam as iam

    from ultrafleet.constructs.landing_zone import RoleGuardrails, apply_role_guardrails
    from ultrafleet.spec.models import Budget
    from ultrafleet.stacks.governance_stack import GovernanceStack

    app = cdk.App()
    GovernanceStack(
        app, "lz-governance", spec_name="lz", budget=Budget(monthly_usd=1000, notify=["finops@example.com"])
    )
    fleet_stack = cdk.Stack(app, "lz-fleet-train")
    iam.Role(fleet_stack, "Role", assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"))
    boundary = "arn:aws:iam::123456789012:policy/LandingZoneBoundary"
    apply_role_guardrails(app, RoleGuardrails(permissions_boundary_arn=boundary, role_name_prefix="lz-app-"))
    assembly = app.synth()
    # what `cdk bootstrap` writes into a real account (the templates check it)
    server.client("ssm").put_parameter(Name=BOOTSTRAP_VERSION_PARAMETER, Value=BOOTSTRAP_VERSION, Type="String")
    for name in ("lz-governance", "lz-fleet-train"):
        server.deploy(name, assembly.get_stack_by_name(name).template)
    budgets = server.client("budgets")
    budget = budgets.describe_budget(AccountId=server.account_id, BudgetName="ultrafleet-lz")["Budget"]
    assert budget["CostFilters"] == {"TagKeyValue": ["user:ultrafleet:spec$lz"]}
    assert budget["BudgetLimit"] == {"Amount": "1000", "Unit": "USD"}
    notes = budgets.describe_notifications_for_budget(AccountId=server.account_id, BudgetName="ultrafleet-lz")
    assert [(n["NotificationType"], n["Threshold"]) for n in notes["Notifications"]] == [
        ("ACTUAL", 80),
        ("ACTUAL", 100),
        ("FORECASTED", 100),
    ]
    iam_client = server.client("iam")
    (role,) = [r for r in iam_client.list_roles()["Roles"] if r["RoleName"].startswith("lz-app-lz-fleet-train-")]
    detail = iam_client.get_role(RoleName=role["RoleName"])["Role"]
    assert detail["PermissionsBoundary"]["PermissionsBoundaryArn"] == boundary
