"""Which roots live on network (or FUSE) file systems, where inotify does not see changes.

inotify only reports changes made through this machine's kernel: edits on a NAS made by another
computer never arrive, so those roots are polled instead. Linux only (/proc/mounts); elsewhere
nothing is detected and the native observer is used.
"""
from __future__ import annotations

import os
import re

NETWORK_FS_TYPES: frozenset[str] = frozenset(
    {
        "nfs", "nfs4", "cifs", "smb", "smb2", "smb3", "smbfs", "sshfs", "9p", "afs", "ceph", "glusterfs",
        "davfs", "ncpfs", "lustre", "gpfs", "beegfs", "vboxsf", "vmhgfs", "fuse",
    }
)
MOUNTS_FILE = "/proc/mounts"


def _unescape(field: str) -> str:
    """/proc/mounts writes space, tab, newline and backslash in paths as octal escapes (\\040)."""
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def fs_type(path: str, mounts_file: str = MOUNTS_FILE) -> str | None:
    """File system type of the mount that holds `path` (the longest matching mount point)."""
    try:
        with open(mounts_file, encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    target = os.path.realpath(path)
    best, best_type = "", None
    for line in lines:
        parts = line.split()
        if len(parts) < 3:
            continue
        point, kind = _unescape(parts[1]), parts[2]
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, best_type = point, kind
    return best_type


def is_network_fs(kind: str | None) -> bool:
    """NFS, SMB, sshfs and FUSE mounts (except fuseblk: a local disk such as NTFS through ntfs-3g)."""
    if kind is None:
        return False
    return kind in NETWORK_FS_TYPES or (kind.startswith("fuse.") and kind != "fuseblk")


def on_network_mount(path: str, mounts_file: str = MOUNTS_FILE) -> bool:
    return is_network_fs(fs_type(path, mounts_file))
