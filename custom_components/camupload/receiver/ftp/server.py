"""The camera FTP server: uploads, renames, listings and the small commands cameras send."""

import time
from collections.abc import Callable
from pathlib import PurePosixPath

from aioftp.common import Connection

from custom_components.camupload.receiver.accounts import AccountBook, FailureLimiter
from custom_components.camupload.receiver.memory_budget import MemoryBudget, MemoryBudgetError
from custom_components.camupload.receiver.model import Account, ReceiverConfig
from custom_components.camupload.receiver.publisher import Publisher
from custom_components.camupload.receiver.splitter import is_complete_jpeg, jpeg_length

from .channel import TransferTooLargeError
from .data_route import DataRouteFtpServer
from .filesystem import (
    DirEntry,
    FileEntry,
    FileSystemError,
    StorageFullError,
    is_temporary_name,
)
from .listing import format_list_line, format_mdtm, format_mlsx_line
from .session import Command, is_set, listing_argument, resolve

_SOI = b"\xff\xd8"
_FEATURES = ("EPRT", "EPSV", "MDTM", "MLST type*;size*;modify*;", "PASV", "SIZE", "UTF8")
_BUDGET_SPENT = "receiver memory budget spent, transfer aborted; try again later"
_TYPES = frozenset({"I", "A", "A N", "L 8", "L8"})


class CameraFtpServer(DataRouteFtpServer):
    """FTP server with per-camera logins and an in-memory file system per account."""

    def __init__(
        self,
        accounts: AccountBook,
        config: ReceiverConfig,
        publisher: Publisher,
        limiter: FailureLimiter,
        memory: MemoryBudget,
    ) -> None:
        """Serve the accounts in the book with the limits in config; buffers draw from memory."""
        super().__init__(accounts, config, publisher, limiter, memory)
        extra: dict[str, Command] = {
            "allo": self.allo,
            "eprt": self.eprt,
            "feat": self.feat,
            "mdtm": self.mdtm,
            "mode": self.mode,
            "nlst": self.nlst,
            "noop": self.noop,
            "opts": self.opts,
            "port": self.port,
            "site": self.site,
            "size": self.size,
            "stru": self.stru,
        }
        self.commands_mapping.update(extra)

    def _path(self, connection: Connection, rest: str | PurePosixPath) -> PurePosixPath | None:
        path = resolve(connection.current_directory, str(rest))
        if path is None:
            connection.response("550", f"{rest!r} leaves your root directory, refused")
        return path

    # Uploads

    async def stor(
        self, connection: Connection, rest: str | PurePosixPath, mode: str = "wb"
    ) -> bool:
        """Receive a file into memory, then publish it as a frame or a file."""
        path = self._upload_target(connection, str(rest))
        if path is not None and mode == "ab" and self._is_stub(connection, path):
            path = None
        if path is not None and self._has_data_route(connection) and self._has_room(connection):
            # Here, not in the transfer: it must come before the replies to later commands.
            connection.response("150", f"ready to receive {path.name}")
            self.start_transfer(connection, self._receive(connection, path, append=mode == "ab"))
        return True

    def _has_room(self, connection: Connection) -> bool:
        """Refuse (452) before the 150 when the memory budget cannot take one read."""
        try:
            self.memory.ensure_room(self._config.read_chunk)
        except MemoryBudgetError:
            connection.response("452", "receiver memory budget spent, try again later")
            return False
        return True

    def _upload_target(self, connection: Connection, rest: str) -> PurePosixPath | None:
        """Return where an upload goes, or None after replying why it cannot."""
        if not self._logged_in(connection):
            return None
        if not rest:
            connection.response("501", "file name required")
            return None
        path = self._path(connection, rest)
        if path is None:
            return None
        parent = connection.filesystem.parent_directory(path)
        if parent is None and path.parent == connection.current_directory:
            parent = self._make_again(connection, path.parent)
        if parent is None:
            message = f"directory {path.parent} does not exist (create it with MKD)"
            connection.response("550", message)
            return None
        if isinstance(connection.filesystem.lookup(path), DirEntry):
            connection.response("550", f"{path} is a directory")
            return None
        return path

    def _make_again(self, connection: Connection, directory: PurePosixPath) -> DirEntry | None:
        """Create again the session's current directory, evicted since CWD (it held nothing)."""
        try:
            connection.filesystem.mkdir(directory)
        except FileSystemError:
            return None
        node = connection.filesystem.lookup(directory)
        return node if isinstance(node, DirEntry) else None

    def _is_stub(self, connection: Connection, path: PurePosixPath) -> bool:
        """Refuse APPE onto a published file whose content is dropped, before any transfer."""
        entry = connection.filesystem.lookup(path)
        if isinstance(entry, FileEntry) and entry.data is None:
            message = f"{path} was published and is no longer held, send it whole with STOR"
            connection.response("550", message)
            return True
        return False

    async def appe(self, connection: Connection, rest: str | PurePosixPath) -> bool:
        """Append to a file (or create it)."""
        return await self.stor(connection, rest, "ab")

    async def _receive(self, connection: Connection, path: PurePosixPath, *, append: bool) -> bool:
        limit = self._config.max_upload_size
        if append and isinstance(existing := connection.filesystem.lookup(path), FileEntry):
            limit -= existing.size
        try:
            channel = await self._open_data(connection)
        except (TimeoutError, OSError):
            connection.response("425", "cannot open data connection")
            return True
        channel.limit = limit
        try:
            body = await channel.received()
        except TransferTooLargeError:
            return self._too_large(connection)
        except MemoryBudgetError:
            connection.response("451", _BUDGET_SPENT)
            return True
        except TimeoutError:
            connection.response("426", "data connection stalled, transfer aborted")
            return True
        except OSError:
            connection.response("426", "data connection lost, transfer aborted")
            return True
        finally:
            # Also on cancellation (ABOR, end of session): start_transfer replies to that.
            channel.close()
        return self._store(connection, path, body, append=append)

    def _too_large(self, connection: Connection) -> bool:
        connection.response(
            "552", f"file larger than {self._config.max_upload_size} bytes, refused"
        )
        return True

    def _store(
        self, connection: Connection, path: PurePosixPath, body: bytes, *, append: bool
    ) -> bool:
        existing = connection.filesystem.lookup(path) if append else None
        held = existing.size if isinstance(existing, FileEntry) else 0
        if held + len(body) > self._config.max_upload_size:
            # Checked again here: the file may have grown while this transfer ran.
            return self._too_large(connection)
        try:
            entry = connection.filesystem.store(path, body, append=append)
        except (FileSystemError, MemoryBudgetError) as err:
            connection.response(*_refusal(err))
            return True
        if is_temporary_name(path.name):
            connection.response("226", "stored under a temporary name, published when renamed")
            return True
        message = self._publish(connection, path, entry)
        if message is None:
            if append:
                connection.response("226", "appended, JPEG not complete yet")
            else:
                connection.filesystem.unlink(path)
                connection.response("451", "incomplete JPEG (no end of image), not published")
            return True
        connection.response("226", message)
        return True

    def _publish(self, connection: Connection, path: PurePosixPath, entry: FileEntry) -> str | None:
        """Publish a stored file; None if it is an incomplete JPEG.

        A frame's content is dropped at once (a stub answers SIZE and LIST); a file's is kept
        for a while, so that APPE can add what a cut upload missed (see filesystem.py).
        """
        account: Account = connection.account
        data = entry.data or b""
        # Appended pieces may glue a cut image to another: they must make exactly one JPEG.
        complete = jpeg_length(data) == len(data) if entry.appended else is_complete_jpeg(data)
        if complete:
            self._publisher.frame(account, data, "ftp", path.name)
            message = "frame received"
        elif data.startswith(_SOI):
            return None
        else:
            self._publisher.file(account, data, "ftp", path.name)
            message = "file received"
        connection.filesystem.mark_published(entry, keep_content=not complete)
        return message

    async def rnto(self, connection: Connection, rest: str | PurePosixPath) -> bool:
        """Rename, replacing a file at the target; publish a temporary upload once."""
        if not self._logged_in(connection):
            return True
        if not is_set(connection, "rename_from"):
            connection.response("503", "send RNFR first")
            return True
        source = PurePosixPath(connection.rename_from)
        del connection.rename_from
        target = self._path(connection, rest)
        if target is None:
            return True
        try:
            entry = connection.filesystem.rename(source, target)
        except FileSystemError as err:
            connection.response("550", str(err))
            return True
        message = "renamed"
        if (
            isinstance(entry, FileEntry)
            and not entry.published
            and entry.data is not None
            and not is_temporary_name(target.name)
        ):
            published = self._publish(connection, target, entry)
            message = f"renamed, {published or 'incomplete JPEG not published'}"
        connection.response("250", message)
        return True

    async def mkd(self, connection: Connection, rest: str | PurePosixPath) -> bool:
        """Create a directory and its missing parents."""
        if not self._logged_in(connection):
            return True
        path = self._path(connection, rest)
        if path is None:
            return True
        try:
            connection.filesystem.mkdir(path)
        except FileSystemError as err:
            connection.response("550", str(err))
            return True
        connection.response("257", f'"{path}" created')
        return True

    async def rmd(self, connection: Connection, rest: str | PurePosixPath) -> bool:
        """Remove an empty directory."""
        return self._remove(connection, rest, directory=True)

    async def dele(self, connection: Connection, rest: str | PurePosixPath) -> bool:
        """Delete a file."""
        return self._remove(connection, rest, directory=False)

    def _remove(
        self, connection: Connection, rest: str | PurePosixPath, *, directory: bool
    ) -> bool:
        if not self._logged_in(connection):
            return True
        path = self._path(connection, rest)
        if path is None:
            return True
        try:
            if directory:
                connection.filesystem.rmdir(path)
            else:
                connection.filesystem.unlink(path)
        except FileSystemError as err:
            connection.response("550", str(err))
            return True
        connection.response("250", f"{path} removed")
        return True

    async def size(self, connection: Connection, rest: str) -> bool:
        """Report a file's size."""
        entry = self._file_entry(connection, rest)
        if entry is not None:
            connection.response("213", str(entry.size))
        return True

    async def mdtm(self, connection: Connection, rest: str) -> bool:
        """Report a file's modification time (UTC)."""
        entry = self._file_entry(connection, rest)
        if entry is not None:
            connection.response("213", format_mdtm(entry))
        return True

    def _file_entry(self, connection: Connection, rest: str) -> FileEntry | None:
        if not self._logged_in(connection):
            return None
        path = self._path(connection, rest)
        if path is None:
            return None
        entry = connection.filesystem.lookup(path)
        if not isinstance(entry, FileEntry):
            connection.response("550", f"{path} is not a file")
            return None
        return entry

    # Listings

    async def list(self, connection: Connection, rest: str | PurePosixPath) -> bool:
        """Send an ls -l style listing."""
        now = time.time()
        return self._listing(connection, str(rest), lambda n, e: format_list_line(n, e, now))

    async def nlst(self, connection: Connection, rest: str) -> bool:
        """Send names only."""
        return self._listing(connection, rest, lambda name, _: name)

    async def mlsd(self, connection: Connection, rest: str | PurePosixPath) -> bool:
        """Send machine-readable facts."""
        return self._listing(connection, str(rest), format_mlsx_line)

    def _listing(self, connection: Connection, rest: str, line: "_LineFormat") -> bool:
        if not self._logged_in(connection):
            return True
        path = self._path(connection, listing_argument(rest))
        if path is None:
            return True
        try:
            children = connection.filesystem.children(path)
        except FileSystemError as err:
            connection.response("550", str(err))
            return True
        if not self._has_data_route(connection):
            return True
        text = "".join(line(name, entry) + "\r\n" for name, entry in children)
        connection.response("150", "sending listing")
        self.start_transfer(connection, self._send(connection, text.encode(self.encoding)))
        return True

    async def _send(self, connection: Connection, payload: bytes) -> bool:
        try:
            channel = await self._open_data(connection)
        except (TimeoutError, OSError):
            connection.response("425", "cannot open data connection")
            return True
        try:
            await channel.send(payload)
        except (TimeoutError, OSError):
            connection.response("426", "data connection lost")
            return True
        finally:
            channel.close()
        connection.response("226", "listing sent")
        return True

    # Small commands

    async def type(self, connection: Connection, rest: str | PurePosixPath) -> bool:
        """Accept binary and ASCII (stored as sent either way)."""
        if str(rest).upper() in _TYPES:
            connection.response("200", f"type set to {str(rest).upper()}")
        else:
            connection.response("504", f"type {rest!r} not supported")
        return True

    async def feat(self, connection: Connection, rest: str) -> bool:
        """List the extensions."""
        del rest
        connection.response("211", ["Features:", *_FEATURES, "End"], True)  # noqa: FBT003 - aioftp's list flag
        return True

    async def opts(self, connection: Connection, rest: str) -> bool:
        """Accept OPTS UTF8 ON (names are always UTF-8) and OPTS MLST."""
        option = rest.upper()
        if option.startswith(("UTF8", "UTF-8", "MLST")):
            connection.response("200", "OK, names are UTF-8")
        else:
            connection.response("501", f"option {rest!r} not supported")
        return True

    async def mode(self, connection: Connection, rest: str) -> bool:
        """Accept stream mode only."""
        return self._only(connection, rest, "S", "mode")

    async def stru(self, connection: Connection, rest: str) -> bool:
        """Accept file structure only."""
        return self._only(connection, rest, "F", "structure")

    def _only(self, connection: Connection, rest: str, accepted: str, what: str) -> bool:
        if rest.strip().upper() == accepted:
            connection.response("200", f"{what} set to {accepted}")
        else:
            connection.response("504", f"only {what} {accepted} is supported")
        return True

    async def allo(self, connection: Connection, rest: str) -> bool:
        """Nothing to allocate: 200, which RFC 959 (5.4) allows for ALLO; Dahua takes no 202."""
        del rest
        connection.response("200", "ALLO ok, no storage allocation necessary")
        return True

    async def noop(self, connection: Connection, rest: str) -> bool:
        """Keep the connection alive."""
        del rest
        connection.response("200", "NOOP ok")
        return True

    async def site(self, connection: Connection, rest: str) -> bool:
        """Accept SITE commands (CHMOD, UMASK...) without effect."""
        del rest
        if self._logged_in(connection):
            connection.response("200", "SITE command accepted, no effect")
        return True


def _refusal(error: FileSystemError | MemoryBudgetError) -> tuple[str, str]:
    """The reply to a store the file system refused."""
    if isinstance(error, MemoryBudgetError):
        return "452", "receiver memory budget spent, file not stored; try again later"
    if isinstance(error, StorageFullError):
        return "552", str(error)
    return "550", str(error)


type _LineFormat = Callable[[str, FileEntry | DirEntry], str]
