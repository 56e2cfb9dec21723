"""aioftp path layer over an account's in-memory file system."""

import io
import os
import stat
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import PurePosixPath

from aioftp import AbstractPathIO
from aioftp.pathio import universal_exception

from .filesystem import AccountFileSystem, DirEntry, FileEntry, FileSystemError

_DIR_MODE = stat.S_IFDIR | 0o755
_FILE_MODE = stat.S_IFREG | 0o644


def entry_stat(entry: FileEntry | DirEntry) -> os.stat_result:
    """Build a stat result for an entry."""
    if isinstance(entry, FileEntry):
        mode, size = _FILE_MODE, entry.size
    else:
        mode, size = _DIR_MODE, 0
    mtime = int(entry.mtime)
    return os.stat_result((mode, 0, 0, 1, 0, 0, size, mtime, mtime, mtime))


class AccountPathIO(AbstractPathIO[PurePosixPath]):
    """Serve aioftp's path operations from the logged-in account's file system.

    File contents never go through here: the server's own STOR reads the data
    connection into memory and stores whole files, so open() is refused.
    """

    @property
    def filesystem(self) -> AccountFileSystem:
        """The file system of the account logged in on this connection."""
        if self.connection is None:
            msg = "no connection"
            raise FileSystemError(msg)
        filesystem: AccountFileSystem = self.connection.filesystem
        return filesystem

    async def exists(self, path: PurePosixPath) -> bool:
        """Tell whether a path exists."""
        return self.filesystem.lookup(PurePosixPath(path)) is not None

    async def is_dir(self, path: PurePosixPath) -> bool:
        """Tell whether a path is a directory."""
        return isinstance(self.filesystem.lookup(PurePosixPath(path)), DirEntry)

    async def is_file(self, path: PurePosixPath) -> bool:
        """Tell whether a path is a file."""
        return isinstance(self.filesystem.lookup(PurePosixPath(path)), FileEntry)

    @universal_exception
    async def mkdir(
        self, path: PurePosixPath, *, parents: bool = False, exist_ok: bool = False
    ) -> None:
        """Create a directory (parents too: cameras rely on it)."""
        del parents
        if exist_ok and await self.is_dir(path):
            return
        self.filesystem.mkdir(PurePosixPath(path))

    @universal_exception
    async def rmdir(self, path: PurePosixPath) -> None:
        """Remove an empty directory."""
        self.filesystem.rmdir(PurePosixPath(path))

    @universal_exception
    async def unlink(self, path: PurePosixPath) -> None:
        """Remove a file."""
        self.filesystem.unlink(PurePosixPath(path))

    def list(self, path: PurePosixPath) -> AsyncIterable[PurePosixPath]:
        """Iterate over the paths inside a directory."""
        base = PurePosixPath(path)
        names = [name for name, _ in self.filesystem.children(base)]

        async def paths() -> AsyncIterator[PurePosixPath]:
            for name in names:
                yield base / name

        return paths()

    @universal_exception
    async def stat(self, path: PurePosixPath) -> os.stat_result:
        """Return size, mode and times of a path."""
        entry = self.filesystem.lookup(PurePosixPath(path))
        if entry is None:
            raise FileNotFoundError(str(path))
        return entry_stat(entry)

    async def _open(self, path: PurePosixPath, mode: str) -> io.BytesIO:
        msg = f"{path} cannot be opened ({mode}): files are stored by STOR only"
        raise PermissionError(msg)

    async def seek(self, file: io.BytesIO, offset: int, whence: int = io.SEEK_SET) -> int:
        """Move in an open file (never reached: open() is refused)."""
        return file.seek(offset, whence)

    async def write(self, file: io.BytesIO, data: bytes) -> int:
        """Write to an open file (never reached: open() is refused)."""
        return file.write(data)

    async def read(self, file: io.BytesIO, block_size: int) -> bytes:
        """Read from an open file (never reached: open() is refused)."""
        return file.read(block_size)

    async def close(self, file: io.BytesIO) -> None:
        """Close an open file (never reached: open() is refused)."""
        file.close()

    @universal_exception
    async def rename(self, source: PurePosixPath, destination: PurePosixPath) -> PurePosixPath:
        """Move a path, replacing a file at the destination."""
        self.filesystem.rename(PurePosixPath(source), PurePosixPath(destination))
        return destination
