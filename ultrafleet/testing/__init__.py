"""Test ultrafleet stacks without an AWS account: an honest moto harness (see ``harness``)."""
