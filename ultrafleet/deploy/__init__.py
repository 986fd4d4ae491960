"""What runs around ``cdk synth`` and ``cdk deploy``: the pinned CDK CLI, reading cloud assemblies, the
replacement guard behind ``ultrafleet diff`` and the GitHub Actions workflow."""
