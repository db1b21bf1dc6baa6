"""Atomic file writes: a temporary file in the same folder, then one rename.

An interrupted write leaves the previous file (or folder) whole.

    >>> atomic_write_text("out/mapping.json", "{}")   # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import tempfile

FILE_MODE, FOLDER_MODE = 0o644, 0o755  # readable by a server running as another user


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old or the new file, never half."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, FILE_MODE)
        os.replace(temporary, path)
    except BaseException:
        pathlib.Path(temporary).unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """`atomic_write_bytes` for UTF-8 text."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | os.PathLike, value) -> None:
    """Write ``value`` as indented JSON, atomically."""
    atomic_write_text(path, json.dumps(value, indent=2, sort_keys=False) + "\n")


def _old_copy(target: pathlib.Path) -> pathlib.Path:
    return target.with_name(f".{target.name}.old")


def recover_folder(target: str | os.PathLike) -> None:
    """Put back the previous ``target`` if a swap was interrupted between its two renames."""
    target = pathlib.Path(target)
    if not target.exists() and _old_copy(target).is_dir():
        os.replace(_old_copy(target), target)


def replace_folder(staging: pathlib.Path, target: pathlib.Path) -> None:
    """Swap a fully written ``staging`` folder into ``target`` (old one removed after).

    Between the two renames the previous folder lives at ``.<name>.old``; `recover_folder`
    (called here first, and by readers) puts it back if a run died just there.
    """
    target = pathlib.Path(target)
    recover_folder(target)
    old = _old_copy(target)
    if old.exists():
        shutil.rmtree(old)
    os.chmod(staging, FOLDER_MODE)
    if target.exists():
        os.replace(target, old)
    os.replace(staging, target)
    if old.exists():
        shutil.rmtree(old)


def staging_folder(target: pathlib.Path) -> pathlib.Path:
    """A fresh empty folder beside ``target`` to build into before `replace_folder`."""
    target = pathlib.Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    return pathlib.Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"))
