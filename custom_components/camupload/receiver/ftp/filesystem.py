"""A bounded in-memory file system for one camera account.

Cameras expect a real file system: MKD, CWD, STOR, then perhaps SIZE, MDTM or LIST of what
they just wrote, RNFR/RNTO from a temporary name, APPE of the rest of a cut file, RMD of a
test directory. The server keeps only what those commands can still need:

Content (the bytes of a file) stays only while something may still need it:

- not published yet (a temporary name waiting for RNTO, a JPEG whose rest comes by APPE):
  kept until it is published, replaced or deleted. Never evicted: past max_bytes an upload
  is refused (552);
- published as a frame (a complete JPEG): dropped at once. Nothing appended to a whole JPEG
  can make one JPEG, so no command needs the bytes again;
- published as a file (not a JPEG, say a clip): kept so that APPE resuming a cut upload
  publishes the whole file, the newest up to max_kept_bytes; older ones are dropped first.

A file whose content is dropped stays as a stub (name, size, time) that LIST, NLST, MLSD,
SIZE and MDTM still answer for, and that RNFR/RNTO, DELE and RMD treat as a file; APPE onto
a stub is refused.

Names (files, stubs and directories) are bounded by max_entries. Past it the oldest stubs
and the oldest empty directories go first: a camera that makes a dated directory per upload
(Hikvision, Dahua: ``2026-12-02/001/jpg/14/05/``) leaves one directory per upload behind.
A directory in use moves to the back of the line each time a file is stored in it. Files
not yet published and directories holding anything are never evicted.
"""

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from custom_components.camupload.receiver.errors import ReceiverError
from custom_components.camupload.receiver.model import (
    DEFAULT_MAX_ACCOUNT_ENTRIES,
    DEFAULT_MAX_ACCOUNT_STORAGE,
    DEFAULT_MAX_UPLOAD_SIZE,
)

MAX_NAME_LENGTH = 255
MAX_DEPTH = 16
# Bytes of published non-JPEG files kept for APPE: one largest upload, by default.
DEFAULT_MAX_KEPT_BYTES = DEFAULT_MAX_UPLOAD_SIZE
# Names that cameras and clients use while a file is still being written.
TEMPORARY_SUFFIXES = (".tmp", ".temp", ".part", ".partial", ".filepart", ".upload", "~")
ROOT = PurePosixPath("/")


def is_temporary_name(name: str) -> bool:
    """Tell whether a file name marks an upload that will be renamed when done."""
    lowered = name.lower()
    return lowered.startswith(".") or lowered.endswith(TEMPORARY_SUFFIXES)


class FileSystemError(ReceiverError):
    """A file system operation is not possible; the message is the FTP reply text."""


class StorageFullError(FileSystemError):
    """The account has no room left."""


@dataclass(slots=True, eq=False)
class FileEntry:
    """A stored file; data is None once its content is dropped (a stub)."""

    data: bytes | None
    size: int
    mtime: float
    published: bool = False
    # Made of more than one transfer (APPE onto an existing file).
    appended: bool = False
    name: str = ""
    parent: "DirEntry | None" = None


@dataclass(slots=True, eq=False)
class DirEntry:
    """A directory."""

    children: dict[str, "FileEntry | DirEntry"] = field(default_factory=dict)
    mtime: float = field(default_factory=time.time)
    name: str = ""
    parent: "DirEntry | None" = None


type Entry = FileEntry | DirEntry


def _ancestors(directory: DirEntry | None) -> Iterator[DirEntry]:
    while directory is not None:
        yield directory
        directory = directory.parent


class AccountFileSystem:
    """Directories and files of one account, bounded in bytes held and entries."""

    def __init__(
        self,
        max_bytes: int = DEFAULT_MAX_ACCOUNT_STORAGE,
        max_entries: int = DEFAULT_MAX_ACCOUNT_ENTRIES,
        max_kept_bytes: int = DEFAULT_MAX_KEPT_BYTES,
    ) -> None:
        """Hold at most max_bytes of content, max_entries names.

        Of the content, at most max_kept_bytes belongs to published files.
        """
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self.max_kept_bytes = max_kept_bytes
        self.root = DirEntry()
        self.held_bytes = 0
        self.kept_bytes = 0
        # Every entry but the root, the first to evict first; entries hash by identity.
        self._order: dict[Entry, None] = {}
        # Published files whose content is still held, the oldest first.
        self._kept: dict[FileEntry, None] = {}

    @property
    def entries(self) -> int:
        """Files, stubs and directories held (the root not counted)."""
        return len(self._order)

    def lookup(self, path: PurePosixPath) -> Entry | None:
        """Return the entry at an absolute path, or None."""
        return self._walk(path.parts[1:])

    def parent_directory(self, path: PurePosixPath) -> DirEntry | None:
        """Return the directory that holds path, or None if there is none."""
        # Walks the parts in place: no parent path object is built (this runs per upload).
        node = self._walk(path.parts[1:-1])
        return node if isinstance(node, DirEntry) else None

    def _walk(self, parts: tuple[str, ...]) -> Entry | None:
        node: Entry = self.root
        for part in parts:
            if not isinstance(node, DirEntry):
                return None
            child = node.children.get(part)
            if child is None:
                return None
            node = child
        return node

    def _parent(self, path: PurePosixPath) -> DirEntry:
        parent = self.parent_directory(path)
        if parent is None:
            msg = f"directory {path.parent} does not exist"
            raise FileSystemError(msg)
        return parent

    def _check_name(self, path: PurePosixPath) -> None:
        parts = path.parts
        if len(parts) < 2:  # noqa: PLR2004 - the root and a name
            msg = "the root cannot be replaced"
            raise FileSystemError(msg)
        if len(parts[-1]) > MAX_NAME_LENGTH or len(parts) > MAX_DEPTH + 1:
            msg = "name too long or too deep"
            raise FileSystemError(msg)

    # Room

    def _make_room(self, entries: int, size: int, keep: DirEntry) -> None:
        """Make room for entries new names and size bytes; keep (where they go) stays."""
        if size > self.max_bytes:
            msg = f"file larger than the account storage ({self.max_bytes} bytes)"
            raise StorageFullError(msg)
        for kept in list(self._kept):
            if self.held_bytes + size <= self.max_bytes:
                break
            self._drop_content(kept)
        while len(self._order) + entries > self.max_entries:
            victim = self._oldest_evictable(keep)
            if victim is None:
                break
            self._detach(victim)
        if self.held_bytes + size > self.max_bytes or len(self._order) + entries > (
            self.max_entries
        ):
            msg = "account storage full"
            raise StorageFullError(msg)

    def _oldest_evictable(self, keep: DirEntry) -> Entry | None:
        for entry in self._order:
            if isinstance(entry, FileEntry):
                if entry.published:
                    return entry
            elif not entry.children and entry is not keep:
                return entry
        return None

    def _drop_content(self, entry: FileEntry) -> None:
        if entry.data is not None:
            self.held_bytes -= entry.size
            entry.data = None
        if entry in self._kept:
            del self._kept[entry]
            self.kept_bytes -= entry.size

    def _attach(self, parent: DirEntry, name: str, entry: Entry) -> None:
        entry.name = name
        entry.parent = parent
        parent.children[name] = entry
        self._order[entry] = None

    def _detach(self, entry: Entry) -> None:
        """Forget an entry (a file, a stub or an empty directory)."""
        if isinstance(entry, FileEntry):
            self._drop_content(entry)
        if entry.parent is not None:
            entry.parent.children.pop(entry.name, None)
        self._order.pop(entry, None)

    def _touch(self, directory: DirEntry) -> None:
        """Move a directory in use, and its parents, to the back of the eviction line."""
        for node in _ancestors(directory):
            if node is not self.root:
                del self._order[node]
                self._order[node] = None

    def mark_published(self, entry: FileEntry, *, keep_content: bool) -> None:
        """Record that a file was published; keep its content for APPE or drop it."""
        entry.published = True
        if entry.data is None or entry in self._kept:
            return
        if not keep_content or entry.size > self.max_kept_bytes:
            self._drop_content(entry)
            return
        self._kept[entry] = None
        self.kept_bytes += entry.size
        for older in list(self._kept):
            if self.kept_bytes <= self.max_kept_bytes:
                break
            self._drop_content(older)

    # Operations

    def mkdir(self, path: PurePosixPath) -> None:
        """Create a directory and any missing parents."""
        missing: list[PurePosixPath] = []
        probe = path
        while (node := self.lookup(probe)) is None:
            self._check_name(probe)
            missing.append(probe)
            probe = probe.parent
        if not isinstance(node, DirEntry):
            msg = f"{probe} is a file"
            raise FileSystemError(msg)
        if not missing:
            msg = f"{path} already exists"
            raise FileSystemError(msg)
        self._make_room(len(missing), 0, keep=node)
        self._touch(node)
        for new in reversed(missing):
            directory = DirEntry()
            self._attach(node, new.name, directory)
            node = directory

    def rmdir(self, path: PurePosixPath) -> None:
        """Remove an empty directory."""
        node = self.lookup(path)
        if not isinstance(node, DirEntry) or path == ROOT:
            msg = f"{path} is not a removable directory"
            raise FileSystemError(msg)
        if node.children:
            msg = f"{path} is not empty"
            raise FileSystemError(msg)
        self._detach(node)

    def unlink(self, path: PurePosixPath) -> None:
        """Remove a file."""
        entry = self.lookup(path)
        if not isinstance(entry, FileEntry):
            msg = f"{path} is not a file"
            raise FileSystemError(msg)
        self._detach(entry)

    def store(self, path: PurePosixPath, data: bytes, *, append: bool = False) -> FileEntry:
        """Write (or append to) a file, evicting old published content and names if needed."""
        self._check_name(path)
        parent = self._parent(path)
        existing = parent.children.get(path.name)
        if isinstance(existing, DirEntry):
            msg = f"{path} is a directory"
            raise FileSystemError(msg)
        appended = False
        if append and existing is not None:
            if existing.data is None:
                msg = f"{path} was published and is no longer held, send it whole with STOR"
                raise FileSystemError(msg)
            data = existing.data + data
            appended = True
        if existing is not None:
            self._detach(existing)
        self._make_room(1, len(data), keep=parent)
        entry = FileEntry(data=data, size=len(data), mtime=time.time(), appended=appended)
        self._touch(parent)
        self._attach(parent, path.name, entry)
        self.held_bytes += len(data)
        return entry

    def rename(self, source: PurePosixPath, target: PurePosixPath) -> Entry:
        """Move a file or directory, replacing a file at the target."""
        self._check_name(target)
        entry = self.lookup(source)
        if entry is None or source == ROOT:
            msg = f"{source} does not exist"
            raise FileSystemError(msg)
        if target == source:
            return entry
        if isinstance(entry, DirEntry) and source in target.parents:
            msg = "cannot move a directory into itself"
            raise FileSystemError(msg)
        target_parent = self._parent(target)
        existing = target_parent.children.get(target.name)
        if isinstance(existing, DirEntry):
            msg = f"{target} is a directory"
            raise FileSystemError(msg)
        if existing is not None:
            self._detach(existing)
        if entry.parent is not None:
            del entry.parent.children[entry.name]
        entry.name = target.name
        entry.parent = target_parent
        target_parent.children[target.name] = entry
        return entry

    def children(self, path: PurePosixPath) -> list[tuple[str, Entry]]:
        """List a directory (or a single file) as (name, entry) pairs."""
        node = self.lookup(path)
        if node is None:
            msg = f"{path} does not exist"
            raise FileSystemError(msg)
        if isinstance(node, FileEntry):
            return [(path.name, node)]
        return sorted(node.children.items())
