"""Atomic, durable file replacement: after a crash a file is whole, old or new, never half.

One rule for every file camupload keeps (spool entries, archived frames, last frames): the
data goes to a temporary file in the target's folder, which is flushed and fsynced, renamed
over the target, and the folder is fsynced so that the rename itself survives a power cut.
A failed write removes its temporary file; one left by a crash is recognised by its name.
"""

import os
import tempfile
from pathlib import Path

TEMP_PREFIX = "."  # hidden: listings of a folder skip it
TEMP_SUFFIX = ".tmp"


def is_temporary(name: str) -> bool:
    """Whether a file name is one write_atomically gives its temporary files."""
    return name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX)


def write_atomically(path: Path, data: bytes) -> None:
    """Replace path's content with data, durably (blocking: call it off the event loop).

    Readers see the old file or the new one, never a part; once this returns, the new one
    survives a crash. The folder must exist (make_folders creates it durably).
    """
    fd, temp_name = tempfile.mkstemp(
        dir=path.parent, prefix=f"{TEMP_PREFIX}{path.name}.", suffix=TEMP_SUFFIX
    )
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        temp.replace(path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _fsync_folder(path.parent)


def make_folders(folder: Path) -> None:
    """Create folder and its missing parents durably (blocking: call it off the event loop).

    A new folder is an entry of its parent: each created level's parent is fsynced, so that
    a file written into it by write_atomically is not lost with its folder in a power cut.
    An existing folder costs one stat.
    """
    if folder.is_dir():
        return
    missing: list[Path] = []
    level = folder
    while not level.exists():
        missing.append(level)
        level = level.parent
    for new in reversed(missing):
        try:
            new.mkdir()
        except FileExistsError:
            continue  # made meanwhile by another writer, which syncs it
        _fsync_folder(new.parent)


def _fsync_folder(folder: Path) -> None:
    # The rename is an entry of the folder: durable only once the folder is synced.
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
