"""How app.py, the in-process synth and the bench's baseline apps make their ``cdk.App``; a module of its own that
imports nothing, so that an app which needs no ultrafleet (bench/empty_app.py) can share it without importing
ultrafleet's stacks.

No tree.json: nothing reads it (the CLI deploys and diffs from the templates and the manifest), and writing it
resolved every resource's properties a second time, about a fifth of the CDK's own synthesis of a many-fleet spec
(docs/speed.md).
"""

APP_OPTIONS = {"tree_metadata": False}
