"""Keeps each receiver camera's last frame on disk so it survives a restart.

Synchronous by design: the hub calls these functions in an executor.
"""

import json
import os
import tempfile
from datetime import datetime
from pathlib import Path

from .camera_feed import LatestFrame


def write_atomically(path: Path, data: bytes) -> None:
    """Write data so that readers see the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        Path(temp).replace(path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


class LastFrameStore:
    """One JPEG and one small JSON description per camera, in one folder."""

    def __init__(self, folder: Path) -> None:
        """Keep frames under folder."""
        self.folder = folder

    def _paths(self, key: str) -> tuple[Path, Path]:
        return self.folder / f"{key}.jpg", self.folder / f"{key}.json"

    def save(self, key: str, frame: LatestFrame) -> None:
        """Store a camera's frame, replacing the previous one."""
        image, meta = self._paths(key)
        write_atomically(image, frame.data)
        description = {
            "received_at": frame.received_at.isoformat(),
            "source": frame.source,
            "file_name": frame.file_name,
        }
        write_atomically(meta, json.dumps(description).encode())

    def load(self, key: str) -> LatestFrame | None:
        """The stored frame of a camera, or None when there is none (or it is unreadable)."""
        image, meta = self._paths(key)
        try:
            data = image.read_bytes()
            description = json.loads(meta.read_text(encoding="utf-8"))
            return LatestFrame(
                data=data,
                received_at=datetime.fromisoformat(description["received_at"]),
                source=description.get("source"),
                file_name=description.get("file_name"),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def keep_only(self, keys: set[str]) -> None:
        """Forget the frames of cameras that no longer exist."""
        if not self.folder.is_dir():
            return
        for path in self.folder.iterdir():
            if path.suffix in (".jpg", ".json") and path.stem not in keys:
                path.unlink(missing_ok=True)
