"""AWS's limits that validate enforces so that synth and CloudFormation never reject a valid spec, and hostile input
that must end in exit 2 with a bounded, escaped message and nothing written, never a traceback."""

from __future__ import annotations

import pytest
import yaml
from test_validation import findings_of
from typer.testing import CliRunner

from conftest import ROOT, fleet, spec_dict
from ultrafleet.cli.commands import app
from ultrafleet.findings import EXCERPT_CHARS
from ultrafleet.validation import tags

runner = CliRunner()
CAPACITY_BLOCK = {"type": "capacity-block", "reservation_id": "cr-0123456789abcdef0"}


def inference_fleet(**inference):
    return fleet(role="inference", instance_type="g7e.4xlarge", inference=inference)


def route(**fields):
    return spec_dict(fleets=[inference_fleet(route={"priority": 1, **fields})])


def cert_spec(arn):
    return spec_dict(load_balancer={"certificate_arn": arn}, fleets=[inference_fleet()])


CERT_ID = "certificate/12345678-1234-1234-1234-123456789012"
CASES = {
    "bucket in IP form": (
        spec_dict(storage={"checkpoint_bucket": {"bucket_name": "192.168.5.4"}}),
        "error UF-STO-016 storage.checkpoint_bucket.bucket_name: '192.168.5.4' must not be formatted as an IP "
        "address (S3 bucket naming rules); choose another name",
    ),
    "bucket with adjacent periods": (
        spec_dict(storage={"checkpoint_bucket": {"bucket_name": "team..checkpoints"}}),
        "error UF-STO-016 storage.checkpoint_bucket.bucket_name: 'team..checkpoints' must not hold two adjacent "
        "periods (S3 bucket naming rules); choose another name",
    ),
    "bucket with xn-- prefix": (
        spec_dict(storage={"checkpoint_bucket": {"bucket_name": "xn--checkpoints"}}),
        "error UF-STO-016 storage.checkpoint_bucket.bucket_name: 'xn--checkpoints' must not start with xn--, a "
        "prefix S3 reserves (S3 bucket naming rules); choose another name",
    ),
    "bucket with -s3alias suffix": (
        spec_dict(storage={"checkpoint_bucket": {"bucket_name": "checkpoints-s3alias"}}),
        "error UF-STO-016 storage.checkpoint_bucket.bucket_name: 'checkpoints-s3alias' must not end with -s3alias, "
        "a suffix S3 reserves (S3 bucket naming rules); choose another name",
    ),
    "six path patterns": (
        route(path_patterns=[f"/v{i}" for i in range(6)]),
        "error UF-INF-013 fleets[0].inference.route: 6 path patterns and 0 header values: one listener rule takes at "
        "most 5 condition values; route fewer (a wildcard such as /v1/* covers many paths)",
    ),
    "path pattern of 129 characters": (
        route(path_patterns=["/" + "a" * 128]),
        "error UF-INF-012 fleets[0].inference.route.path_patterns[0]: '/" + "a" * 36 + "..." + "a" * 38 + "': a "
        "path pattern is 1 to 128 characters of A-Z a-z 0-9 _ - . $ / ~ \" ' @ : + & * ?; shorten it or drop the "
        "other characters",
    ),
    "header name of 41 characters": (
        route(header_name="X" * 41, header_values=["small"]),
        "error UF-INF-012 fleets[0].inference.route.header_name: '" + "X" * 41 + "': an HTTP header name is 1 to 40 "
        "token characters (letters, digits, ! # $ % & ' * + - . ^ _ ` | ~); use the header's real name",
    ),
    "three patterns and three header values": (
        route(path_patterns=["/a", "/b", "/c"], header_name="X-Tier", header_values=["a", "b", "c"]),
        "error UF-INF-013 fleets[0].inference.route: 3 path patterns and 3 header values: one listener rule takes at "
        "most 5 condition values; route fewer (a wildcard such as /v1/* covers many paths)",
    ),
    "zone of another region": (
        spec_dict(availability_zones=["us-east-1a", "us-west-2b"]),
        "error UF-PLC-006 availability_zones[1]: 'us-west-2b' is not a zone of region us-east-1; use us-east-1 plus "
        "a letter (us-east-1a) or a Local Zone of it (us-east-1-<location>-<n><letter>), or change region",
    ),
    "aws: tag key": (
        spec_dict(tags={"AWS:team": "ml"}),
        "error UF-TAG-001 tags.AWS:team: 'AWS:team': the aws: prefix is reserved for AWS; remove it",
    ),
    "tag value of 257 characters": (
        spec_dict(tags={"team": "v" * 257}),
        "error UF-TAG-002 tags.team: '" + "v" * 37 + "..." + "v" * 38 + "': a tag value has 0 to 256 characters, "
        "this one 257; shorten it",
    ),
    "tag with a character AWS refuses": (
        spec_dict(tags={"team": "ml<ops>"}),
        "error UF-TAG-003 tags.team: 'ml<ops>': a tag value may hold letters, numbers, spaces and _ . : / = + - @ "
        "only; replace the other characters",
    ),
    "47 tags": (
        spec_dict(tags={f"tag{i}": "x" for i in range(47)}),
        "error UF-TAG-004 tags: 47 tags: AWS allows 50 per resource and ultrafleet adds up to 4 of its own; use at "
        "most 46",
    ),
    "certificate from another region": (
        cert_spec(f"arn:aws:acm:eu-west-1:123456789012:{CERT_ID}"),
        "error UF-INF-011 load_balancer.certificate_arn: 'arn:aws:acm:eu-west-1:123456789012:ce...e/12345678-1234-"
        "1234-1234-123456789012' is a certificate in eu-west-1; a load balancer in us-east-1 can only use an ACM "
        "certificate of its own region; request or import one in us-east-1",
    ),
    "malformed certificate ARN": (
        cert_spec("arn:aws:acm:us-east-1:123456789012:certificate"),
        "error UF-INF-010 load_balancer.certificate_arn: 'arn:aws:acm:us-east-1:123456789012:certificate' is not an "
        "ACM certificate ARN; use arn:aws:acm:us-east-1:<account>:certificate/<id> as ACM shows it",
    ),
    "spread of 8 in one zone": (
        spec_dict(
            fleets=[fleet(role="inference", instance_type="g7e.4xlarge", count=8, placement={"strategy": "spread"})]
        ),
        "error UF-PLC-009 fleets[0].count: 8: a spread placement group holds at most 7 running instances per zone, "
        "and 8 across 1 zone(s) puts 8 in one; use at most 7, more zones, or placement.strategy partition",
    ),
    "spread scaling past 7 per zone": (
        spec_dict(
            fleets=[
                fleet(
                    role="inference",
                    instance_type="g7e.4xlarge",
                    count=4,
                    availability_zones=["us-east-1a", "us-east-1b"],
                    placement={"strategy": "spread"},
                    inference={"max_size": 15},
                )
            ]
        ),
        "error UF-PLC-009 fleets[0].inference.max_size: 15: a spread placement group holds at most 7 running "
        "instances per zone, and 15 across 2 zone(s) puts 8 in one; use at most 14, more zones, or "
        "placement.strategy partition",
    ),
    "nvme over /etc": (
        spec_dict(storage={"nvme_cache": {"mount_path": "/etc"}}),
        "error UF-STO-018 storage.nvme_cache.mount_path: '/etc' is inside the system directory /etc; mounting there "
        "would hide the node's own files; use a directory of its own such as /opt/dlami/nvme",
    ),
    "nvme below /usr": (
        spec_dict(storage={"nvme_cache": {"mount_path": "/usr/local/nvme"}}),
        "error UF-STO-018 storage.nvme_cache.mount_path: '/usr/local/nvme' is inside the system directory /usr; "
        "mounting there would hide the node's own files; use a directory of its own such as /opt/dlami/nvme",
    ),
    "nvme over /opt": (
        spec_dict(storage={"nvme_cache": {"mount_path": "/opt"}}),
        "error UF-STO-018 storage.nvme_cache.mount_path: '/opt' is a system directory; mounting there would hide the "
        "node's own files; use a directory of its own such as /opt/dlami/nvme",
    ),
    "nvme path climbing out": (
        spec_dict(storage={"nvme_cache": {"mount_path": "/data/../etc"}}),
        "error UF-STO-018 storage.nvme_cache.mount_path: '/data/../etc' is not a normalized absolute path (no "
        "empty, . or .. parts, no trailing /); mounting there would hide the node's own files; use a directory of "
        "its own such as /opt/dlami/nvme",
    ),
    "oversized UltraServer count": (
        spec_dict(
            availability_zones=["us-east-1-dfw-2a"],
            fleets=[
                {
                    "name": "nvl",
                    "role": "training",
                    "ultraserver_type": "u-p6e-gb200x72",
                    "ultraserver_count": 300,
                    "capacity": CAPACITY_BLOCK,
                }
            ],
        ),
        "error UF-TYPE-005 fleets[0].ultraserver_count: 300: 300 x 18 instances of u-p6e-gb200x72 is 5400, more "
        "than the 4096 one fleet may hold; use at most 227 UltraServers per fleet",
    ),
    "warm pool on Spot": (
        spec_dict(
            fleets=[
                fleet(
                    role="inference",
                    instance_type="g6e.xlarge",
                    capacity={"type": "spot"},
                    inference={"warm_pool_min_size": 2},
                )
            ]
        ),
        "error UF-INF-009 fleets[0].inference.warm_pool_min_size: 2: EC2 Auto Scaling refuses a warm pool on a group "
        "that buys Spot (capacity.type spot gives it a mixed instances policy; PutWarmPool API reference); remove "
        "the warm pool or buy the fleet On-Demand",
    ),
    "warm pool with a Spot share": (
        spec_dict(fleets=[inference_fleet(spot_percent=50, warm_pool_min_size=1)]),
        "error UF-INF-009 fleets[0].inference.warm_pool_min_size: 1: EC2 Auto Scaling refuses a warm pool on a group "
        "that buys Spot (inference.spot_percent 50 gives it a mixed instances policy; PutWarmPool API reference); "
        "remove the warm pool or buy the fleet On-Demand",
    ),
    "count as a string": (
        spec_dict(fleets=[fleet(count="2")]),
        "error UF-SPEC-001 fleets[0].count: '2': Input should be a valid integer",
    ),
    "count as a float": (
        spec_dict(fleets=[fleet(count=2.0)]),
        "error UF-SPEC-001 fleets[0].count: 2.0: Input should be a valid integer",
    ),
    "efa as a string": (
        spec_dict(fleets=[fleet(efa="yes")]),
        "error UF-SPEC-001 fleets[0].efa: 'yes': Input should be a valid boolean",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_limit_gets_exact_error(case):
    data, expected = CASES[case]
    assert findings_of(data) == [expected]


@pytest.mark.parametrize(
    "data",
    [
        spec_dict(storage={"checkpoint_bucket": {"bucket_name": "a.b-c.d1"}}),
        route(path_patterns=["/" + "a" * 127, "/b/*", "/c/*", "/d?"], header_name="X-Tier", header_values=["s"]),
        spec_dict(tags={"k" * 128: "v" * 256, **{f"t{i}": "" for i in range(45)}}),
        spec_dict(availability_zones=["us-east-1a", "us-east-1-dfw-2a"]),
        cert_spec(f"arn:aws:acm:us-east-1:123456789012:{CERT_ID}"),
        spec_dict(
            fleets=[
                fleet(
                    role="inference",
                    instance_type="g7e.4xlarge",
                    count=14,
                    availability_zones=["us-east-1a", "us-east-1b"],
                    placement={"strategy": "spread"},
                )
            ]
        ),
        spec_dict(storage={"nvme_cache": {"mount_path": "/mnt/nvme"}}),
        spec_dict(fleets=[fleet(count=2, efa=True, root_volume_gib=200)]),
    ],
    ids=["bucket", "route", "tags", "zones", "certificate", "spread", "nvme", "ints"],
)
def test_the_largest_valid_values_pass(data):
    assert findings_of(data) == []


def test_ultrafleet_adds_no_more_tags_than_it_counts(cli_synth):
    """The tag budget counts the tags ultrafleet and the CDK add: measured on every synthesized resource."""
    for stem in cli_synth:
        spec_tags = yaml.safe_load((ROOT / f"specs/{stem}.yaml").read_text()).get("tags", {})
        own = [
            len([t for t in resource["Properties"]["Tags"] if isinstance(t, dict) and t.get("Key") not in spec_tags])
            for template in cli_synth[stem].values()
            for resource in template["Resources"].values()
            if isinstance(resource.get("Properties", {}).get("Tags"), list)
        ]
        assert max(own) <= tags.OWN_TAGS_PER_RESOURCE, stem


def write(tmp_path, data) -> str:
    path = tmp_path / "spec.yaml"
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data))
    return str(path)


def fails_cleanly(tmp_path, spec: str, *args: str) -> list[str]:
    """`synth` of the spec exits 2 with bounded, traceback-free output and writes nothing; returns stderr lines."""
    out = tmp_path / "cdk.out"
    result = runner.invoke(app, ["synth", spec, *args, "--output", str(out)])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output and len(result.output) < 2000
    assert not out.exists()
    return result.stderr.splitlines()


BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
    f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
    for i in range(8)
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (BOMB, "is refused: aliases expand it to more than 100,000 values; write the values out or use fewer aliases"),
        (
            "a: &a [*a]\n",
            "is refused: an alias refers to the node that contains it; remove the alias",
        ),
        (
            "name: demo\nname: demo2\n",
            "is not valid YAML at line 2: key 'name' appears twice in one mapping (lines 1 and 2); keep one",
        ),
        ("[" * 5000 + "]" * 5000, "is refused: it nests more than 64 levels deep; flatten it"),
    ],
    ids=["alias bomb", "self alias", "duplicate key", "deep nesting"],
)
def test_hostile_yaml_fails_cleanly(tmp_path, text, expected):
    (line, *_) = fails_cleanly(tmp_path, write(tmp_path, text))
    assert line.startswith("error UF-SPEC-000 ") and line.endswith(expected), line


def test_a_repeated_fleet_field_is_not_silently_the_last_one(tmp_path):
    text = yaml.safe_dump(spec_dict()).replace("- count: 2\n", "- count: 2\n  count: 64\n")
    (line, *_) = fails_cleanly(tmp_path, write(tmp_path, text))
    assert line.endswith(
        "is not valid YAML at line 6: key 'count' appears twice in one mapping (lines 5 and 6); keep one"
    )


def test_a_file_that_is_not_utf8_fails_cleanly(tmp_path, monkeypatch):
    # a relative path: a message cuts a path longer than 80 characters in the middle (findings.excerpt), and
    # tmp_path's length depends on the run (pytest-xdist adds the worker's directory)
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "spec.yaml"
    path.write_bytes(yaml.safe_dump(spec_dict(tags={"team": "caf\u00e9"}), allow_unicode=True).encode("latin-1"))
    (line, *_) = fails_cleanly(tmp_path, "spec.yaml")
    assert line == "error UF-SPEC-000 spec.yaml: is not UTF-8 text (byte 0xe9 at offset 171); save it as UTF-8"


def test_markup_in_user_text_is_printed_as_written(tmp_path):
    (line, *_) = fails_cleanly(tmp_path, write(tmp_path, spec_dict(fleets=[fleet(name="[bold]x[/]")])))
    assert line.startswith("error UF-SPEC-001 fleets[0].name: '[bold]x[/]': use 2-32 lowercase letters")
    (line, *_) = fails_cleanly(
        tmp_path, write(tmp_path, spec_dict(fleets=[fleet(ami={"id": "ami-x", "architecture": "arm64"})]))
    )
    assert line.endswith("String should match pattern '^ami-[0-9a-f]{8,17}$'")


def test_a_huge_value_is_quoted_as_a_bounded_excerpt(tmp_path):
    (line, *_) = fails_cleanly(tmp_path, write(tmp_path, spec_dict(name="x" * 100_000)))
    assert len(line) < 300 and "..." in line
    assert line.count("x") <= EXCERPT_CHARS


def env_spec(**environments):
    return spec_dict(environments=environments)


def test_an_environment_override_is_reported_on_its_own_path(tmp_path):
    data = env_spec(prod={"fleets": {"train": {"count": 65, "capacity": CAPACITY_BLOCK}}})
    lines = fails_cleanly(tmp_path, write(tmp_path, data), "--env", "prod")
    assert lines[0] == (
        "error UF-CAP-005 environments.prod.fleets.train.count: 65: a Capacity Block holds at most 64 instances; "
        "split the fleet across blocks (one fleet each)"
    )
    assert lines[-1].endswith("(environment prod): invalid spec (1 errors)")


def test_plan_and_synth_without_env_reject_a_failing_environment(tmp_path):
    spec = write(tmp_path, env_spec(prod={"region": "us-west-2"}))
    for command in ("plan", "synth"):
        out = tmp_path / "cdk.out"
        result = runner.invoke(app, [command, spec, "--output", str(out)] if command == "synth" else [command, spec])
        assert result.exit_code == 2, result.output
        assert result.stderr.splitlines()[0].startswith(
            "error UF-PLC-006 environments.prod.region: 'us-east-1a' is not a zone of region us-west-2"
        )
        assert not out.exists()


def test_a_fixed_bucket_name_shared_by_environments_fails(tmp_path):
    data = env_spec(dev={}, prod={}, test={"storage": {"checkpoint_bucket": {"bucket_name": "demo-test-ckpt"}}})
    data["storage"] = {"checkpoint_bucket": {"bucket_name": "demo-ckpt"}}
    (line, *_) = fails_cleanly(tmp_path, write(tmp_path, data))
    assert line == (
        "error UF-STO-017 storage.checkpoint_bucket.bucket_name: 'demo-ckpt' would be created by environments dev, "
        "prod, but a bucket name is global; set a different bucket_name in each environment, or leave it out for "
        "generated names"
    )


def test_an_account_without_a_zone_lookup_fails_validate(tmp_path):
    (line, *_) = fails_cleanly(tmp_path, write(tmp_path, spec_dict(account="999988887777")))
    assert line == (
        "error UF-PLC-007 account: '999988887777': cdk.json has no zone lookup for this account in us-east-1 "
        "(context key availability-zones:account=999988887777:region=us-east-1), so an offline synth cannot place "
        "subnets; add the key with the account's zone names (aws ec2 describe-availability-zones), or leave "
        "account out"
    )
    (line, *_) = fails_cleanly(
        tmp_path, write(tmp_path, spec_dict(account="123456789012", availability_zones=["us-east-1g"]))
    )
    assert line.startswith("error UF-PLC-008 availability_zones[0]: 'us-east-1g' is not among account 123456789012's")


def test_p5_extra_ena_room_names_its_cards():
    assert findings_of(spec_dict(fleets=[fleet(extra_ena_interfaces=8)])) == [
        "error UF-EFA-003 fleets[0].extra_ena_interfaces: 8: p5.48xlarge has room for 7 extra ENA interfaces (device "
        "1 of cards 4, 8, 12, 16, 20, 24, 28); use at most 7"
    ]
