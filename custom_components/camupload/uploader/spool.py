"""A spool directory for files that could not be delivered yet.

Each entry is one file: a JSON header line with the rendered destination, then the bytes.
Writes are atomic and durable (shared.atomic_file), so a crash never leaves half an entry,
and the spool survives a restart. It is bounded by size: the oldest entries are dropped
to make room, and every drop is counted (persisted) and reported through a callback.
All file I/O runs in a worker thread, never on the event loop.
"""

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from custom_components.camupload.shared.atomic_file import (
    TEMP_SUFFIX,
    make_folders,
    write_atomically,
)

from .model import OutgoingFile, RemoteFile

_LOGGER = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 100 * 1024 * 1024
ENTRY_SUFFIX = ".spool"
STATE_FILE = "state.json"
_SEQUENCE_DIGITS = 12


@dataclass(frozen=True, kw_only=True)
class SpoolEntry:
    """One waiting file: its place in the queue, where it goes, and how big it is."""

    sequence: int
    file: OutgoingFile
    size: int  # bytes on disk
    attempts: int = 0


@dataclass(frozen=True, kw_only=True)
class SpoolStats:
    """What the spool holds and what it had to drop."""

    entries: int
    bytes: int
    dropped: int
    dropped_bytes: int


def _encode(file: OutgoingFile, attempts: int) -> bytes:
    remote = file.remote
    header = {
        "directory": list(remote.directory),
        "name": remote.name,
        "temporary_name": remote.temporary_name,
        "delete_before_rename": remote.delete_before_rename,
        "content_type": file.content_type,
        "attempts": attempts,
    }
    return json.dumps(header).encode() + b"\n" + file.data


def _decode(sequence: int, raw: bytes) -> SpoolEntry:
    header_line, _, data = raw.partition(b"\n")
    header = json.loads(header_line)
    remote = RemoteFile(
        directory=tuple(header["directory"]),
        name=header["name"],
        temporary_name=header["temporary_name"],
        delete_before_rename=header["delete_before_rename"],
    )
    file = OutgoingFile(remote=remote, data=data, content_type=header["content_type"])
    return SpoolEntry(sequence=sequence, file=file, size=len(raw), attempts=header["attempts"])


class SpoolQueue:
    """Files waiting on disk, oldest first."""

    def __init__(
        self,
        directory: Path,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        on_drop: Callable[[SpoolEntry], None] | None = None,
    ) -> None:
        """Use `directory` (created when missing); drops beyond `max_bytes` go to `on_drop`."""
        self.directory = directory
        self.max_bytes = max_bytes
        self._on_drop = on_drop
        self._sizes: dict[int, int] = {}
        self._next = 1
        self._dropped = 0
        self._dropped_bytes = 0
        self._lock = asyncio.Lock()
        self._opened = False

    async def open(self) -> None:
        """Read what an earlier run left behind."""
        await asyncio.to_thread(self._load)
        self._opened = True

    def _load(self) -> None:
        make_folders(self.directory)
        for leftover in self.directory.glob(f"*{TEMP_SUFFIX}"):
            leftover.unlink()  # an interrupted write; its entry was never committed
        for path in self.directory.glob(f"*{ENTRY_SUFFIX}"):
            if path.stem.isdigit():
                self._sizes[int(path.stem)] = path.stat().st_size
        self._next = max(self._sizes, default=0) + 1
        state = self.directory / STATE_FILE
        if state.exists():
            values = json.loads(state.read_text())
            self._dropped = int(values.get("dropped", 0))
            self._dropped_bytes = int(values.get("dropped_bytes", 0))

    def _path(self, sequence: int) -> Path:
        return self.directory / f"{sequence:0{_SEQUENCE_DIGITS}d}{ENTRY_SUFFIX}"

    @property
    def stats(self) -> SpoolStats:
        """Counts of waiting and dropped files."""
        return SpoolStats(
            entries=len(self._sizes),
            bytes=sum(self._sizes.values()),
            dropped=self._dropped,
            dropped_bytes=self._dropped_bytes,
        )

    def __len__(self) -> int:
        """The number of waiting files."""
        return len(self._sizes)

    async def put(self, file: OutgoingFile) -> SpoolEntry | None:
        """Append a file; return its entry, or None when it alone exceeds the bound (dropped)."""
        if not self._opened:
            await self.open()
        payload = _encode(file, 0)
        async with self._lock:
            sequence = self._next
            self._next += 1
            entry = SpoolEntry(sequence=sequence, file=file, size=len(payload))
            if len(payload) > self.max_bytes:
                await self._count_drop(entry)
                return None
            while self._sizes and sum(self._sizes.values()) + len(payload) > self.max_bytes:
                oldest = min(self._sizes)
                dropped = await asyncio.to_thread(self._read, oldest)
                await asyncio.to_thread(self._path(oldest).unlink, missing_ok=True)
                del self._sizes[oldest]
                await self._count_drop(dropped)
            await asyncio.to_thread(write_atomically, self._path(sequence), payload)
            self._sizes[sequence] = len(payload)
            return entry

    async def _count_drop(self, entry: SpoolEntry) -> None:
        self._dropped += 1
        self._dropped_bytes += entry.size
        _LOGGER.warning(
            "Spool full (%d bytes): dropped %s (%d dropped so far)",
            self.max_bytes,
            entry.file.remote.path,
            self._dropped,
        )
        state = json.dumps({"dropped": self._dropped, "dropped_bytes": self._dropped_bytes})
        await asyncio.to_thread(write_atomically, self.directory / STATE_FILE, state.encode())
        if self._on_drop is not None:
            self._on_drop(entry)

    def _read(self, sequence: int) -> SpoolEntry:
        return _decode(sequence, self._path(sequence).read_bytes())

    async def peek(self) -> SpoolEntry | None:
        """Return the oldest waiting entry without removing it."""
        if not self._opened:
            await self.open()
        async with self._lock:
            if not self._sizes:
                return None
            return await asyncio.to_thread(self._read, min(self._sizes))

    async def record_attempt(self, entry: SpoolEntry) -> SpoolEntry:
        """Count a failed attempt on the entry, on disk."""
        updated = SpoolEntry(
            sequence=entry.sequence, file=entry.file, size=entry.size, attempts=entry.attempts + 1
        )
        async with self._lock:
            if entry.sequence in self._sizes:
                payload = _encode(entry.file, updated.attempts)
                await asyncio.to_thread(write_atomically, self._path(entry.sequence), payload)
        return updated

    async def remove(self, entry: SpoolEntry) -> None:
        """Forget a delivered entry."""
        async with self._lock:
            self._sizes.pop(entry.sequence, None)
            await asyncio.to_thread(self._path(entry.sequence).unlink, missing_ok=True)
