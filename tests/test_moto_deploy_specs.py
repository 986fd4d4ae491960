"""Every shipped spec's real cloud assembly deployed into moto (CreateStack per stack, in dependency order): a spec
the suite never deploys can hide what AWS refuses (a warm pool on a Spot group did). The specs' stack names do not
overlap, so they share one moto account. The reference spec is deployed and inspected in test_moto_deploy.py, and
by the real CLI (deploy and redeploy) in test_cdk_cli_deploy.py."""

from __future__ import annotations

import pytest

from conftest import SPECS
from ultrafleet.testing.harness import MotoCloud

OTHERS = [s.stem for s in SPECS if s.stem != "reference"]


@pytest.fixture(scope="module")
def deployed(cli_assemblies):
    with MotoCloud() as cloud:
        yield {stem: cloud.deploy_assembly(cli_assemblies[stem]) for stem in OTHERS}


@pytest.mark.parametrize("stem", OTHERS)
def test_shipped_spec_deploys_every_resource(stem, deployed, cli_synth):
    assert sorted(deployed[stem]) == sorted(cli_synth[stem])
    for name, template in cli_synth[stem].items():
        assert sorted(deployed[stem][name].resources) == sorted(template["Resources"])
