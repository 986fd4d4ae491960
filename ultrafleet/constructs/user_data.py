"""Put deploy-time values (CDK tokens) into a rendered script without Fn::Sub, so bash keeps its ${...}.

Templates mark a value as @@NAME@@; ``fill`` puts the values' tokens into the text there, and the CDK renders the
text as an Fn::Join of its pieces, as ``Fn.join`` would, without a jsii round trip.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

PLACEHOLDER = re.compile(r"@@([A-Z][A-Z0-9_]*)@@")


def fill(text: str, values: Mapping[str, str]) -> str:
    """The script with every @@NAME@@ replaced; a placeholder without a value is an error."""
    missing = sorted(set(PLACEHOLDER.findall(text)) - set(values))
    if missing:
        raise KeyError(f"no value for placeholders {missing}")
    return PLACEHOLDER.sub(lambda mark: values[mark.group(1)], text)
