"""Write docs/validation-codes.md: every stable code (UF-*) ultrafleet emits, read from the code base.

For each code: its level, the field path and message it is reported with (the message's literal text, with
``…`` where a value is filled in at run time), and the module that emits it. The few codes reported through a
variable rather than a literal call are described in READ_BY_HAND; tests/test_validation_codes.py fails when a
code appears in ultrafleet/ that the page does not list, or when the page is out of date.

    python scripts/gen_validation_codes.py          # write the page
    python scripts/gen_validation_codes.py --check  # exit 1 when the committed page differs
"""

from __future__ import annotations

import ast
import functools
import re
import sys
from collections import defaultdict
from pathlib import Path

from ultrafleet import catalog

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "ultrafleet"
PAGE = ROOT / "docs" / "validation-codes.md"
REGENERATE = "python scripts/gen_validation_codes.py"
CODE = re.compile(r"\bUF-(?:[A-Z]+-\d{3}|R\d{3})\b")

# family: (what it checks, the command that reports it, the page that explains it)
FAMILIES = {
    "SPEC": (
        "the file and its structure: YAML, unknown and missing fields, names, ids, zones, CIDRs, environments",
        "validate",
        "spec-reference.md",
    ),
    "TYPE": ("a known instance or UltraServer type, sized correctly", "validate", "ultraservers.md"),
    "EFA": (
        "EFA only on EFA types, extra ENA interfaces that fit the cards, the EFA interface type",
        "validate",
        "fleets-and-efa.md",
    ),
    "CAP": (
        "capacity: Spot only for inference, UltraServers and Capacity Block-only types, block sizes",
        "validate",
        "fleets-and-efa.md",
    ),
    "PLC": ("zones and placement groups", "validate", "validation-limits.md"),
    "AMI": ("an explicit AMI states its architecture and matches the type", "validate", "fleets-and-efa.md"),
    "NET": ("subnets and VPC large enough; an existing VPC's subnets", "validate", "schedulers.md"),
    "INF": ("inference settings, the load balancer's certificate and listener rules", "validate", "inference.md"),
    "STO": (
        "the checkpoint tier: Lustre, bucket lifecycle, NVMe drain, express bucket, names and mount paths",
        "validate",
        "checkpoint-tier.md",
    ),
    "TAG": ("tags AWS accepts", "validate", "validation-limits.md"),
    "LCY": ("node health and lifecycle settings", "validate", "node-lifecycle.md"),
    "SCHED": ("fleets an EKS or AWS PCS cluster runs", "validate", "schedulers.md"),
    "GOV": ("permissions boundary, role name prefix and budget", "validate", "landing-zone.md"),
    "PIPE": (
        "the pipeline section and the environments it deploys",
        "validate, workflow",
        "environments-and-pipelines.md",
    ),
    "QUOTA": ("CloudFormation's per-stack and CloudWatch's per-dashboard quotas", "validate, plan", "scale.md"),
    "WORK": ("the workload section the cost plan prices", "validate, cost", "cost.md"),
    "COST": ("price tables", "cost, report", "cost.md"),
    "LOCK": ("the AMI lock file", "lock, synth, diff", "landing-zone.md"),
    "PRE": (
        "preflight against a live account: quotas, reservations, offerings, a launch dry run",
        "preflight",
        "landing-zone.md",
    ),
    "DIFF": ("changes a deploy would make to stateful resources", "diff", "environments-and-pipelines.md"),
    "TOPO": ("EC2 instance topology input", "topology", "topology.md"),
    "R": ("ultrafleet's rule pack over synthesized templates", "check", "testing-without-aws.md"),
}

# Hand-written: what a reader needs before the tables.
PROLOGUE = """\
`ultrafleet validate SPEC` prints every finding; errors exit 2 and nothing is written, warnings do not fail.
Each finding names the field, the value, what is allowed and the fix, with a stable code:

```
{examples}
```

Validate also enforces the AWS limits that synth or CloudFormation would otherwise reject (tags, bucket names,
listener rules, zones of the region and of the account's lookup, certificates, spread placement, warm pools, mount
paths) and refuses hostile files (repeated keys, alias bombs, non-UTF-8) with a bounded, escaped message: see
[validation-limits.md](validation-limits.md) for every code and its AWS source.

A spec whose shared storage or observability stack would exceed CloudFormation's per-stack quotas (500 resources,
200 outputs, 200 parameters) or CloudWatch's 500 widgets per dashboard fails validate (UF-QUOTA-001..005; about 99
small training fleets today); `plan` shows the counts: see [scale.md](scale.md).
"""
EXAMPLES = (
    "error UF-TYPE-001 fleets[0].instance_type: 'p6-b200.48xlarg' is not a known instance type; did you mean "
    "'p6-b200.48xlarge'?",
    "error UF-CAP-002 fleets[1].capacity.type: on-demand: UltraServers (u-p6e-gb200x72) are sold only as Capacity "
    "Blocks; use capacity-block with the block's reservation_id",
    "warning UF-EFA-002 fleets[0].efa: false: p5.48xlarge supports 32 EFA interfaces; collective traffic will use TCP "
    "over ENA",
)

# Codes whose level or message the code passes through a variable, described here: (level, field, message).
READ_BY_HAND = {
    "UF-QUOTA-001": (
        "error",
        "fleets",
        "… fleets: stack … would hold … resources; CloudFormation allows 500 resources per stack …",
    ),
    "UF-QUOTA-002": (
        "error",
        "fleets",
        "… fleets: stack … would hold … outputs; CloudFormation allows 200 outputs per stack …",
    ),
    "UF-QUOTA-003": (
        "error",
        "fleets",
        "… fleets: stack … would hold … parameters; CloudFormation allows 200 parameters per stack …",
    ),
    "UF-QUOTA-004": (
        "error",
        "fleets",
        "… fleets: stack … would hold … dashboard widgets; CloudWatch allows 500 widgets per dashboard …",
    ),
    "UF-COST-101": (
        "warning",
        "prices",
        "the table was taken …, … days ago (over …); Capacity Block rates move monthly: rebuild it "
        "(scripts/build_price_tables.py) or pass --prices",
    ),
}
# What a code means, where its message's fixed text says too little on its own.
MEANINGS = {
    "UF-SPEC-000": "the file cannot be read as a spec: unreadable, over 1 MiB, not UTF-8, invalid or hostile YAML, "
    "not a mapping",
    "UF-SPEC-001": "a field's value is refused by the spec model (type, range, pattern or the field's own check)",
    "UF-SPEC-003": "a required field is missing from the spec",
    "UF-SPEC-012": "`--env` or `-c env=` names an environment the spec does not define",
    "UF-TYPE-001": "an unknown instance or UltraServer type, with the nearest known name",
    "UF-AMI-003": "the explicit AMI's architecture differs from the instance type's",
    "UF-CAP-005": "a fleet on a Capacity Block larger than one block holds "
    f"({catalog.capacity_block_max_instances()} instances, from the catalog overlay)",
    "UF-AMI-002": "an explicit AMI without its architecture (p6e-gb200 is arm64)",
    "UF-PLC-005": "a placement strategy the instance type does not support",
    "UF-WORK-002": "a training run names an inference fleet, or an inference route a training fleet",
    "UF-COST-001": "a price table that cannot be read, is not YAML, or fails its schema (a price of zero or less)",
    "UF-LOCK-002": "the AMI lock file belongs to another spec",
    "UF-PRE-003": "a fleet's Capacity Reservation or Block is unknown, unusable for the fleet, or ends within a day",
    "UF-PRE-005": "the launch dry run (RunInstances with DryRun) of a fleet's launch template failed",
    "UF-TOPO-001": "the topology input cannot be read or is not DescribeInstanceTopology's JSON",
    "UF-TOPO-002": "an instance in the topology input lacks InstanceId, InstanceType, NetworkNodes or AvailabilityZone",
    "UF-TOPO-003": "the topology source holds no running instances",
}
RULE_LEVELS_FROM = PACKAGE / "rules" / "__init__.py"


def _text(node: ast.expr | None) -> str:
    """The literal text of a message expression, ``…`` for what is computed at run time."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(_text(part) if isinstance(part, ast.Constant) else "…" for part in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _text(node.left) + _text(node.right)
    return "…"


def _code(node: ast.expr | None, constants: dict[str, str]) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and CODE.fullmatch(node.value):
        return node.value
    if isinstance(node, ast.Name) and node.id in constants:
        return constants[node.id]
    return None


def _rule_levels() -> dict[str, str]:
    """Each rule module's level in the pack (rules/__init__.py): module name -> error or warning."""
    tree = ast.parse(RULE_LEVELS_FROM.read_text())
    levels = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Tuple) and len(node.elts) == 2 and isinstance(node.elts[0], ast.Attribute):
            rule, level = node.elts
            if isinstance(rule.value, ast.Name) and isinstance(level, ast.Attribute):
                levels[rule.value.id] = level.attr.lower()
    return levels


@functools.cache
def emitted() -> dict[str, dict[str, set[str]]]:
    """code -> {"levels", "fields", "messages", "modules"}, from every call in ultrafleet/ that reports one."""
    found: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    rule_levels = _rule_levels()
    for file in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(file.read_text())
        module = str(file.relative_to(PACKAGE))
        constants = {
            t.id: n.value.value
            for n in tree.body
            if isinstance(n, ast.Assign) and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)
            for t in n.targets
            if isinstance(t, ast.Name) and CODE.fullmatch(n.value.value)
        }
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            kwargs = {k.arg: k.value for k in node.keywords}
            code = _code(node.args[0] if node.args else kwargs.get("code", kwargs.get("id")), constants)
            if code is None:
                continue
            entry = found[code]
            entry["modules"].add(module)
            if name in ("error", "warning", "report") and len(node.args) >= 3:
                # `report` is error, or warning when the user passed --allow-replacement
                entry["levels"].add(name if name != "report" else "error (warning with --allow-replacement)")
                entry["fields"].add(_text(node.args[1]))
                entry["messages"].add(_text(node.args[2]))
            elif name == "Result":
                level = kwargs.get("level")
                if isinstance(level, ast.Constant) and level.value != "ok":
                    entry["levels"].add(level.value)
                    entry["fields"].add(_text(kwargs.get("subject")))
                    entry["messages"].add(_text(kwargs.get("message")))
            elif name == "Rule":
                entry["levels"].add(rule_levels[file.stem])
                entry["fields"].add("<stack>/<logical id>")
                entry["messages"].add("(resource type): " + _text(kwargs.get("description")))
    for code, (level, field, message) in READ_BY_HAND.items():
        found[code]["levels"].add(level)
        found[code]["fields"].add(field)
        found[code]["messages"].add(message)
    return found


def mentioned() -> set[str]:
    """Every code written anywhere in ultrafleet/ (the page must list each)."""
    return {c for f in PACKAGE.rglob("*") if f.suffix in (".py", ".j2", ".yaml") for c in CODE.findall(f.read_text())}


def family(code: str) -> str:
    return code.split("-")[1] if code.count("-") == 2 else "R"


def _cell(values: set[str]) -> str:
    text = " / ".join(sorted(v for v in values if v)) or ""
    return text.replace("|", "\\|").replace("\n", " ")


def render() -> str:
    codes = emitted()
    lines = [
        "# Validation codes",
        "",
        "Every stable code ultrafleet reports, with its level (an error exits 2 and writes nothing, or 1 for `check`",
        "and `diff`; a warning informs), the field it names and the message's fixed text (`…` is filled in with",
        "the value, what is allowed and the fix). Generated from the code base by",
        f"`{REGENERATE}`; a test fails when a code is missing or the page is out of date. AWS's",
        "sources for the limits: [validation-limits.md](validation-limits.md) and each family's page.",
        "",
        PROLOGUE.format(examples="\n".join(EXAMPLES)),
        "| family | checks | reported by | explained in |",
        "| --- | --- | --- | --- |",
    ]
    families = sorted({family(c) for c in codes}, key=list(FAMILIES).index)
    for name in families:
        what, command, page = FAMILIES[name]
        prefix = "UF-R" if name == "R" else f"UF-{name}"
        lines.append(f"| [{prefix}](#{prefix.lower()}) | {what} | `{command}` | [{Path(page).name}]({page}) |")
    for name in families:
        prefix = "UF-R" if name == "R" else f"UF-{name}"
        lines += [
            "",
            f"## {prefix}",
            "",
            "| code | level | field | message | emitted in |",
            "| --- | --- | --- | --- | --- |",
        ]
        for code in sorted(c for c in codes if family(c) == name):
            entry = codes[code]
            modules = " ".join(f"`{m}`" for m in sorted(entry["modules"])) or "(see above)"
            message = _cell(entry["messages"])
            if code in MEANINGS:
                message = f"{MEANINGS[code]} (message: {message})"
            cells = [code, _cell(entry["levels"]), _cell({f"`{f}`" for f in entry["fields"]}), message]
            lines.append("| " + " | ".join([*cells, modules]) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    text = render()
    if "--check" in sys.argv:
        sys.exit(0 if PAGE.read_text() == text else f"{PAGE} is out of date; run {REGENERATE}")
    PAGE.write_text(text)
    print(f"wrote {PAGE.relative_to(ROOT)}")
