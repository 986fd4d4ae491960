"""Keep a boot script inside EC2's user data limit: "User data is limited to 16 KB, in raw form, before it is
base64-encoded" (Amazon EC2 User Guide, "Run commands when you launch an EC2 instance with user data input").

A script that could exceed it (counting every @@NAME@@ deploy-time value at 64 bytes) is shipped xz-compressed
inside a small wrapper, which unpacks it to /var/lib/ultrafleet/node-init.sh, fills in the deploy-time values with
sed and runs it. The @@NAME@@ marks stay in the wrapper's sed expressions, so ``user_data.fill`` still joins the
values in at synth; the pattern side is written ``@@NAME@[@]`` so fill leaves it alone.
"""

from __future__ import annotations

import base64
import lzma

from ultrafleet.constructs import xz
from ultrafleet.constructs.user_data import PLACEHOLDER

USER_DATA_LIMIT_BYTES = 16 * 1024
VALUE_BYTES = 64
"""Room counted for each deploy-time value (bucket names are at most 63 characters, DNS names shorter here)."""
UNPACKED = "/var/lib/ultrafleet/node-init.sh"
WRAPPER_HEAD = "#!/bin/bash\n# ultrafleet boot script, xz-compressed"


def worst_case_bytes(script: str) -> int:
    names = PLACEHOLDER.findall(script)
    return len(PLACEHOLDER.sub("", script).encode()) + VALUE_BYTES * len(names)


def fit(script: str) -> str:
    """The script itself when it fits in user data at its longest, else the compressed wrapper."""
    if worst_case_bytes(script) <= USER_DATA_LIMIT_BYTES:
        return script
    names = sorted(set(PLACEHOLDER.findall(script)))
    fills = " | sed" + "".join(f" -e 's|@@{n}@[@]|@@{n}@@|g'" for n in names) if names else ""
    return (
        WRAPPER_HEAD + ": in full it would exceed EC2's 16 KB of user data.\n"
        f"# Unpacked to {UNPACKED} with its deploy-time values filled in, then run.\n"
        "set -euo pipefail\n"
        f'unpacked="${{ULTRAFLEET_UNPACK_TO:-{UNPACKED}}}"\n'
        'mkdir -p "$(dirname "$unpacked")"\n'
        f"base64 -d <<'PAYLOAD' | xz -dc{fills} > \"$unpacked\"\n"
        + xz.base64_lines(script.encode())
        + '\nPAYLOAD\nexec bash "$unpacked"\n'
    )


def unpack(text: str) -> str:
    """The full script inside a wrapper made by ``fit`` (its values still @@NAME@@ marks), else the text; for
    tests and reviews."""
    if not text.startswith(WRAPPER_HEAD):
        return text
    body = text.split("<<'PAYLOAD'", 1)[1].split("\n", 1)[1].split("\nPAYLOAD\n", 1)[0]
    return lzma.decompress(base64.b64decode(body.replace("\n", ""))).decode()
