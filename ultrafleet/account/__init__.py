"""The commands that read or change a live AWS account before (or instead of) synth: credentials,
cost-allocation tag activation and ``preflight``. Synthesis never imports this package."""
