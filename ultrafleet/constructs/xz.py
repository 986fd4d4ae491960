"""xz compression for what ships inside user data (the boot script's wrapper, the health scripts' tar).

xz's default preset (6) with a 1 MiB dictionary instead of its 8 MiB: "it is useless to use a dictionary bigger
than the uncompressed file" (xz(1), "-0 ... -9"), and what fits in EC2's 16 KB of user data is far below 1 MiB
uncompressed. On these scripts it writes streams as small as preset 9e's (tests/test_node_health_scripts.py
compares) in a fraction of the time: 9e with its 64 MiB dictionary took about 40 ms per call, two calls per fleet,
a third of a 64-fleet synth (issue 17); this takes about 3 ms.
"""

from __future__ import annotations

import base64
import lzma

DICTIONARY_BYTES = 1 << 20
FILTERS = [{"id": lzma.FILTER_LZMA2, "preset": 6, "dict_size": DICTIONARY_BYTES}]
LINE_WIDTH = 76
"""GNU base64's own line width; `base64 -d` reads any."""


def compress(data: bytes) -> bytes:
    """``data`` as an .xz stream (CRC64 check, as `xz` writes by default)."""
    return lzma.compress(data, format=lzma.FORMAT_XZ, filters=FILTERS)


def base64_lines(data: bytes) -> str:
    """``data`` xz-compressed, then base64 in lines of LINE_WIDTH characters (a heredoc for `base64 -d | xz -d`)."""
    text = base64.b64encode(compress(data)).decode()
    return "\n".join(text[i : i + LINE_WIDTH] for i in range(0, len(text), LINE_WIDTH))
