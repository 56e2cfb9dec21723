"""A focused asyncio FTP/FTPS client: exactly what a camera upload needs.

Why not aioftp's client: 0.28.3 can do explicit TLS (`upgrade_to_tls`) but has no active mode
(it only knows EPSV/PASV and opens the data connection before sending the command), and its
errors do not tell "wrong password" from "permission denied". A camera must do both, so this
module speaks the few commands it needs itself.
"""

import asyncio
import contextlib
import socket
import ssl
from dataclasses import dataclass
from typing import Any, Self

from .errors import (
    AuthenticationError,
    PermissionDeniedError,
    ProtocolError,
    UploadConnectionError,
    UploadError,
)
from .model import Destination, Protocol

DEFAULT_TIMEOUT = 30.0
MAX_REPLY_LINES = 200  # a server that never ends its reply is broken
ENCODING = "utf-8"

_CODE_NOT_LOGGED_IN = 530
_CODE_SERVICE_CLOSING = 421
_PERMISSION_CODES = frozenset({450, 532, 550, 553})


@dataclass(frozen=True)
class FtpReply:
    """One reply from the server: its code and its text (lines joined)."""

    code: int
    text: str

    def __str__(self) -> str:
        """The reply as the server wrote it."""
        return f"{self.code} {self.text}"


class _SessionReusingContext(ssl.SSLContext):
    """An SSL context that resumes the control connection's TLS session on data connections.

    Many servers (vsftpd's `require_ssl_reuse`, FileZilla) insist on it, and asyncio offers
    no `session` argument, so the context injects it where asyncio wraps the socket.
    """

    session: ssl.SSLSession | None = None

    def wrap_bio(self, *args: Any, **kwargs: Any) -> ssl.SSLObject:  # noqa: ANN401
        """Wrap with the stored session."""
        kwargs.setdefault("session", self.session)
        return super().wrap_bio(*args, **kwargs)


def make_tls_context(*, verify: bool) -> ssl.SSLContext:
    """Create the client TLS context for a control and its data connections."""
    context = _SessionReusingContext(ssl.PROTOCOL_TLS_CLIENT)
    if verify:
        context.load_default_certs()
    else:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _connection_error(what: str, exc: BaseException) -> UploadConnectionError:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return UploadConnectionError(
            f"The server's TLS certificate is not trusted ({exc.verify_message}); "
            "turn off certificate verification only if you trust this network"
        )
    if isinstance(exc, TimeoutError):
        return UploadConnectionError(f"{what}: the server did not answer in time")
    return UploadConnectionError(f"{what}: {exc or type(exc).__name__}")


class FtpClient:
    """One FTP control connection with the operations an upload needs."""

    def __init__(self, destination: Destination, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Prepare a client for the destination; nothing happens until `connect`."""
        self.destination = destination
        self.timeout = timeout
        self.welcome: FtpReply | None = None
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._tls: ssl.SSLContext | None = None
        self._home = "/"
        self._cwd: tuple[str, ...] | None = None

    async def __aenter__(self) -> Self:
        """Connect and log in."""
        await self.connect()
        await self.login()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        """Say goodbye and close."""
        await self.quit()

    @property
    def connected(self) -> bool:
        """Whether the control connection is open."""
        return self._writer is not None and not self._writer.is_closing()

    async def connect(self) -> FtpReply:
        """Open the control connection, read the greeting and, for FTPS, switch to TLS."""
        host, port = self.destination.host, self.destination.effective_port
        try:
            self._reader, self._writer = await asyncio.wait_for(
                asyncio.open_connection(host, port), self.timeout
            )
        except (OSError, TimeoutError) as exc:
            what = f"Cannot connect to {host}:{port}"
            raise _connection_error(what, exc) from exc
        self.welcome = await self._expect(await self._read_reply(), 220, "greeting")
        if self.destination.protocol is Protocol.FTPS:
            await self._start_tls()
        return self.welcome

    async def _start_tls(self) -> None:
        reply = await self.command("AUTH TLS")
        if reply.code != 234:  # noqa: PLR2004
            msg = "The server does not offer FTPS (explicit TLS)"
            raise ProtocolError(msg, server_reply=str(reply))
        # Loading the system's CA certificates reads files: keep it off the event loop.
        self._tls = await asyncio.to_thread(make_tls_context, verify=self.destination.verify_tls)
        assert self._writer is not None  # noqa: S101
        try:
            await asyncio.wait_for(
                self._writer.start_tls(self._tls, server_hostname=self.destination.host),
                self.timeout,
            )
        except (OSError, TimeoutError, ssl.SSLError) as exc:
            what = "TLS handshake failed"
            raise _connection_error(what, exc) from exc

    async def login(self) -> None:
        """Log in, switch to binary mode and, for FTPS, protect the data connections."""
        user = self.destination.username or "anonymous"
        reply = await self.command(f"USER {user}")
        if reply.code == 331:  # noqa: PLR2004
            reply = await self.command(f"PASS {self.destination.password}")
        if reply.code == _CODE_NOT_LOGGED_IN or reply.code // 100 in (4, 5):
            msg = f"The server rejected the login of user {user!r}"
            raise AuthenticationError(msg, server_reply=str(reply))
        await self._expect(reply, 230, "login")
        if self._tls is not None:
            await self._expect(await self.command("PBSZ 0"), 200, "PBSZ")
            await self._expect(await self.command("PROT P"), 200, "PROT P")
        await self._expect(await self.command("TYPE I"), 200, "binary mode")
        pwd = await self.command("PWD")
        if pwd.code == 257 and pwd.text.count('"') >= 2:  # noqa: PLR2004
            self._home = pwd.text.split('"')[1] or "/"
        self._cwd = ()

    async def command(self, line: str) -> FtpReply:
        """Send one command and return the server's reply, whatever its code."""
        if self._writer is None:
            msg = "Not connected"
            raise UploadConnectionError(msg)
        try:
            self._writer.write(line.encode(ENCODING) + b"\r\n")
            await asyncio.wait_for(self._writer.drain(), self.timeout)
        except (OSError, TimeoutError) as exc:
            await self.close()
            what = "The connection to the server broke"
            raise _connection_error(what, exc) from exc
        return await self._read_reply()

    async def _read_reply(self) -> FtpReply:
        assert self._reader is not None  # noqa: S101
        lines: list[str] = []
        try:
            while len(lines) < MAX_REPLY_LINES:
                raw = await asyncio.wait_for(self._reader.readline(), self.timeout)
                if not raw:
                    msg = "the server closed the connection"
                    raise ConnectionResetError(msg)
                line = raw.decode(ENCODING, "replace").rstrip("\r\n")
                lines.append(line)
                head = lines[0][:3]
                if not head.isdigit():
                    break  # not FTP (an SSH banner, say): said below, not after the timeout
                if line[:3] == head and line[3:4] != "-":
                    break
            else:
                msg = "The server's reply never ended"
                raise ProtocolError(msg)
        except (OSError, TimeoutError, asyncio.IncompleteReadError) as exc:
            await self.close()
            what = "The connection to the server broke"
            raise _connection_error(what, exc) from exc
        if not lines[0][:3].isdigit():
            msg = "The server sent something that is not an FTP reply"
            raise ProtocolError(msg, server_reply=lines[0])
        code = int(lines[0][:3])
        text = " ".join(line[4:] if line[:3].isdigit() else line.strip() for line in lines)
        if code == _CODE_SERVICE_CLOSING:
            await self.close()
            msg = "The server closed the session"
            raise UploadConnectionError(msg, server_reply=f"{code} {text}")
        return FtpReply(code, text)

    async def _expect(self, reply: FtpReply, code: int, what: str) -> FtpReply:
        if reply.code == code or (code < 10 and reply.code // 100 == code):  # noqa: PLR2004
            return reply
        if reply.code in _PERMISSION_CODES:
            msg = f"The server refused the {what}"
            raise PermissionDeniedError(msg, server_reply=str(reply))
        msg = f"Unexpected answer to the {what}"
        raise ProtocolError(msg, server_reply=str(reply))

    async def change_directory(self, parts: tuple[str, ...], *, create: bool = True) -> None:
        """Go to the directory below the login directory, creating missing levels one by one."""
        if self._cwd == parts:
            return
        await self._expect(await self.command(f"CWD {self._home}"), 2, "change to the home")
        self._cwd = None
        for part in parts:
            reply = await self.command(f"CWD {part}")
            if reply.code // 100 == 2:  # noqa: PLR2004
                continue
            if not create:
                await self._expect(reply, 2, f"change to directory {part!r}")
            made = await self.command(f"MKD {part}")
            await self._expect(made, 257, f"creation of directory {part!r}")
            await self._expect(await self.command(f"CWD {part}"), 2, f"change to {part!r}")
        self._cwd = parts

    async def store(self, name: str, data: bytes) -> None:
        """Store the bytes under the name in the current directory."""
        if self.destination.passive:
            await self._store_passive(name, data)
        else:
            await self._store_active(name, data)

    async def _store_passive(self, name: str, data: bytes) -> None:
        host, port = await self._passive_address()
        try:
            _reader, writer = await asyncio.wait_for(
                asyncio.open_connection(host, port), self.timeout
            )
        except (OSError, TimeoutError) as exc:
            what = "Cannot open the passive data connection"
            raise _connection_error(what, exc) from exc
        try:
            reply = await self.command(f"STOR {name}")
            await self._expect(reply, 1, f"upload of {name!r}")
            writer = await self._secure_data(writer)
            await self._send(writer, data)
        finally:
            await self._close_data(writer)
        await self._expect(await self._read_reply(), 2, f"upload of {name!r}")

    async def _passive_address(self) -> tuple[str, int]:
        assert self._writer is not None  # noqa: S101
        peer = self._writer.get_extra_info("peername")[0]
        reply = await self.command("EPSV")
        if reply.code == 229:  # noqa: PLR2004
            inner = reply.text[reply.text.index("(") + 1 : reply.text.rindex(")")]
            return peer, int(inner.strip(inner[0]).split(inner[0])[-1])
        reply = await self._expect(await self.command("PASV"), 227, "passive mode")
        numbers = reply.text[reply.text.index("(") + 1 : reply.text.rindex(")")].split(",")
        # Like curl, trust the control connection's address over the one in the reply (NAT).
        return peer, int(numbers[4]) * 256 + int(numbers[5])

    async def _store_active(self, name: str, data: bytes) -> None:
        assert self._writer is not None  # noqa: S101
        local = self._writer.get_extra_info("sockname")[0]
        family = socket.AF_INET6 if ":" in local else socket.AF_INET
        # A bare listening socket: the data connection must be a TLS *client* even when the
        # server dials in, which asyncio's start_server streams cannot be.
        with socket.socket(family, socket.SOCK_STREAM) as listener:
            listener.bind((local, 0))
            listener.listen(1)
            listener.setblocking(False)  # noqa: FBT003
            port = listener.getsockname()[1]
            if family == socket.AF_INET6:
                reply = await self.command(f"EPRT |2|{local}|{port}|")
            else:
                address = ",".join(local.split("."))
                reply = await self.command(f"PORT {address},{port // 256},{port % 256}")
            await self._expect(reply, 200, "active mode (PORT)")
            await self._expect(await self.command(f"STOR {name}"), 1, f"upload of {name!r}")
            try:
                connection, _ = await asyncio.wait_for(
                    asyncio.get_running_loop().sock_accept(listener), self.timeout
                )
            except TimeoutError as exc:
                msg = "The server did not open the active data connection (firewall?)"
                raise UploadConnectionError(msg) from exc
        _reader, writer = await asyncio.open_connection(sock=connection)
        try:
            writer = await self._secure_data(writer)
            await self._send(writer, data)
        finally:
            await self._close_data(writer)
        await self._expect(await self._read_reply(), 2, f"upload of {name!r}")

    async def _secure_data(self, writer: asyncio.StreamWriter) -> asyncio.StreamWriter:
        if self._tls is None:
            return writer
        assert self._writer is not None  # noqa: S101
        control = self._writer.get_extra_info("ssl_object")
        if isinstance(self._tls, _SessionReusingContext) and control is not None:
            self._tls.session = control.session
        try:
            await asyncio.wait_for(
                writer.start_tls(self._tls, server_hostname=self.destination.host),
                self.timeout,
            )
        except (OSError, TimeoutError, ssl.SSLError) as exc:
            what = "TLS on the data connection failed"
            raise _connection_error(what, exc) from exc
        return writer

    async def _close_data(self, writer: asyncio.StreamWriter) -> None:
        """Close a data connection, waiting at most the timeout for its bytes to leave.

        A server that stopped reading leaves the rest of the file in our buffer: closing
        would wait for it without end, so the connection is then dropped.
        """
        writer.close()
        try:
            await asyncio.wait_for(writer.wait_closed(), self.timeout)
        except TimeoutError:
            writer.transport.abort()
        except (OSError, ssl.SSLError):
            pass

    async def _send(self, writer: asyncio.StreamWriter, data: bytes) -> None:
        try:
            writer.write(data)
            await asyncio.wait_for(writer.drain(), self.timeout)
        except (OSError, TimeoutError) as exc:
            what = "The data connection broke"
            raise _connection_error(what, exc) from exc

    async def size(self, name: str) -> int | None:
        """Return the file's size on the server, or None when it does not exist."""
        reply = await self.command(f"SIZE {name}")
        if reply.code == 213 and reply.text.strip().isdigit():  # noqa: PLR2004
            return int(reply.text.strip())
        return None

    async def rename(self, source: str, target: str) -> None:
        """Rename a file in the current directory."""
        await self._expect(await self.command(f"RNFR {source}"), 350, f"rename of {source!r}")
        await self._expect(await self.command(f"RNTO {target}"), 250, f"rename to {target!r}")

    async def delete(self, name: str) -> bool:
        """Delete a file; return False when there was nothing to delete."""
        reply = await self.command(f"DELE {name}")
        if reply.code // 100 == 2:  # noqa: PLR2004
            return True
        if reply.code == 550 and await self.size(name) is None:  # noqa: PLR2004
            return False
        await self._expect(reply, 250, f"deletion of {name!r}")
        return True  # pragma: no cover  # _expect raised

    async def noop(self) -> None:
        """Keep the connection alive."""
        await self._expect(await self.command("NOOP"), 2, "keep-alive (NOOP)")

    async def quit(self) -> None:
        """Say goodbye politely, then close; never raises."""
        if self.connected:
            with contextlib.suppress(UploadError):
                await asyncio.wait_for(self.command("QUIT"), self.timeout)
        await self.close()

    async def close(self) -> None:
        """Close the control connection without a goodbye."""
        writer, self._writer, self._reader, self._cwd = self._writer, None, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError, ssl.SSLError, TimeoutError):
                await asyncio.wait_for(writer.wait_closed(), self.timeout)
