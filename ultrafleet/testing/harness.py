"""Deploy synthesized stacks into moto's CloudFormation, failing loudly on anything moto would skip.

moto 5.2.5 skips unsupported resource types with only a warning and still reports CREATE_COMPLETE, and its
list_stack_resources shows blank rows for them. Here every warning during a deploy is an error, and after the
deploy the template's logical ids must equal the resources moto created, minus ``ALLOWED_UNCREATED``.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import socket
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from moto import mock_aws
from moto.ec2.models import ec2_backends
from moto.moto_api._internal.models import moto_api_backend
from moto.server import ThreadedMotoServer
from moto.ssm.models import Parameter, ssm_backends

from ultrafleet.deploy.assembly import assembly_stacks
from ultrafleet.planning.ami import GPU_BASE, NEURON
from ultrafleet.spec.models import ExistingVpc
from ultrafleet.testing import moto_extensions

ALLOWED_UNCREATED = {
    "AWS::CDK::Metadata": "CDK's version-reporting marker; it provisions nothing",
}
BOOTSTRAP_VERSION_PARAMETER = "/cdk-bootstrap/hnb659fds/version"
BOOTSTRAP_VERSION = "30"
AMI_NAME = "amzn2-ami-hvm-*"
"""The public DLAMI parameters point at one of moto's Amazon Linux 2 images (any image moto knows would do)."""
PUBLIC_AMI_PARAMETERS = (GPU_BASE.format(arch="x86_64"), GPU_BASE.format(arch="arm64"), NEURON)


class DeployError(AssertionError):
    """A stack did not deploy cleanly; the message carries the reason, the skips and the stack events."""


@dataclass(frozen=True)
class DeployedStack:
    name: str
    stack_id: str
    outputs: dict[str, str]
    resources: dict[str, str]
    """Logical id -> physical id of every created resource."""


class _MotoLogCapture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


class MotoCloud:
    """An in-process AWS (moto with ultrafleet's extensions) for one account and region.

    :param account_id: default moto's 123456789012 (the reference spec's account).
    :param region: default us-east-1.
    """

    endpoint_url: str | None = None

    def __init__(self, account_id: str = "123456789012", region: str = "us-east-1") -> None:
        self.account_id, self.region = account_id, region
        self._mock = mock_aws()

    def __enter__(self) -> MotoCloud:
        _prepare_moto()
        self._mock.start()
        self._seed_parameters()
        return self

    def __exit__(self, *exc: object) -> None:
        self._mock.stop()

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            region_name=self.region,
            endpoint_url=self.endpoint_url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def _seed_parameters(self) -> None:
        """What a bootstrapped account in a real region has: CDK's bootstrap version and the public DLAMI ids."""
        self.client("ssm").put_parameter(Name=BOOTSTRAP_VERSION_PARAMETER, Value=BOOTSTRAP_VERSION, Type="String")
        self._seed_public_parameters()

    def _seed_public_parameters(self) -> None:
        """AWS's public SSM parameters the stacks resolve at deploy time: the DLAMI ids (an AMI moto knows)."""
        # Filtered by name: listing all of moto's ~1,300 Amazon images costs a second on every start.
        images = self.client("ec2").describe_images(Owners=["amazon"], Filters=[{"Name": "name", "Values": [AMI_NAME]}])
        ami = min(image["ImageId"] for image in images["Images"])
        public = ssm_backends[self.account_id][self.region]._parameters
        for name in PUBLIC_AMI_PARAMETERS:
            public[name].append(
                Parameter(
                    account_id=self.account_id,
                    name=name,
                    value=ami,
                    parameter_type="String",
                    description=None,
                    allowed_pattern=None,
                    keyid=None,
                    last_modified_date=datetime.datetime(2026, 1, 1),
                    version=1,
                    data_type="aws:ec2:image",
                )
            )

    def seed_existing_vpc(self, vpc: ExistingVpc) -> None:
        """The VPC and subnets a spec's ``network.existing_vpc`` names, created in moto under the spec's own ids
        (moto draws random ids, so the created ones are re-keyed in its EC2 backend)."""
        client = self.client("ec2")
        backend = ec2_backends[self.account_id][self.region]
        drawn = client.create_vpc(CidrBlock=str(vpc.cidr))["Vpc"]["VpcId"]
        _rekey_vpc(backend, drawn, vpc.vpc_id)
        blocks = iter(vpc.cidr.subnets(new_prefix=min(vpc.cidr.prefixlen + 4, 28)))
        for zone, ids in vpc.subnet_ids_by_zone.items():
            for subnet_id in ids:
                made = client.create_subnet(VpcId=vpc.vpc_id, CidrBlock=str(next(blocks)), AvailabilityZone=zone)
                subnet = backend.subnets[zone].pop(made["Subnet"]["SubnetId"])
                subnet.id = subnet_id
                backend.subnets[zone][subnet_id] = subnet

    def seed_eks_cluster(self, name: str, version: str) -> None:
        """An existing EKS cluster, as a spec's scheduler names it (ultrafleet never creates one)."""
        self.client("eks").create_cluster(
            name=name,
            version=version,
            roleArn=f"arn:aws:iam::{self.account_id}:role/eks-cluster",
            resourcesVpcConfig={},
        )

    @contextmanager
    def watching(self) -> Iterator[list[str]]:
        """Collect every warning and moto log warning raised meanwhile (also from a local server's threads)."""
        capture = _MotoLogCapture()
        moto_logger = logging.getLogger("moto")
        moto_logger.addHandler(capture)
        problems: list[str] = []
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                yield problems
        finally:
            moto_logger.removeHandler(capture)
        problems += [
            m for m in [str(w.message) for w in caught] + capture.messages if not any(t in m for t in ALLOWED_UNCREATED)
        ]

    def deploy(self, name: str, template: dict[str, Any] | str, *, update: bool = False) -> DeployedStack:
        """Create (or update) a stack; raise DeployError on any skip, failure or missing resource."""
        body = template if isinstance(template, str) else json.dumps(template)
        cfn = self.client("cloudformation")
        call = cfn.update_stack if update else cfn.create_stack
        with self.watching() as problems:
            call(StackName=name, TemplateBody=body, Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"])
        return self.verify(name, json.loads(body), problems, "UPDATE_COMPLETE" if update else "CREATE_COMPLETE")

    def verify(
        self, name: str, template: dict[str, Any], problems: list[str], expected_status: str = "CREATE_COMPLETE"
    ) -> DeployedStack:
        """Check a deployed stack: its status, and every template resource created; raise DeployError otherwise."""
        problems = list(problems)
        cfn = self.client("cloudformation")
        stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
        if stack["StackStatus"] != expected_status:
            problems.insert(0, f"status {stack['StackStatus']}: {stack.get('StackStatusReason', '')}")
        rows = cfn.list_stack_resources(StackName=name)["StackResourceSummaries"]
        created = {r["LogicalResourceId"]: r.get("PhysicalResourceId", "") for r in rows if r["LogicalResourceId"]}
        resources = template["Resources"]
        missing = sorted(
            lid for lid, r in resources.items() if lid not in created and r["Type"] not in ALLOWED_UNCREATED
        )
        if missing:
            problems.append("not created: " + ", ".join(f"{lid} ({resources[lid]['Type']})" for lid in missing))
        if problems:
            events = cfn.describe_stack_events(StackName=name)["StackEvents"]
            trail = "\n".join(
                f"  {e['LogicalResourceId']} {e['ResourceStatus']} {e.get('ResourceStatusReason', '')}"
                for e in events[:20]
            )
            raise DeployError(
                f"stack {name} did not deploy cleanly:\n- " + "\n- ".join(problems) + f"\nstack events:\n{trail}"
            )
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
        return DeployedStack(name=name, stack_id=stack["StackId"], outputs=outputs, resources=created)

    def deploy_assembly(self, cdk_out: Path) -> dict[str, DeployedStack]:
        """Every stack of a cloud assembly (cdk.out), in dependency order, by artifact id; each is deployed under its
        stack name (which differs from the artifact id in a pipeline stage's assembly)."""
        stacks = assembly_stacks(cdk_out)
        deployed: dict[str, DeployedStack] = {}
        while len(deployed) < len(stacks):
            ready = [
                k
                for k, v in stacks.items()
                if k not in deployed and all(d in deployed or d not in stacks for d in v.get("dependencies", []))
            ]
            if not ready:
                raise DeployError(f"cyclic stack dependencies among {sorted(set(stacks) - set(deployed))}")
            for name in ready:
                properties = stacks[name]["properties"]
                template = (cdk_out / properties["templateFile"]).read_text()
                deployed[name] = self.deploy(properties.get("stackName", name), template)
        return deployed


class MotoServer(MotoCloud):
    """moto as a local server (ThreadedMotoServer on 127.0.0.1, extensions loaded, every backend reset on entry) for
    real tools such as the CDK CLI. ``env`` is the environment a subprocess needs: AWS_ENDPOINT_URL on the name
    localhost (moto parses path-style template URLs only for it) and dummy credentials. ``seed=False`` leaves out
    the public SSM parameters (the DLAMI ids), which only stack deployments need; finding an AMI costs seconds."""

    def __init__(self, account_id: str = "123456789012", region: str = "us-east-1", *, seed: bool = True) -> None:
        super().__init__(account_id, region)
        self.seed = seed

    def __enter__(self) -> MotoServer:
        _prepare_moto()
        moto_api_backend.reset()  # the server shares moto's in-process backends: start from a clean account
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        self._server.start()
        self.endpoint_url = f"http://localhost:{port}"
        if self.seed:
            self._seed_public_parameters()  # `cdk bootstrap` creates the bootstrap version itself
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop()

    @property
    def env(self) -> dict[str, str]:
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url or "",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
        }


def _prepare_moto() -> None:
    # A real account has AWS's managed policies (AmazonSSMManagedInstanceCore, ...); moto loads them on request.
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    moto_extensions.install()


def _rekey_vpc(backend: Any, drawn: str, wanted: str) -> None:
    """Give a moto VPC (and its default security group, route table and network ACL) another id."""
    vpc = backend.vpcs.pop(drawn)
    vpc.id = wanted
    backend.vpcs[wanted] = vpc
    backend.groups[wanted] = backend.groups.pop(drawn, {})
    for group in backend.groups[wanted].values():
        group.vpc_id = wanted
    for table in [*backend.route_tables.values(), *backend.network_acls.values()]:
        if table.vpc_id == drawn:
            table.vpc_id = wanted
