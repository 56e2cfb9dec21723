"""On-disk archive of received frames: one folder per camera and local day.

Layout: ``<root>/<camera>/<YYYY-MM-DD>/<HHMMSS-mmm>.jpg``, with received non-JPEG files
beside the frames under their (sanitised) received names. Everything in `FrameArchive` does
blocking file I/O and must run in an executor; `archive_writer.ArchiveWriter` is the asyncio
front that queues frames and writes them off the event loop. No Home Assistant imports.
"""

import contextlib
import mimetypes
import os
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path, PurePosixPath

from custom_components.camupload.receiver.model import (
    SAFE_NAME_MAX_LENGTH,
    ReceivedFile,
    ReceivedFrame,
    numbered_name,
)
from custom_components.camupload.receiver.model import safe_name as safe_name  # noqa: PLC0414 - re-exported: one name rule
from custom_components.camupload.shared.atomic_file import (
    is_temporary,
    make_folders,
    write_atomically,
)

FRAME_SUFFIX = ".jpg"
DEFAULT_MIME_TYPE = "application/octet-stream"
DAY_FORMAT = "%Y-%m-%d"
# Longest sanitised name (camera folder or received file), as the receiver's rule cuts it.
MAX_NAME_LENGTH = SAFE_NAME_MAX_LENGTH
# How many "-N" suffixes are tried before a save gives up on a crowded name.
MAX_NAME_COLLISIONS = 1000
# Temp files left by a crash are removed by prune once they are this old.
STALE_TEMP_AGE = timedelta(hours=1)
# A size prune removes files until the archive is at most this share of max_bytes, so the
# next full scan is not needed on the very next save.
PRUNE_LOW_WATER = 0.9
MIN_RETENTION_DAYS = 1
MIN_MAX_BYTES = 1


_FRAME_NAME = re.compile(r"^(\d{6})-(\d{3})(?:-\d+)?\.jpg$")
_RELATIVE_DEPTH = 3  # camera / day / file


@dataclass(frozen=True, slots=True, order=True)
class _Stored:
    """A stored file as prune sees it; orders oldest first."""

    day: date
    mtime_ns: int
    name: str
    path: Path
    size: int


class ArchivePathError(ValueError):
    """A name or relative path that would leave the archive, or does not fit its layout."""


@dataclass(frozen=True, slots=True)
class ArchiveItem:
    """One stored file, as the media browser lists it."""

    path: str
    """Relative POSIX path ``camera/day/name``, accepted by `FrameArchive.resolve`."""
    name: str
    taken_at: datetime
    """Local time: parsed from a frame's name, else the file's modification time."""
    size: int
    mime_type: str


@dataclass(frozen=True, slots=True)
class PruneResult:
    """What one prune removed and what is left."""

    removed_files: int
    removed_bytes: int
    total_bytes: int


def _check_component(name: str) -> str:
    """Return name if it is a single safe path component, else raise ArchivePathError."""
    if not name or safe_name(name, default="") != name:
        msg = f"not a safe archive name: {name!r}"
        raise ArchivePathError(msg)
    return name


def mime_type_of(name: str) -> str:
    """Mime type of an archived file, from its name."""
    return mimetypes.guess_type(name)[0] or DEFAULT_MIME_TYPE


def parse_day(name: str) -> date | None:
    """The date of a day folder name (YYYY-MM-DD), or None for any other name."""
    try:
        parsed = datetime.strptime(name, DAY_FORMAT)  # noqa: DTZ007 - a calendar date, no time
    except ValueError:
        return None
    return parsed.date() if parsed.strftime(DAY_FORMAT) == name else None


def _subdirs(folder: Path) -> list[Path]:
    """Real (not symlinked, not hidden) sub-folders; none if folder is missing."""
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return []
    return [
        Path(entry.path)
        for entry in entries
        if entry.is_dir(follow_symlinks=False) and not entry.name.startswith(".")
    ]


class ArchiveIndex:
    """Read side of the archive: listings for the media browser and a safe path resolver.

    Every method does blocking file I/O: call them in an executor.
    """

    def __init__(self, root: Path, *, tz: tzinfo) -> None:
        """Read the archive under root; tz gives listed times their local zone."""
        self.root = root
        self.tz = tz

    def cameras(self) -> list[str]:
        """Camera folder names, sorted."""
        return sorted(
            path.name for path in _subdirs(self.root) if safe_name(path.name) == path.name
        )

    def days(self, camera: str) -> list[date]:
        """Days with stored files for a camera, newest first."""
        folder = self.root / _check_component(camera)
        days = (parse_day(path.name) for path in _subdirs(folder))
        return sorted((day for day in days if day is not None), reverse=True)

    def items(self, camera: str, day: date) -> list[ArchiveItem]:
        """Files of one camera and day, newest first."""
        day_name = day.strftime(DAY_FORMAT)
        folder = self.root / _check_component(camera) / day_name
        try:
            entries = list(os.scandir(folder))
        except (FileNotFoundError, NotADirectoryError):
            return []
        items = [
            self._item(camera, day, day_name, entry)
            for entry in entries
            if entry.is_file(follow_symlinks=False) and not entry.name.startswith(".")
        ]
        return sorted(items, key=lambda item: (item.taken_at, item.name), reverse=True)

    def _item(self, camera: str, day: date, day_name: str, entry: os.DirEntry[str]) -> ArchiveItem:
        stat = entry.stat(follow_symlinks=False)
        taken_at = datetime.fromtimestamp(stat.st_mtime, self.tz)
        if (match := _FRAME_NAME.match(entry.name)) is not None:
            with contextlib.suppress(ValueError):  # a frame-like name that is no clock time
                clock = datetime.strptime(match.group(1), "%H%M%S")  # noqa: DTZ007 - tz below
                taken_at = datetime.combine(
                    day, clock.time().replace(microsecond=int(match.group(2)) * 1000), self.tz
                )
        return ArchiveItem(
            path=f"{camera}/{day_name}/{entry.name}",
            name=entry.name,
            taken_at=taken_at,
            size=stat.st_size,
            mime_type=mime_type_of(entry.name),
        )

    def resolve(self, relative: str) -> Path:
        """Map a relative ``camera/day/name`` path to its stored file.

        Raises:
            ArchivePathError: absolute, "..", hidden or otherwise unsafe parts, a wrong
                depth, or a path whose real location (symlinks followed) leaves root.
            FileNotFoundError: no such stored file.
        """
        if "\\" in relative or "\0" in relative:
            msg = f"invalid archive path: {relative!r}"
            raise ArchivePathError(msg)
        pure = PurePosixPath(relative)
        if pure.is_absolute() or len(pure.parts) != _RELATIVE_DEPTH:
            msg = f"invalid archive path: {relative!r}"
            raise ArchivePathError(msg)
        for part in pure.parts:
            _check_component(part)
        real = (self.root / pure).resolve(strict=True)
        if not real.is_relative_to(self.root.resolve(strict=True)):
            msg = f"archive path leaves the archive: {relative!r}"
            raise ArchivePathError(msg)
        if not real.is_file():
            msg = f"not an archived file: {relative!r}"
            raise FileNotFoundError(msg)
        return real


class FrameArchive(ArchiveIndex):
    """Stores frames and files under root and enforces retention by age and size.

    Every method does blocking file I/O: call them in an executor, one writer at a time.
    """

    def __init__(self, root: Path, *, retention_days: int, max_bytes: int, tz: tzinfo) -> None:
        """Create an archive; nothing is touched on disk until the first save.

        Args:
            root: folder holding one sub-folder per camera.
            retention_days: day folders older than this many days (local dates) are removed.
            max_bytes: total size of all files; the oldest are removed beyond it.
            tz: local time zone for folder dates and file names (what the user sees).
        """
        if retention_days < MIN_RETENTION_DAYS:
            msg = f"retention_days must be at least {MIN_RETENTION_DAYS}"
            raise ValueError(msg)
        if max_bytes < MIN_MAX_BYTES:
            msg = f"max_bytes must be at least {MIN_MAX_BYTES}"
            raise ValueError(msg)
        super().__init__(root, tz=tz)
        self.retention_days = retention_days
        self.max_bytes = max_bytes
        self.total_bytes: int | None = None
        """Bytes stored, known after the first prune and kept current by saves."""

    @property
    def over_limit(self) -> bool:
        """Whether the stored size is unknown or beyond max_bytes (a prune is due)."""
        return self.total_bytes is None or self.total_bytes > self.max_bytes

    def save(self, camera: str, item: ReceivedFrame | ReceivedFile) -> Path:
        """Store a frame (as HHMMSS-mmm.jpg) or a file (under its safe name); return its path."""
        local = item.received_at.astimezone(self.tz)
        folder = self.root / _check_component(camera) / local.strftime(DAY_FORMAT)
        if isinstance(item, ReceivedFrame):
            name = f"{local:%H%M%S}-{local.microsecond // 1000:03d}{FRAME_SUFFIX}"
        else:
            name = safe_name(item.file_name)
        make_folders(folder)
        target = self._free_name(folder, name)
        write_atomically(target, item.data)
        if self.total_bytes is not None:
            self.total_bytes += len(item.data)
        return target

    @staticmethod
    def _free_name(folder: Path, name: str) -> Path:
        """First of name, name-1, name-2 ... not yet taken in folder (single writer)."""
        for number in range(MAX_NAME_COLLISIONS):
            # Stays a valid (resolvable) archive name: numbered_name keeps the length limit.
            candidate = folder / numbered_name(name, number)
            if not candidate.exists():
                return candidate
        msg = f"{MAX_NAME_COLLISIONS} files named like {name!r} already in {folder}"
        raise FileExistsError(msg)

    def prune(self, now: datetime) -> PruneResult:
        """Remove day folders past retention, stale temp files, then the oldest files by size.

        Recounts total_bytes. A day folder dated before (local today - retention_days) goes as
        a whole; when the rest exceeds max_bytes, files go oldest first (by day, then
        modification time) until at most PRUNE_LOW_WATER * max_bytes remains.
        """
        cutoff = now.astimezone(self.tz).date() - timedelta(days=self.retention_days)
        stale_before = (now - STALE_TEMP_AGE).timestamp()
        removed_files = removed_bytes = 0
        kept: list[_Stored] = []
        for day, day_dir in self._day_folders():
            for stored in self._stored_files(day, day_dir, stale_before):
                if day < cutoff:
                    stored.path.unlink(missing_ok=True)
                    removed_files += 1
                    removed_bytes += stored.size
                else:
                    kept.append(stored)
        total = sum(stored.size for stored in kept)
        if total > self.max_bytes:
            target = int(self.max_bytes * PRUNE_LOW_WATER)
            for stored in sorted(kept):
                if total <= target:
                    break
                stored.path.unlink(missing_ok=True)
                total -= stored.size
                removed_files += 1
                removed_bytes += stored.size
        self._remove_empty_folders()
        self.total_bytes = total
        return PruneResult(removed_files, removed_bytes, total)

    def _day_folders(self) -> list[tuple[date, Path]]:
        """(date, folder) of every day folder of every camera."""
        return [
            (day, day_dir)
            for camera_dir in _subdirs(self.root)
            for day_dir in _subdirs(camera_dir)
            if (day := parse_day(day_dir.name)) is not None
        ]

    @staticmethod
    def _stored_files(day: date, day_dir: Path, stale_before: float) -> list[_Stored]:
        """Regular files of a day folder; temp files older than stale_before are removed."""
        stored: list[_Stored] = []
        for entry in os.scandir(day_dir):
            if not entry.is_file(follow_symlinks=False):
                continue
            stat = entry.stat(follow_symlinks=False)
            if not is_temporary(entry.name):
                stored.append(
                    _Stored(day, stat.st_mtime_ns, entry.name, Path(entry.path), stat.st_size)
                )
            elif stat.st_mtime < stale_before:
                Path(entry.path).unlink(missing_ok=True)
        return stored

    def _remove_empty_folders(self) -> None:
        for camera_dir in _subdirs(self.root):
            for day_dir in _subdirs(camera_dir):
                with contextlib.suppress(OSError):  # not empty: keep it
                    day_dir.rmdir()
            with contextlib.suppress(OSError):
                camera_dir.rmdir()
