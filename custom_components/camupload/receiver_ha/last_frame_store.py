"""Keeps each receiver camera's last frame on disk so it survives a restart.

Synchronous by design: the hub calls these functions in an executor.
"""

import json
from datetime import datetime
from pathlib import Path

from custom_components.camupload.shared.atomic_file import (
    is_temporary,
    make_folders,
    write_atomically,
)
from custom_components.camupload.shared.frame import Frame


class LastFrameStore:
    """One JPEG and one small JSON description per camera, in one folder."""

    def __init__(self, folder: Path) -> None:
        """Keep frames under folder."""
        self.folder = folder

    def _paths(self, key: str) -> tuple[Path, Path]:
        return self.folder / f"{key}.jpg", self.folder / f"{key}.json"

    def save(self, key: str, frame: Frame) -> None:
        """Store a camera's frame, replacing the previous one."""
        image, meta = self._paths(key)
        make_folders(self.folder)
        write_atomically(image, frame.data)
        description = {
            "received_at": frame.received_at.isoformat(),
            "source": frame.source,
            "file_name": frame.file_name,
        }
        write_atomically(meta, json.dumps(description).encode())

    def load(self, key: str) -> Frame | None:
        """The stored frame of a camera, or None when there is none (or it is unreadable)."""
        image, meta = self._paths(key)
        try:
            data = image.read_bytes()
            description = json.loads(meta.read_text(encoding="utf-8"))
            return Frame(
                data=data,
                received_at=datetime.fromisoformat(description["received_at"]),
                source=description.get("source"),
                file_name=description.get("file_name"),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def keep_only(self, keys: set[str]) -> None:
        """Forget the frames of cameras that no longer exist, and writes a crash cut short.

        Call it before the first save: a temporary file is taken for a crash's leftover.
        """
        if not self.folder.is_dir():
            return
        for path in self.folder.iterdir():
            gone = path.suffix in (".jpg", ".json") and path.stem not in keys
            if gone or is_temporary(path.name):
                path.unlink(missing_ok=True)
