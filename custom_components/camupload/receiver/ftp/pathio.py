"""aioftp path layer over an account's in-memory file system."""

import io
import os
import stat
from collections.abc import AsyncIterable
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
    """Answer aioftp's path questions (CWD, CDUP, PWD, MLST, RNFR) from the account's files.

    Only lookups go through here; every command that changes or reads files is the server's
    own (ftp/server.py), so the rest of the interface is not implemented.
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
    async def stat(self, path: PurePosixPath) -> os.stat_result:
        """Return size, mode and times of a path."""
        entry = self.filesystem.lookup(PurePosixPath(path))
        if entry is None:
            raise FileNotFoundError(str(path))
        return entry_stat(entry)

    # aioftp's commands that would call the rest (MKD, RMD, DELE, LIST, RNTO, STOR, RETR) are
    # the server's own or turned off: nothing here may touch the file system another way.

    async def mkdir(
        self, path: PurePosixPath, *, parents: bool = False, exist_ok: bool = False
    ) -> None:
        """Not used: MKD is the server's own."""
        raise NotImplementedError

    async def rmdir(self, path: PurePosixPath) -> None:
        """Not used: RMD is the server's own."""
        raise NotImplementedError

    async def unlink(self, path: PurePosixPath) -> None:
        """Not used: DELE is the server's own."""
        raise NotImplementedError

    def list(self, path: PurePosixPath) -> AsyncIterable[PurePosixPath]:
        """Not used: LIST, NLST and MLSD are the server's own."""
        raise NotImplementedError

    async def rename(self, source: PurePosixPath, destination: PurePosixPath) -> PurePosixPath:
        """Not used: RNTO is the server's own."""
        raise NotImplementedError

    async def _open(self, path: PurePosixPath, mode: str) -> io.BytesIO:
        """Not used: STOR and APPE are the server's own, RETR is turned off."""
        raise NotImplementedError

    async def seek(self, file: io.BytesIO, offset: int, whence: int = io.SEEK_SET) -> int:
        """Not used: nothing is opened."""
        raise NotImplementedError

    async def write(self, file: io.BytesIO, data: bytes) -> int:
        """Not used: nothing is opened."""
        raise NotImplementedError

    async def read(self, file: io.BytesIO, block_size: int) -> bytes:
        """Not used: nothing is opened."""
        raise NotImplementedError

    async def close(self, file: io.BytesIO) -> None:
        """Not used: nothing is opened."""
        raise NotImplementedError
