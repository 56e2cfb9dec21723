"""aioftp server subclass handling camera sessions: limits, logins, data connections."""

import asyncio
import logging
import socket
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path, PurePosixPath
from typing import Any, cast, override

import aioftp
from aioftp import errors as aioftp_errors
from aioftp.common import Connection, StreamIO

from custom_components.camupload.receiver.accounts import AccountBook, FailureLimiter
from custom_components.camupload.receiver.memory_budget import MemoryBudget
from custom_components.camupload.receiver.model import DEFAULT_HOST, ReceiverConfig
from custom_components.camupload.receiver.publisher import Publisher

from .control import BAD_LINE, EOF, ControlConnection
from .control_listener import ControlListener
from .filesystem import AccountFileSystem
from .passive_ports import PassivePortRange
from .pathio import AccountPathIO

_LOGGER = logging.getLogger(__name__)

# Internal command for a path that leaves the root (see control.py for the others).
_ESCAPE = " escape"
_PATH_COMMANDS = frozenset(
    {"cwd", "dele", "mkd", "rmd", "rnfr", "rnto", "stor", "appe", "size", "mdtm", "mlst"}
)
_LISTING_COMMANDS = frozenset({"list", "nlst", "mlsd"})
# Commands that end a PASV/EPSV still waiting in line for a passive port.
_ENDS_PORT_WAIT = frozenset({"abor", "quit", EOF})

type Command = Callable[[Connection, str], Awaitable[bool]]


class SessionFtpServer(aioftp.Server):
    """Control and data connections of camera sessions; file commands live in a subclass."""

    def __init__(
        self,
        accounts: AccountBook,
        config: ReceiverConfig,
        publisher: Publisher,
        limiter: FailureLimiter,
        memory: MemoryBudget,
    ) -> None:
        """Serve the accounts in the book with the limits in config; buffers draw from memory."""
        super().__init__(
            CameraUserManager(publisher),
            block_size=config.read_chunk,
            socket_timeout=config.stall_timeout,
            idle_timeout=config.idle_timeout,
            wait_future_timeout=config.data_connect_timeout,
            path_io_factory=_path_io_factory(),
            # The control listener caps connections, in all and per address, before a session.
            maximum_connections=None,
            ipv4_pasv_forced_response_address=config.public_address,
            welcome_message="camupload receiver ready",
        )
        self._accounts = accounts
        self._config = config
        self._publisher = publisher
        self._limiter = limiter
        # Data connections and the content the file systems hold draw from it.
        self.memory = memory
        self._filesystems: dict[str, AccountFileSystem] = {}
        self._passive_ports = (
            None if config.passive_ports is None else PassivePortRange(config.passive_ports)
        )
        self._control = ControlListener(
            self.dispatcher,
            max_connections=config.max_connections,
            max_per_address=config.max_connections_per_address,
        )
        extra: dict[str, Command] = {
            EOF: self._eof,
            BAD_LINE: self._bad_line,
            _ESCAPE: self._escape,
        }
        self.commands_mapping.update(extra)
        for unsupported in ("retr", "rest", "pbsz", "prot"):
            self.commands_mapping.pop(unsupported, None)

    @property
    def control_connections(self) -> int:
        """Control connections holding a place in the caps (a session, or one starting)."""
        return self._control.connections

    @override
    async def start(self, host: str | None = None, port: int = 0, **kwargs: Any) -> None:
        """Listen on host (None: loopback) and port (0: any free port); OSError if it cannot."""
        if kwargs:
            msg = f"unsupported listening options: {sorted(kwargs)}"
            raise TypeError(msg)
        self.connections = {}
        self._control.start(host or DEFAULT_HOST, port)
        self.server_host = host or DEFAULT_HOST
        self.server_port = self._control.port
        _LOGGER.info("FTP serving on %s:%s", self.server_host, self.server_port)

    @override
    async def close(self) -> None:
        """Stop serving and end every session; set-aside passive ports are offered no more."""
        # Ends every session: each one's task is its dispatcher.
        await self._control.close()
        if self._passive_ports is not None:
            self._passive_ports.close()
        for filesystem in self._filesystems.values():
            filesystem.release()
        self._filesystems.clear()

    def filesystem(self, username: str) -> AccountFileSystem:
        """Return (creating it on first use) the file system of an account."""
        filesystem = self._filesystems.get(username)
        if filesystem is None:
            config = self._config
            filesystem = AccountFileSystem(
                config.max_account_storage,
                config.max_account_entries,
                max_kept_bytes=config.max_upload_size,
                lease=self.memory.lease(),
            )
            self._filesystems[username] = filesystem
        return filesystem

    def end_sessions(self, username: str) -> None:
        """End at once the sessions logged in as username (its login changed or is gone).

        A transfer they run is aborted, as when the server stops; the camera reconnects.
        """
        for connection in list(self.connections.values()):
            if is_set(connection, "account") and connection.account.username == username:
                connection.response("421", "your login was changed or removed, closing")
                connection._dispatcher.cancel()  # noqa: SLF001 - aioftp's own close() does this

    def forget_files(self, username: str) -> None:
        """Drop the file system of an account that no longer exists, and the memory it held."""
        filesystem = self._filesystems.pop(username, None)
        if filesystem is not None:
            filesystem.release()

    # Connection life cycle

    async def greeting(self, connection: Connection, rest: str | PurePosixPath) -> bool:
        """Greet a new connection (the listener already capped connection counts)."""
        sock = connection.command_connection.writer.get_extra_info("socket")
        if sock is not None:
            # Clients send ABOR's last byte as TCP urgent data: keep it in the stream.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_OOBINLINE, 1)
        return await super().greeting(connection, rest)

    # The session loop (aioftp's runs every command and every reply in a task of its own)

    @override
    async def dispatcher(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Run one client's session: commands in order, transfers beside them."""
        host, port, *_ = writer.get_extra_info("peername", ("", ""))
        server_host, *_ = writer.get_extra_info("sockname")
        control = ControlConnection(
            reader,
            writer,
            encoding=self.encoding,
            idle_timeout=self._config.idle_timeout,
            write_timeout=self._config.stall_timeout,
        )
        stream = StreamIO(reader, writer)
        connection = Connection(
            client_host=host,
            client_port=port,
            server_host=server_host,
            passive_server_port=0,
            server_port=self.server_port,
            command_connection=stream,
            socket_timeout=self.socket_timeout,
            idle_timeout=self.idle_timeout,
            wait_future_timeout=self.wait_future_timeout,
            block_size=self.block_size,
            path_io_factory=self.path_io_factory,
            path_timeout=self.path_timeout,
            extra_workers=set(),
            response=control.reply,
            acquired=False,
            restart_offset=0,
            _dispatcher=asyncio.current_task(),
        )
        connection.path_io = self.path_io_factory(timeout=self.path_timeout, connection=connection)
        self.connections[stream] = connection
        try:
            await self._serve(connection, control)
        except (TimeoutError, OSError):
            # The client stopped reading its replies or went away.
            pass
        except Exception:
            _LOGGER.exception("FTP session from %s failed", host)
        finally:
            await self._end_session(stream, connection, control)

    async def _serve(self, connection: Connection, control: ControlConnection) -> None:
        def busy() -> bool:
            return bool(connection.extra_workers)

        def logged_in() -> bool:
            return is_set(connection, "logged")

        control.watch_idle(busy)
        keep = await self.greeting(connection, "")
        control.watch_login(logged_in, self._config.login_timeout)
        while keep:
            await control.drain()
            name, rest = await control.read_command()
            if self._escapes(connection, name, rest):
                name = _ESCAPE
            await self._settle_port_wait(connection, name)
            command = self.commands_mapping.get(name)
            if command is None:
                connection.response("502", f"{name!r} not implemented")
                continue
            try:
                keep = await command(connection, rest)
            except aioftp_errors.PathIOError:
                connection.response("451", "file system error")

    async def _end_session(
        self, stream: StreamIO, connection: Connection, control: ControlConnection
    ) -> None:
        workers = list(connection.extra_workers)
        if is_set(connection, "port_wait"):
            workers.append(connection.port_wait)
        for worker in workers:
            worker.cancel()
        self.release_passive(connection)
        if is_set(connection, "data_connection"):
            connection.data_connection.close()
        control.close()
        if connection.acquired:
            self.available_connections.release()
        self.connections.pop(stream, None)
        if is_set(connection, "user"):
            await self.user_manager.notify_logout(connection.user)
        if workers:
            await asyncio.wait(workers)

    def release_passive(self, connection: Connection) -> None:
        """Close the session's passive listener, if open, and give its port back to the range.

        Called once its data connection is accepted, when a transfer stops waiting for one,
        and at the end of the session, as vsftpd does: a camera that stays connected between
        uploads holds no port.
        """
        if not is_set(connection, "passive_server"):
            return
        listener = connection.passive_server
        del connection.passive_server
        listener.close()
        if is_set(connection, "passive_expiry"):
            connection.passive_expiry.cancel()
        if self._passive_ports is not None:
            self._passive_ports.give_back(connection.passive_server_port)

    def wait_for_port(self, connection: Connection, work: Coroutine[Any, Any, None]) -> None:
        """Run a PASV/EPSV waiting for a passive port beside the session loop.

        It answers by itself when it gets a port or gives up; the loop reads the next command
        meanwhile but runs it only after that answer (see _settle_port_wait).
        """
        connection.port_wait = asyncio.create_task(work)

    async def _settle_port_wait(self, connection: Connection, name: str) -> None:
        """Let a waiting PASV/EPSV answer before the next command; ABOR, QUIT or EOF end it."""
        if not is_set(connection, "port_wait"):
            return
        waiting: asyncio.Task[None] = connection.port_wait
        if name in _ENDS_PORT_WAIT:
            waiting.cancel()
        await asyncio.wait([waiting])
        del connection.port_wait
        if waiting.cancelled():
            connection.response("425", "no passive port, stopped waiting for one")
        elif (error := waiting.exception()) is not None:
            _LOGGER.error("FTP passive port wait failed", exc_info=error)
            connection.response("425", "no passive port")

    def start_transfer(self, connection: Connection, work: Coroutine[Any, Any, object]) -> None:
        """Run a transfer beside the session loop, so that ABOR and NOOP are still read."""
        task = asyncio.create_task(work)
        connection.extra_workers.add(task)

        def finished(task: asyncio.Task[object]) -> None:
            connection.extra_workers.discard(task)
            if task.cancelled():
                # ABOR, wherever the transfer was (dropped if the session is ending).
                connection.response("426", "transfer aborted, nothing stored")
                connection.response("226", "abort successful")
            elif (error := task.exception()) is not None:
                _LOGGER.error("FTP transfer failed", exc_info=error)
                connection.response("451", "local error, transfer failed")

        task.add_done_callback(finished)

    def _escapes(self, connection: Connection, name: str, rest: str) -> bool:
        if name in _LISTING_COMMANDS:
            rest = listing_argument(rest)
        elif name not in _PATH_COMMANDS:
            return False
        if not is_set(connection, "current_directory"):
            return False
        return resolve(connection.current_directory, rest) is None

    async def _eof(self, connection: Connection, rest: str) -> bool:
        """The client closed the control connection: a file still coming in is still stored."""
        del rest
        await self._finish_transfers(connection)
        return False

    async def quit(self, connection: Connection, rest: str | PurePosixPath) -> bool:
        """Finish a running transfer and its reply first, then say goodbye (RFC 959)."""
        del rest
        await self._finish_transfers(connection)
        connection.response("221", "bye")
        return False

    async def abor(self, connection: Connection, rest: str | PurePosixPath) -> bool:
        """Abort running transfers (each then replies 426 and 226), or say there was none."""
        del rest
        if not self._logged_in(connection):
            return True
        running = [task for task in connection.extra_workers if not task.done()]
        for task in running:
            task.cancel()
        if running:
            # Their replies (426, 226) are written before the next command is read.
            await asyncio.wait(running)
        else:
            connection.response("226", "nothing to abort")
        return True

    async def _finish_transfers(self, connection: Connection) -> None:
        # Each transfer ends by itself: data connect and stall timeouts bound the wait.
        running = [task for task in connection.extra_workers if not task.done()]
        if running:
            await asyncio.wait(running)

    async def _bad_line(self, connection: Connection, rest: str) -> bool:
        connection.response("501", rest)
        return True

    async def _escape(self, connection: Connection, rest: str) -> bool:
        connection.response("550", f"{rest!r} leaves your root directory, refused")
        return True

    def _logged_in(self, connection: Connection) -> bool:
        if is_set(connection, "logged"):
            return True
        connection.response("530", "not logged in")
        return False


class CameraUserManager(aioftp.AbstractUserManager):
    """Counts logged-in connections; logins themselves are checked by the server's PASS."""

    def __init__(self, publisher: Publisher) -> None:
        """Keep the publisher whose statistics count connections."""
        super().__init__()
        self._publisher = publisher

    async def get_user(
        self, login: str
    ) -> tuple[aioftp.AbstractUserManager.GetUserResponse, aioftp.User | None, str]:
        """Not used: USER is answered by the server."""
        del login
        return aioftp.AbstractUserManager.GetUserResponse.ERROR, None, "not used"

    async def authenticate(self, user: aioftp.User, password: str) -> bool:
        """Not used: PASS is answered by the server."""
        del user, password
        return False

    async def notify_logout(self, user: aioftp.User) -> None:
        """Count the end of a logged-in connection."""
        if user.login is not None:
            self._publisher.stats.connection_closed(user.login)


def is_set(connection: Connection, key: str) -> bool:
    """Tell whether a connection value is set (reading a missing key would create it)."""
    return key in connection and connection[key].done()


def _path_io_factory() -> "type[aioftp.AbstractPathIO[Path]]":
    # aioftp annotates the factory for real paths; ours serves pure POSIX paths.
    return cast("type[aioftp.AbstractPathIO[Path]]", AccountPathIO)


def resolve(current: PurePosixPath, argument: str) -> PurePosixPath | None:
    """Resolve a client path against the current directory; None if it leaves the root."""
    # Plain string work: this runs for every path command, twice for uploads.
    if not argument:
        return current
    text = argument if argument.startswith("/") else f"{current}/{argument}"
    parts: list[str] = []
    for part in text.split("/"):
        if part == "..":
            if not parts:
                return None
            parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    return PurePosixPath("/" + "/".join(parts))


def listing_argument(rest: str) -> str:
    """Drop ls-style options (LIST -la) from a listing argument."""
    if rest.startswith("-"):
        _, _, rest = rest.partition(" ")
    return rest
