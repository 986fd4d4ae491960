"""UF-R004: a launch template that uses EFA attaches every EFA interface the type has (the catalog's maximum);
one missing interface silently costs that card's share of the network."""

from __future__ import annotations

from typing import Any

from ultrafleet import catalog
from ultrafleet.rules.base import App, Compliance, Rule


def check(stack: str, logical_id: str, resource: dict[str, Any], app: App) -> Compliance:
    if resource["Type"] != "AWS::EC2::LaunchTemplate":
        return Compliance.NOT_APPLICABLE
    data = resource["Properties"]["LaunchTemplateData"]
    efa = [i for i in data.get("NetworkInterfaces", []) if i.get("InterfaceType") in ("efa", "efa-only")]
    itype = catalog.instance_types().get(data.get("InstanceType", ""))
    if not efa or itype is None:
        return Compliance.NOT_APPLICABLE
    return Compliance.COMPLIANT if len(efa) == itype.max_efa_interfaces else Compliance.NON_COMPLIANT


RULE = Rule(id="UF-R004", description="EFA launch templates attach the type's full EFA interface count", check=check)
