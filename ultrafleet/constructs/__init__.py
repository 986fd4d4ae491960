"""Reusable L3 constructs. Each owns one concern and takes CDK objects (IVpc, ISecurityGroup, IRole)."""
