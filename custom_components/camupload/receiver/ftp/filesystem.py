"""A bounded in-memory file system for one camera account."""

import time
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from custom_components.camupload.receiver.errors import ReceiverError
from custom_components.camupload.receiver.model import DEFAULT_MAX_ACCOUNT_STORAGE

# Entries (files and directories) one account may hold; old published files go first.
DEFAULT_MAX_ENTRIES = 1000
MAX_NAME_LENGTH = 255
MAX_DEPTH = 16
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
    """A stored file; data is None once evicted to make room."""

    data: bytes | None
    size: int
    mtime: float
    published: bool = False
    # Made of more than one transfer (APPE onto an existing file).
    appended: bool = False


@dataclass(slots=True, eq=False)
class DirEntry:
    """A directory."""

    children: dict[str, "FileEntry | DirEntry"] = field(default_factory=dict)
    mtime: float = field(default_factory=time.time)


type Entry = FileEntry | DirEntry


class AccountFileSystem:
    """Directories and files of one account, bounded in bytes held and entries."""

    def __init__(
        self,
        max_bytes: int = DEFAULT_MAX_ACCOUNT_STORAGE,
        max_entries: int = DEFAULT_MAX_ENTRIES,
    ) -> None:
        """Hold at most max_bytes of file data and max_entries names."""
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self.root = DirEntry()
        self.held_bytes = 0
        self._entries = 0
        # Files in storage order, the oldest first, for eviction.
        self._files: dict[PurePosixPath, FileEntry] = {}

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

    def _make_room(self, entries: int, size: int) -> None:
        if size > self.max_bytes:
            msg = f"file larger than the account storage ({self.max_bytes} bytes)"
            raise StorageFullError(msg)
        if self.held_bytes + size <= self.max_bytes and self._entries + entries <= self.max_entries:
            # Room already: no need to walk (and copy) the list of files on every store.
            return
        for path, entry in list(self._files.items()):
            if self.held_bytes + size <= self.max_bytes and self._entries + entries <= (
                self.max_entries
            ):
                break
            if not entry.published:
                continue
            if self._entries + entries > self.max_entries:
                self._remove(path)
            elif entry.data is not None:
                self.held_bytes -= entry.size
                entry.data = None
        if self.held_bytes + size > self.max_bytes or self._entries + entries > self.max_entries:
            msg = "account storage full"
            raise StorageFullError(msg)

    def _remove(self, path: PurePosixPath) -> None:
        entry = self._files.pop(path)
        parent = self.parent_directory(path)
        if parent is not None:
            parent.children.pop(path.name, None)
        if entry.data is not None:
            self.held_bytes -= entry.size
        self._entries -= 1

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
        self._make_room(len(missing), 0)
        for new in reversed(missing):
            self._parent(new).children[new.name] = DirEntry()
            self._entries += 1

    def rmdir(self, path: PurePosixPath) -> None:
        """Remove an empty directory."""
        node = self.lookup(path)
        if not isinstance(node, DirEntry) or path == ROOT:
            msg = f"{path} is not a removable directory"
            raise FileSystemError(msg)
        if node.children:
            msg = f"{path} is not empty"
            raise FileSystemError(msg)
        del self._parent(path).children[path.name]
        self._entries -= 1

    def unlink(self, path: PurePosixPath) -> None:
        """Remove a file."""
        if not isinstance(self.lookup(path), FileEntry):
            msg = f"{path} is not a file"
            raise FileSystemError(msg)
        self._remove(path)

    def store(self, path: PurePosixPath, data: bytes, *, append: bool = False) -> FileEntry:
        """Write (or append to) a file, evicting old published data if needed."""
        self._check_name(path)
        parent = self._parent(path)
        existing = parent.children.get(path.name)
        if isinstance(existing, DirEntry):
            msg = f"{path} is a directory"
            raise FileSystemError(msg)
        appended = False
        if append and existing is not None:
            if existing.data is None:
                msg = f"{path} is no longer held, cannot append"
                raise FileSystemError(msg)
            data = existing.data + data
            appended = True
        if existing is not None:
            self._remove(path)
        self._make_room(1, len(data))
        entry = FileEntry(data=data, size=len(data), mtime=time.time(), appended=appended)
        parent.children[path.name] = entry
        self._files[path] = entry
        self.held_bytes += len(data)
        self._entries += 1
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
            self._remove(target)
        del self._parent(source).children[source.name]
        target_parent.children[target.name] = entry
        self._rekey(source, target)
        return entry

    def _rekey(self, source: PurePosixPath, target: PurePosixPath) -> None:
        moved = {
            path: entry
            for path, entry in self._files.items()
            if path == source or source in path.parents
        }
        for path, entry in moved.items():
            del self._files[path]
            self._files[target / path.relative_to(source)] = entry

    def children(self, path: PurePosixPath) -> list[tuple[str, Entry]]:
        """List a directory (or a single file) as (name, entry) pairs."""
        node = self.lookup(path)
        if node is None:
            msg = f"{path} does not exist"
            raise FileSystemError(msg)
        if isinstance(node, FileEntry):
            return [(path.name, node)]
        return sorted(node.children.items())
