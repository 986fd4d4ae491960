"""Every shipped spec's real cloud assembly deployed into moto (CreateStack per stack, in dependency order): a spec
the suite never deploys can hide what AWS refuses (a warm pool on a Spot group did). The specs' stack names do not
overlap, so they share one moto account. The reference spec is deployed and inspected in test_moto_deploy.py, and
by the real CLI (deploy and redeploy) in test_cdk_cli_deploy.py; the specs that join an existing VPC (the scheduler
specs) are deployed in test_scheduler_deploy.py, into a moto account seeded with that VPC and its subnets."""

from __future__ import annotations

import pytest
import yaml

from conftest import SPECS
from ultrafleet.testing.harness import MotoCloud

OTHERS = [
    s.stem
    for s in SPECS
    if s.stem != "reference" and "existing_vpc" not in yaml.safe_load(s.read_text()).get("network", {})
]


def test_every_shipped_spec_is_deployed_somewhere():
    from test_scheduler_deploy import SCHEDULER_SPECS

    assert sorted([*OTHERS, "reference", *SCHEDULER_SPECS]) == sorted(s.stem for s in SPECS)


@pytest.fixture(scope="module")
def deployed(cli_assemblies):
    with MotoCloud() as cloud:
        yield {stem: cloud.deploy_assembly(cli_assemblies[stem]) for stem in OTHERS}


@pytest.mark.parametrize("stem", OTHERS)
def test_shipped_spec_deploys_every_resource(stem, deployed, cli_synth):
    assert sorted(deployed[stem]) == sorted(cli_synth[stem])
    for name, template in cli_synth[stem].items():
        assert sorted(deployed[stem][name].resources) == sorted(template["Resources"])
