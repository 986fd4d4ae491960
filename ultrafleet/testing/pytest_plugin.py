"""pytest plugin (registered as ``ultrafleet`` under pytest11): the ``moto_cloud`` fixture.

def test_my_spec_deploys(moto_cloud):
    moto_cloud.deploy_assembly(Path("cdk.out"))   # raises DeployError on any skip or failure

pytest loads every installed plugin at start-up, so this module imports nothing beyond pytest: moto comes with
the ``testing`` extra (``pip install ultrafleet[testing]``) and is imported only when a test asks for the fixture.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from ultrafleet.testing.harness import MotoCloud


@pytest.fixture
def moto_cloud() -> Iterator[MotoCloud]:
    """A fresh in-process AWS with ultrafleet's moto extensions (account 123456789012, us-east-1)."""
    try:
        from ultrafleet.testing.harness import MotoCloud
    except ModuleNotFoundError as exc:
        message = f"moto_cloud needs {exc.name}: pip install 'ultrafleet[testing]'"
        raise pytest.fail.Exception(message, pytrace=False) from None
    with MotoCloud() as cloud:
        yield cloud
