"""pytest plugin (registered as ``ultrafleet`` under pytest11): the ``moto_cloud`` fixture.

def test_my_spec_deploys(moto_cloud):
    moto_cloud.deploy_assembly(Path("cdk.out"))   # raises DeployError on any skip or failure
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ultrafleet.testing.harness import MotoCloud


@pytest.fixture
def moto_cloud() -> Iterator[MotoCloud]:
    """A fresh in-process AWS with ultrafleet's moto extensions (account 123456789012, us-east-1)."""
    with MotoCloud() as cloud:
        yield cloud
