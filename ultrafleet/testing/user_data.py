"""Read a synthesized launch template's user data back as text, for tests."""

from __future__ import annotations

import json
from typing import Any

from ultrafleet.constructs.boot_script import unpack


def _text(part: Any, token: str | None) -> str:
    if isinstance(part, str):
        return part
    if "Fn::Base64" in part:
        return _text(part["Fn::Base64"], token)
    if "Fn::Join" in part:
        return "".join(_text(p, token) for p in part["Fn::Join"][1])
    return token if token is not None else json.dumps(part)


def joined(launch_template_data: dict, token: str | None = None) -> str:
    """The user data as EC2 receives it: literal parts as they are, deploy-time values as their JSON (or
    ``token``)."""
    return _text(launch_template_data["UserData"], token)


def user_data_text(launch_template_data: dict) -> str:
    """``joined``; a compressed boot script (constructs/boot_script.py) follows its wrapper, unpacked, with its
    values as @@NAME@@ marks."""
    text = joined(launch_template_data)
    script = unpack(text)
    return text if script == text else f"{text}\n{script}"
