"""The FTP control connection: command lines in, replies out, each reply one write."""

import asyncio
import logging
from collections.abc import Callable, Iterable

from .replies import format_reply

_LOGGER = logging.getLogger(__name__)

# Internal commands: a space cannot occur in a parsed command name, so no client can send them.
EOF = " eof"
BAD_LINE = " bad-line"
_FORBIDDEN_CHARS = frozenset("\r\n\x00")
_MAX_COMMAND_LINE = 4096
_TELNET_CONTROL = b"\xff\xf4\xf2"
# Reply bytes a client may leave unread before the server waits for it to catch up.
_MAX_UNSENT = 64 * 1024


class ControlConnection:
    """Reads commands and writes replies on one client's control connection."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        encoding: str,
        idle_timeout: float,
        write_timeout: float,
    ) -> None:
        """Wrap the accepted stream pair."""
        self.reader = reader
        self.writer = writer
        self._encoding = encoding
        self._idle_timeout = idle_timeout
        self._write_timeout = write_timeout
        # Read once per connection (it showed in profiles); new connections see a changed level.
        self._debug = _LOGGER.isEnabledFor(logging.DEBUG)
        self._loop = asyncio.get_running_loop()
        self._last_line = self._loop.time()
        self._busy: Callable[[], bool] = lambda: False
        self._idle_timer: asyncio.TimerHandle | None = None
        self._login_timer: asyncio.TimerHandle | None = None

    def watch_idle(self, busy: Callable[[], bool]) -> None:
        """Close the connection after the idle timeout without a command.

        busy tells whether a transfer is running: silence then is not idleness.
        One timer per idle period, not one per command.
        """
        self._busy = busy
        self._idle_timer = self._loop.call_later(self._idle_timeout, self._check_idle)

    def watch_login(self, logged_in: Callable[[], bool], timeout: float) -> None:
        """Close the connection if it has not logged in within timeout of the greeting.

        Cameras log in at once; a connection that does not holds a place in the limits.
        """

        def check() -> None:
            self._login_timer = None
            if not logged_in():
                self.reply("421", f"no login within {timeout:g} s, closing control connection")
                self.close()

        self._login_timer = self._loop.call_later(timeout, check)

    def _check_idle(self) -> None:
        now = self._loop.time()
        if self._busy():
            # A transfer counts as activity: the idle period starts again after it.
            self._last_line = now
        quiet = now - self._last_line
        if quiet < self._idle_timeout:
            self._idle_timer = self._loop.call_later(self._idle_timeout - quiet, self._check_idle)
            return
        self.reply("421", "idle timeout, closing control connection")
        # The session loop then reads the end of input and finishes.
        self.close()

    def reply(self, code: str, lines: str | Iterable[str] = "", listing: bool = False) -> None:  # noqa: FBT001, FBT002 - aioftp's response(code, lines, list) call shape
        """Queue one reply (all its lines) as a single write; dropped once the client is gone."""
        text = format_reply(code, lines, listing=listing)
        if self._debug:
            _LOGGER.debug("reply %s", text.rstrip())
        if not self.writer.is_closing():
            self.writer.write(text.encode(self._encoding))

    async def drain(self) -> None:
        """Wait, bounded by the write timeout, only while a client leaves replies unread."""
        if self.writer.transport.get_write_buffer_size() > _MAX_UNSENT:
            async with asyncio.timeout(self._write_timeout):
                await self.writer.drain()

    async def read_command(self) -> tuple[str, str]:
        """Return (lower-case name, argument), or an internal command for EOF or junk."""
        line = await self._read_line()
        if isinstance(line, tuple):
            return line
        try:
            # Clients send Telnet IP/Synch (IAC IP IAC DM) before an urgent ABOR.
            text = line.lstrip(_TELNET_CONTROL).decode(self._encoding).rstrip("\r\n")
        except UnicodeDecodeError:
            return BAD_LINE, "command is not valid UTF-8"
        name, _, rest = text.partition(" ")
        if _FORBIDDEN_CHARS.intersection(rest):
            return BAD_LINE, "names with CR, LF or NUL are refused"
        name = name.lower()
        if self._debug:
            _LOGGER.debug("%s %s", name, "***" if name == "pass" else rest)
        return name, rest

    async def _read_line(self) -> bytes | tuple[str, str]:
        try:
            line = await self.reader.readline()
        except (ConnectionError, ValueError):
            return EOF, ""
        if not line:
            return EOF, ""
        self._last_line = self._loop.time()
        if len(line) > _MAX_COMMAND_LINE:
            return BAD_LINE, "command line too long"
        return line

    def close(self) -> None:
        """Close the connection; what the kernel took of the replies is still delivered.

        Replies still queued here mean the client has not read for a while: waiting for
        it would hold the connection, and its place in the limits, for as long as it likes.
        """
        for timer in (self._idle_timer, self._login_timer):
            if timer is not None:
                timer.cancel()
        transport = self.writer.transport
        self.writer.close()
        if transport.get_write_buffer_size():
            transport.abort()
