"""How app.py, the in-process synth and the bench's baseline apps make their ``cdk.App``; a module of its own that
imports nothing, so that an app which needs no ultrafleet (bench/empty_app.py) can share it without importing
ultrafleet's stacks.

No tree.json: nothing reads it (the CLI deploys and diffs from the templates and the manifest), and writing it
resolved every resource's properties a second time, about a fifth of the CDK's own synthesis of a many-fleet spec
(docs/speed.md).
"""

APP_CONTEXT = {"aws:cdk:disable-creation-stack-traces": True}
"""Context the app gives itself, beneath the CLI's. No creation stacks: the CDK captured a stack trace for every
resource it created (aws-cdk-lib's cx-api ``DISABLE_CREATION_STACK_TRACES``, read by ``CfnElement`` and ``Stack``),
which for a Python app stops in the jsii kernel and which nothing reads (docs/speed.md). Set here because the CLI
keeps ``aws:`` keys for itself: it warns about one in cdk.json ("A reserved context key") and refuses one in
``-c`` ("User-provided context cannot use keys prefixed with 'aws:'")."""


def app_options(context: dict | None = None) -> dict:
    """``cdk.App``'s keyword arguments: no tree.json, and ``context`` (the CLI's, for the in-process synth) over
    APP_CONTEXT."""
    return {"tree_metadata": False, "context": APP_CONTEXT | (context or {})}
