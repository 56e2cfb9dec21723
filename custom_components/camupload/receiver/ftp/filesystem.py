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

The content held (what held_bytes counts) draws from the receiver's memory budget through
a lease kept equal to it. A store the budget has no room for drops kept content of published
files first, then fails with MemoryBudgetError (FTP 452); stubs and names hold no lease.

Every account of a receiver holds up to max_entries names for months, so a name costs little:
one table per account maps each absolute path to its entry (the table's order is the eviction
order); a directory keeps only how many names it holds, and its listing is read off the table.
"""

import time
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import PurePosixPath

from custom_components.camupload.receiver.errors import ReceiverError
from custom_components.camupload.receiver.memory_budget import MemoryLease
from custom_components.camupload.receiver.model import (
    DEFAULT_MAX_ACCOUNT_ENTRIES,
    DEFAULT_MAX_ACCOUNT_STORAGE,
    DEFAULT_MAX_UPLOAD_SIZE,
)

MAX_NAME_LENGTH = 255
MAX_DEPTH = 16
# A path's whole length: what one name can cost an account (Linux's own PATH_MAX is 4096).
MAX_PATH_LENGTH = 1024
# Bytes of published non-JPEG files kept for APPE: one largest upload, by default.
DEFAULT_MAX_KEPT_BYTES = DEFAULT_MAX_UPLOAD_SIZE
# Names that cameras and clients use while a file is still being written.
TEMPORARY_SUFFIXES = (".tmp", ".temp", ".part", ".partial", ".filepart", ".upload", "~")
ROOT = PurePosixPath("/")
_ROOT_KEY = "/"


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


@dataclass(slots=True, eq=False)
class DirEntry:
    """A directory; its names live in the account's table, it counts them."""

    mtime: float = field(default_factory=time.time)
    names: int = 0


type Entry = FileEntry | DirEntry


def _parent_key(key: str) -> str:
    """The absolute path of the directory holding key ("/a/b" -> "/a", "/a" -> "/")."""
    return key[: key.rindex("/")] or _ROOT_KEY


class AccountFileSystem:
    """Directories and files of one account, bounded in bytes held and entries."""

    def __init__(
        self,
        max_bytes: int = DEFAULT_MAX_ACCOUNT_STORAGE,
        max_entries: int = DEFAULT_MAX_ACCOUNT_ENTRIES,
        max_kept_bytes: int = DEFAULT_MAX_KEPT_BYTES,
        lease: MemoryLease | None = None,
    ) -> None:
        """Hold at most max_bytes of content, max_entries names.

        Of the content, at most max_kept_bytes belongs to published files. The content held
        draws from lease, if given (else only max_bytes bounds it).
        """
        self._lease = lease
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self.max_kept_bytes = max_kept_bytes
        self.root = DirEntry()
        self.held_bytes = 0
        self.kept_bytes = 0
        # Every entry but the root by absolute path, the first to evict first.
        self._table: dict[str, Entry] = {}
        # Published files whose content is still held, the oldest first (by identity).
        self._kept: dict[FileEntry, None] = {}

    def release(self) -> None:
        """Give the memory lease back (the file system is dropped)."""
        if self._lease is not None:
            self._lease.release()

    def _reserve(self, size: int, keep: "FileEntry | None") -> None:
        """Grow the lease by size, dropping kept content (not keep's) first.

        MemoryBudgetError if it cannot.
        """
        lease = self._lease
        if lease is None:
            return
        while not lease.try_grow(size):
            oldest = next((entry for entry in self._kept if entry is not keep), None)
            if oldest is None:
                lease.grow(size)  # raises MemoryBudgetError
                return
            self._drop_content(oldest)

    def _drop_content(self, entry: FileEntry) -> None:
        if entry.data is not None:
            self.held_bytes -= entry.size
            entry.data = None
            if self._lease is not None:
                self._lease.shrink(entry.size)
        if entry in self._kept:
            del self._kept[entry]
            self.kept_bytes -= entry.size

    @property
    def entries(self) -> int:
        """Files, stubs and directories held (the root not counted)."""
        return len(self._table)

    def lookup(self, path: PurePosixPath) -> Entry | None:
        """Return the entry at an absolute path, or None."""
        return self._get(str(path))

    def parent_directory(self, path: PurePosixPath) -> DirEntry | None:
        """Return the directory that holds path, or None if there is none."""
        node = self._get(_parent_key(str(path)))
        return node if isinstance(node, DirEntry) else None

    def _get(self, key: str) -> Entry | None:
        return self.root if key == _ROOT_KEY else self._table.get(key)

    def _directory(self, key: str) -> DirEntry:
        node = self._get(key)
        if not isinstance(node, DirEntry):
            msg = f"directory {key} does not exist"
            raise FileSystemError(msg)
        return node

    def _check_name(self, key: str) -> None:
        if key == _ROOT_KEY:
            msg = "the root cannot be replaced"
            raise FileSystemError(msg)
        name_length = len(key) - key.rindex("/") - 1
        if (
            name_length > MAX_NAME_LENGTH
            or len(key) > MAX_PATH_LENGTH
            or key.count("/") > MAX_DEPTH
        ):
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
        while len(self._table) + entries > self.max_entries:
            victim = self._oldest_evictable(keep)
            if victim is None:
                break
            self._detach(victim)
        if self.held_bytes + size > self.max_bytes or len(self._table) + entries > (
            self.max_entries
        ):
            msg = "account storage full"
            raise StorageFullError(msg)

    def _oldest_evictable(self, keep: DirEntry) -> str | None:
        for key, entry in self._table.items():
            if isinstance(entry, FileEntry):
                if entry.published:
                    return key
            elif not entry.names and entry is not keep:
                return key
        return None

    def _attach(self, parent: DirEntry, key: str, entry: Entry) -> None:
        parent.names += 1
        self._table[key] = entry

    def _unlink_key(self, key: str) -> Entry:
        """Take a name out of the table and out of its directory's count."""
        entry = self._table.pop(key)
        parent = self._get(_parent_key(key))
        if isinstance(parent, DirEntry):
            parent.names -= 1
        return entry

    def _detach(self, key: str) -> None:
        """Forget an entry (a file, a stub or an empty directory)."""
        entry = self._unlink_key(key)
        if isinstance(entry, FileEntry):
            self._drop_content(entry)

    def _touch(self, key: str) -> None:
        """Move a directory in use, and its parents, to the back of the eviction line."""
        table = self._table
        while key != _ROOT_KEY:
            table[key] = table.pop(key)
            key = _parent_key(key)

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
        missing: list[str] = []
        probe = str(path)
        while (node := self._get(probe)) is None:
            self._check_name(probe)
            missing.append(probe)
            probe = _parent_key(probe)
        if not isinstance(node, DirEntry):
            msg = f"{probe} is a file"
            raise FileSystemError(msg)
        if not missing:
            msg = f"{path} already exists"
            raise FileSystemError(msg)
        self._make_room(len(missing), 0, keep=node)
        self._touch(probe)
        for key in reversed(missing):
            directory = DirEntry()
            self._attach(node, key, directory)
            node = directory

    def rmdir(self, path: PurePosixPath) -> None:
        """Remove an empty directory."""
        key = str(path)
        node = self._get(key)
        if not isinstance(node, DirEntry) or key == _ROOT_KEY:
            msg = f"{path} is not a removable directory"
            raise FileSystemError(msg)
        if node.names:
            msg = f"{path} is not empty"
            raise FileSystemError(msg)
        self._detach(key)

    def unlink(self, path: PurePosixPath) -> None:
        """Remove a file."""
        key = str(path)
        if not isinstance(self._table.get(key), FileEntry):
            msg = f"{path} is not a file"
            raise FileSystemError(msg)
        self._detach(key)

    def store(self, path: PurePosixPath, data: bytes, *, append: bool = False) -> FileEntry:
        """Write (or append to) a file, evicting old published content and names if needed."""
        key = str(path)
        self._check_name(key)
        parent_key = _parent_key(key)
        parent = self._directory(parent_key)
        existing = self._table.get(key)
        if isinstance(existing, DirEntry):
            msg = f"{path} is a directory"
            raise FileSystemError(msg)
        appended = False
        if append and existing is not None:
            if existing.data is None:
                msg = f"{path} was published and is no longer held, send it whole with STOR"
                raise FileSystemError(msg)
            appended = True
        # The whole new content, reserved before anything changes (and before an append's
        # copy is made); replacing the old file then gives its bytes back.
        self._reserve(len(data) + (existing.size if appended and existing else 0), existing)
        try:
            if appended and existing is not None and existing.data is not None:
                data = existing.data + data
            if existing is not None:
                self._detach(key)
            self._make_room(1, len(data), keep=parent)
            entry = FileEntry(data=data, size=len(data), mtime=time.time(), appended=appended)
            self._touch(parent_key)
            self._attach(parent, key, entry)
            self.held_bytes += len(data)
        finally:
            # Equal to what is held, or more if the store failed half-way: only ever a shrink.
            if self._lease is not None:
                self._lease.resize(self.held_bytes)
        return entry

    def rename(self, source: PurePosixPath, target: PurePosixPath) -> Entry:
        """Move a file or directory, replacing a file at the target."""
        source_key, target_key = str(source), str(target)
        self._check_name(target_key)
        entry = self._get(source_key)
        if entry is None or source_key == _ROOT_KEY:
            msg = f"{source} does not exist"
            raise FileSystemError(msg)
        if target_key == source_key:
            return entry
        inside = [] if isinstance(entry, FileEntry) else self._inside(source_key, target_key)
        target_parent = self._directory(_parent_key(target_key))
        existing = self._table.get(target_key)
        if isinstance(existing, DirEntry):
            msg = f"{target} is a directory"
            raise FileSystemError(msg)
        if existing is not None:
            self._detach(target_key)
        self._unlink_key(source_key)
        self._attach(target_parent, target_key, entry)
        # What a directory holds moves with it, keeping its place below it.
        for key in inside:
            self._table[target_key + key[len(source_key) :]] = self._table.pop(key)
        return entry

    def _inside(self, source_key: str, target_key: str) -> list[str]:
        """The paths under a directory about to move to target_key, checked at their new place."""
        prefix = source_key + "/"
        if target_key.startswith(prefix):
            msg = "cannot move a directory into itself"
            raise FileSystemError(msg)
        inside = [key for key in self._table if key.startswith(prefix)]
        longer = len(target_key) - len(source_key)
        deeper = target_key.count("/") - source_key.count("/")
        for key in inside:
            if len(key) + longer > MAX_PATH_LENGTH or key.count("/") + deeper > MAX_DEPTH:
                msg = "name too long or too deep"
                raise FileSystemError(msg)
        return inside

    def children(self, path: PurePosixPath) -> list[tuple[str, Entry]]:
        """List a directory (or a single file) as (name, entry) pairs."""
        key = str(path)
        node = self._get(key)
        if node is None:
            msg = f"{path} does not exist"
            raise FileSystemError(msg)
        if isinstance(node, FileEntry):
            return [(path.name, node)]
        if not node.names:
            return []
        prefix = key if key == _ROOT_KEY else key + "/"
        start = len(prefix)
        found = [
            (name, entry)
            for name, entry in (
                (child[start:], entry)
                for child, entry in self._table.items()
                if child.startswith(prefix)
            )
            if "/" not in name
        ]
        return sorted(found, key=itemgetter(0))
