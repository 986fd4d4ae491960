"""Mount paths that leave the operating system alone: NVMe and Lustre mount over an empty directory of their own.

Mounting over ``/`` or a system directory (``/etc``, ``/usr``, ...) hides what the system boots and runs from
(Filesystem Hierarchy Standard 3.0, sections 3 and 4, https://refspecs.linuxfoundation.org/FHS_3.0/fhs-3.0.html);
the node would not come up healthy. A mount path must also be normalized (no ``..``, ``.`` or empty parts) so
that what is checked is what gets mounted.
"""

from __future__ import annotations

from ultrafleet.findings import Finding, error, excerpt
from ultrafleet.spec.models import Spec

SYSTEM_TREES = ("/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/proc", "/run", "/sbin", "/sys", "/usr")
"""Mounting at or anywhere below these hides or shadows system files."""
SYSTEM_DIRECTORIES = ("/", "/home", "/mnt", "/opt", "/root", "/srv", "/tmp", "/var")
"""Mounting exactly here hides what they hold (below them is fine: /opt/dlami/nvme, /mnt/data)."""


def problem(mount_path: str) -> str | None:
    parts = mount_path.split("/")[1:]
    if mount_path != "/" and any(p in ("", ".", "..") for p in parts):
        return "is not a normalized absolute path (no empty, . or .. parts, no trailing /)"
    tree = next((t for t in SYSTEM_TREES if mount_path == t or mount_path.startswith(t + "/")), None)
    if tree:
        return f"is inside the system directory {tree}"
    if mount_path in SYSTEM_DIRECTORIES:
        return "is a system directory"
    return None


def check(spec: Spec) -> list[Finding]:
    mounts = []
    if spec.storage.nvme_cache:
        mounts.append(("storage.nvme_cache.mount_path", spec.storage.nvme_cache.mount_path, "/opt/dlami/nvme"))
    if spec.storage.lustre:
        mounts.append(("storage.lustre.mount_path", spec.storage.lustre.mount_path, "/fsx"))
    out = []
    for path, mount_path, default in mounts:
        why = problem(mount_path)
        if why:
            out.append(
                error(
                    "UF-STO-018",
                    path,
                    f"{excerpt(mount_path)} {why}; mounting there would hide the node's own files; use a directory of "
                    f"its own such as {default}",
                )
            )
    if len(mounts) == 2 and mounts[0][1] == mounts[1][1]:
        out.append(
            error(
                "UF-STO-018",
                mounts[1][0],
                f"{excerpt(mounts[1][1])} is the NVMe cache's mount path too; give Lustre its own, such as /fsx",
            )
        )
    return out
