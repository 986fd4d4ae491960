"""Topology files from EC2's network tree (DescribeInstanceTopology). See model, fetch and render."""
