"""Planning: pure numbers derived from a validated spec and the catalog. Imports no CDK.

``plan(spec)`` computes the whole :class:`DeploymentPlan` once; validation, the CLI and the stacks take its parts.
"""

from ultrafleet.planning.deployment_plan import DeploymentPlan, FleetPlan, plan

__all__ = ["DeploymentPlan", "FleetPlan", "plan"]
