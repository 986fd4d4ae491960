"""Planning: pure numbers derived from a validated spec and the catalog. Imports no CDK."""
