"""A small FTP server on loopback whose replies a test scripts.

The real servers in tests/uploader/servers.py cannot be told to greet like an SSH daemon, point
EPSV at a closed port or reset a connection halfway through a file; this one can. Without a
script it speaks just enough FTP for the uploader (login, TYPE, PWD, CWD, MKD, EPSV, PASV,
EPRT, PORT, STOR, RNFR/RNTO, SIZE, DELE, NOOP, QUIT, and AUTH TLS when given a certificate),
so a test replaces only the one command whose failure it is about.
"""

import asyncio
import contextlib
import socket
import ssl
import struct
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Self

Handler = Callable[["FtpConnection", str], Awaitable[None]]


def reset(writer: asyncio.StreamWriter) -> None:
    """Close a connection with a TCP reset, as a crashing server or a firewall does."""
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


@dataclass
class FtpConnection:
    """One client's control connection and the data connection it set up last."""

    server: "ScriptedFtpServer"
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    data: "asyncio.Future[tuple[asyncio.StreamReader, asyncio.StreamWriter]] | None" = None
    _listener: asyncio.Server | None = None

    async def reply(self, line: str) -> None:
        """Send one reply line."""
        self.writer.write(line.encode() + b"\r\n")
        await self.writer.drain()

    async def listen_for_data(self) -> int:
        """Open a passive data port; its first connection becomes `data`."""
        await self.close_data()
        future: asyncio.Future[tuple[asyncio.StreamReader, asyncio.StreamWriter]]
        future = asyncio.get_running_loop().create_future()

        async def accepted(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            if not future.done():
                future.set_result((reader, writer))

        self.data = future
        self._listener = await asyncio.start_server(accepted, self.server.host, 0)
        return int(self._listener.sockets[0].getsockname()[1])

    def dial_data(self, host: str, port: int) -> None:
        """Active mode: the data connection is opened to the client when STOR comes."""
        future: asyncio.Future[tuple[asyncio.StreamReader, asyncio.StreamWriter]]
        future = asyncio.ensure_future(asyncio.open_connection(host, port))
        self.data = future

    async def close_data(self) -> None:
        """Stop listening for a data connection."""
        if self._listener is not None:
            self._listener.close()
            self._listener = None

    async def data_connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """The data connection the client set up (passive) or the server dials (active)."""
        assert self.data is not None
        return await self.data


async def _user(connection: FtpConnection, _argument: str) -> None:
    await connection.reply("331 Password please")


async def _pass(connection: FtpConnection, _argument: str) -> None:
    await connection.reply("230 Logged in")


async def _ok(connection: FtpConnection, _argument: str) -> None:
    await connection.reply("200 OK")


async def _pwd(connection: FtpConnection, _argument: str) -> None:
    await connection.reply('257 "/" is the current directory')


async def _cwd(connection: FtpConnection, _argument: str) -> None:
    await connection.reply("250 Directory changed")


async def _mkd(connection: FtpConnection, argument: str) -> None:
    await connection.reply(f'257 "{argument}" created')


async def _epsv(connection: FtpConnection, _argument: str) -> None:
    port = await connection.listen_for_data()
    await connection.reply(f"229 Entering Extended Passive Mode (|||{port}|)")


async def _pasv(connection: FtpConnection, _argument: str) -> None:
    port = await connection.listen_for_data()
    await connection.reply(f"227 Entering Passive Mode (127,0,0,1,{port // 256},{port % 256})")


async def _eprt(connection: FtpConnection, argument: str) -> None:
    _, _family, host, port, _ = argument.split(argument[0])
    connection.dial_data(host, int(port))
    await connection.reply("200 EPRT command successful")


async def _port(connection: FtpConnection, argument: str) -> None:
    numbers = argument.split(",")
    connection.dial_data(".".join(numbers[:4]), int(numbers[4]) * 256 + int(numbers[5]))
    await connection.reply("200 PORT command successful")


async def _stor(connection: FtpConnection, argument: str) -> None:
    await connection.reply("150 Ok to send data")
    reader, writer = await connection.data_connection()
    if connection.server.tls is not None:
        await writer.start_tls(connection.server.tls)
    connection.server.stored[argument] = await reader.read()
    writer.close()
    await connection.reply("226 Transfer complete")


async def _size(connection: FtpConnection, argument: str) -> None:
    data = connection.server.stored.get(argument)
    await connection.reply("550 No such file" if data is None else f"213 {len(data)}")


async def _rnfr(connection: FtpConnection, _argument: str) -> None:
    await connection.reply("350 Ready for RNTO")


async def _rnto(connection: FtpConnection, _argument: str) -> None:
    await connection.reply("250 Rename successful")


async def _auth(connection: FtpConnection, _argument: str) -> None:
    if connection.server.tls is None:
        await connection.reply("502 No TLS here")
        return
    await connection.reply("234 Proceed with negotiation")
    await connection.writer.start_tls(connection.server.tls)


async def _quit(connection: FtpConnection, _argument: str) -> None:
    await connection.reply("221 Goodbye")
    connection.writer.close()


DIALOGUE: dict[str, Handler] = {
    "USER": _user,
    "PASS": _pass,
    "TYPE": _ok,
    "PBSZ": _ok,
    "PROT": _ok,
    "NOOP": _ok,
    "PWD": _pwd,
    "CWD": _cwd,
    "MKD": _mkd,
    "EPSV": _epsv,
    "PASV": _pasv,
    "EPRT": _eprt,
    "PORT": _port,
    "STOR": _stor,
    "SIZE": _size,
    "DELE": _cwd,
    "RNFR": _rnfr,
    "RNTO": _rnto,
    "AUTH": _auth,
    "QUIT": _quit,
}


@dataclass
class ScriptedFtpServer:
    """An FTP server on `host` whose `script` replaces the default reply to some commands."""

    script: Mapping[str, Handler] = field(default_factory=dict)
    greeting: str = "220 Scripted FTP server ready"
    host: str = "127.0.0.1"
    tls: ssl.SSLContext | None = None
    commands: list[str] = field(default_factory=list)  # every command line, as received
    stored: dict[str, bytes] = field(default_factory=dict)  # file name -> bytes received
    connections: list[FtpConnection] = field(default_factory=list)
    _server: asyncio.Server | None = None

    @property
    def port(self) -> int:
        """The control port."""
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    async def __aenter__(self) -> Self:
        """Start listening."""
        self._server = await asyncio.start_server(self._serve, self.host, 0)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        """Stop listening and drop every connection."""
        assert self._server is not None
        self._server.close()
        for connection in self.connections:
            await connection.close_data()
            connection.writer.close()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._server.wait_closed(), 2)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connection = FtpConnection(self, reader, writer)
        self.connections.append(connection)
        with contextlib.suppress(OSError, ssl.SSLError):
            writer.write(self.greeting.encode() + b"\r\n")
            await writer.drain()
            while line := (await connection.reader.readline()).decode().rstrip("\r\n"):
                self.commands.append(line)
                verb, _, argument = line.partition(" ")
                handler = self.script.get(verb.upper()) or DIALOGUE.get(verb.upper())
                if handler is None:
                    await connection.reply(f"502 {verb} not implemented")
                else:
                    await handler(connection, argument)
        await connection.close_data()
