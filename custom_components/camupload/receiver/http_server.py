"""The receiver's dedicated HTTP port: bounded request heads, timeouts and connection caps.

aiohttp bounds each header line but neither the number of header fields nor their total
size, and waits for a request head forever: a client sending header lines without the final
blank line, or nothing at all, holds the memory and the descriptor it takes. Here each
connection's request head is counted as it arrives, must be whole within the header timeout,
draws from the memory budget, and is refused (431, 408 or 503) past its limits; a kept-alive
connection idle for the keep-alive timeout is closed; and the listener caps connections per
address and in all. Home Assistant's own server (the other place the handlers run) has limits
of its own.
"""

import asyncio
import logging
import re
import socket
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any, override

from aiohttp import StreamReader, web

from .http_upload import ClientFaultLog, HttpUploadHandlers
from .listener import CappedListener, bind
from .memory_budget import RETRY_AFTER_SECONDS, MemoryBudget, MemoryLease
from .model import ReceiverConfig

_LOGGER = logging.getLogger(__name__)

# Parsed requests a connection may have waiting for their answers before it is closed.
MAX_QUEUED_REQUESTS = 8
# aiohttp's own limits per line, kept explicit: the request line and each header field.
MAX_LINE_SIZE = 8190
MAX_FIELD_SIZE = 8190
# A refused client may go on sending (discarded) this long while it reads the answer.
REFUSAL_LINGER = 2.0
# The end of a request head; the bytes after it in the same read are the body's.
_HEAD_END = re.compile(rb"\r?\n\r?\n")
_HEAD_END_TAIL = 3
# Request line and final blank line: the newlines of a head besides its header fields.
_HEAD_FRAME_LINES = 2


def plain_response(
    status: HTTPStatus, text: str, headers: Mapping[str, str] | None = None
) -> bytes:
    """A complete HTTP/1.1 response that closes the connection, written before any request."""
    body = (text + "\n").encode()
    lines = [
        f"HTTP/1.1 {status.value} {status.phrase}",
        "Content-Type: text/plain; charset=utf-8",
        f"Content-Length: {len(body)}",
        "Connection: close",
        *(f"{name}: {value}" for name, value in (headers or {}).items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _busy(reason: str) -> bytes:
    return plain_response(
        HTTPStatus.SERVICE_UNAVAILABLE, reason, {"Retry-After": str(RETRY_AFTER_SECONDS)}
    )


class CameraRequestHandler(web.RequestHandler):
    """aiohttp's connection handler with each request head bounded in size, fields and time.

    The bytes of a head are counted before aiohttp's parser sees them; the count ends where
    the parser hands over a request, and starts again once that request's body is complete.
    Reads aiohttp's request count, message queue and request-in-progress flag (the same in
    3.11 and 3.13) to see when the parser has a request and whether one is being answered:
    aiohttp offers no hook for either.
    """

    def __init__(
        self,
        manager: web.Server,
        *,
        loop: asyncio.AbstractEventLoop,
        config: ReceiverConfig,
        lease: MemoryLease,
        on_lost: Callable[[], None],
        **options: Any,  # noqa: ANN401 - aiohttp's handler options, passed through
    ) -> None:
        """Serve one connection for manager; lease holds its request head's bytes."""
        super().__init__(manager, loop=loop, **options)
        self._event_loop = loop
        self._config = config
        self._head_lease = lease
        self._on_lost = on_lost
        # Body of the request the parser handed over last; None while a head is awaited.
        self._body: StreamReader | None = None
        self._head_size = 0
        self._head_lines = 0
        self._head_tail = b""
        self._head_timer: asyncio.TimerHandle | None = None
        self._refused = False
        self._linger: asyncio.TimerHandle | None = None

    def abandon(self) -> None:
        """Give back the lease of a connection that never started (connection_lost never runs)."""
        self._head_lease.release()

    @override
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Start the connection; its first request head is timed from now."""
        super().connection_made(transport)
        self._head_timer = self._event_loop.call_later(
            self._config.header_timeout, self._head_too_slow
        )

    @override
    def data_received(self, data: bytes) -> None:
        """Count a request head's bytes before the parser holds them; refuse past the limits."""
        if self._refused:
            # Discarded: the client is reading the refusal, the connection closes soon.
            return
        body = self._body
        if body is not None and body.is_eof():
            body = self._body = None
        end = len(data)
        if body is None:
            end = self._head_end(data)
            if not self._count_head(data, 0, end):
                return
        requests = self._request_count
        super().data_received(data)
        if len(self._messages) > MAX_QUEUED_REQUESTS:
            # aiohttp queues every parsed request without bound; cameras never pipeline.
            _LOGGER.info(
                "Closed a connection that pipelined more than %d requests", len(self._messages)
            )
            self.force_close()
            return
        if self._request_count != requests and self._messages:
            self._body = self._messages[-1][1]
            self._end_head()
        elif body is None:
            # No request came of it: the bytes after a blank line are still the parser's.
            if end < len(data) and not self._count_head(data, end, len(data)):
                return
            if self._head_timer is None:
                # A kept-alive connection's next request: timed from its first byte.
                self._head_timer = self._event_loop.call_later(
                    self._config.header_timeout, self._head_too_slow
                )

    def _head_end(self, data: bytes) -> int:
        """Where in data the head being received ends (len(data) if it does not end there)."""
        tail = self._head_tail
        if tail:
            # An end split between two reads: only its few bytes are joined, never the body.
            found = _HEAD_END.search(tail + data[:_HEAD_END_TAIL])
            if found is not None:
                return max(found.end() - len(tail), 0)
        found = _HEAD_END.search(data)
        if found is not None:
            return found.end()
        # The last bytes, for an end that the next read completes.
        self._head_tail = (tail + data[-_HEAD_END_TAIL:])[-_HEAD_END_TAIL:]
        return len(data)

    def _count_head(self, data: bytes, start: int, stop: int) -> bool:
        """Add data[start:stop] to the head being received; False once it is refused."""
        config = self._config
        size = stop - start
        self._head_size += size
        self._head_lines += data.count(b"\n", start, stop)
        if self._head_size > config.max_request_head:
            self._refuse(
                HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                f"request head larger than {config.max_request_head} bytes",
            )
            return False
        if self._head_lines > config.max_header_fields + _HEAD_FRAME_LINES:
            self._refuse(
                HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                f"more than {config.max_header_fields} header fields",
            )
            return False
        if not self._head_lease.try_grow(size):
            self._refuse(
                HTTPStatus.SERVICE_UNAVAILABLE,
                "receiver memory budget spent, try again later",
                {"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
            return False
        return True

    def _end_head(self) -> None:
        """The parser has the request: its head no longer counts or holds budget."""
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
        self._head_size = self._head_lines = 0
        self._head_tail = b""
        if self._head_lease.held:
            self._head_lease.shrink(self._head_lease.held)

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if self._body is None and not self._refused:
            self._refuse(
                HTTPStatus.REQUEST_TIMEOUT,
                f"request head not complete within {self._config.header_timeout} s",
            )

    def _refuse(
        self, status: HTTPStatus, reason: str, headers: Mapping[str, str] | None = None
    ) -> None:
        """Answer status and close; what the client still sends meanwhile is discarded."""
        self._refused = True
        self._end_head()
        transport = self.transport
        if transport is None:
            return
        _LOGGER.info("%s from %s: %s", status.phrase, self._peer(), reason)
        if self._request_in_progress or self._messages:
            # An earlier request is being answered on this connection: no room for another.
            self.force_close()
            return
        transport.write(plain_response(status, reason, headers))
        if transport.can_write_eof():
            transport.write_eof()
        self._linger = self._event_loop.call_later(REFUSAL_LINGER, self.force_close)

    def _peer(self) -> str:
        peer = self.transport.get_extra_info("peername") if self.transport else None
        return str(peer[0]) if isinstance(peer, tuple) else "?"

    @override
    def connection_lost(self, exc: BaseException | None) -> None:
        """Let go of the connection's timers, budget and place in the caps."""
        super().connection_lost(exc)
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
        if self._linger is not None:
            self._linger.cancel()
            self._linger = None
        self._head_lease.release()
        self._on_lost()


class CameraHttpServer:
    """The handlers on a port of their own, behind head limits, timeouts and caps."""

    def __init__(
        self, handlers: HttpUploadHandlers, config: ReceiverConfig, memory: MemoryBudget
    ) -> None:
        """Serve handlers with the limits in config; heads draw from memory."""
        self._handlers = handlers
        self._config = config
        self._memory = memory
        self._runner: web.AppRunner | None = None
        self._listener: CappedListener | None = None
        self._connecting: set[asyncio.Task[None]] = set()
        # No lingering reads of refused bodies: stalled or oversized uploads are just closed.
        self._options: dict[str, Any] = {
            "access_log": None,
            "keepalive_timeout": config.keepalive_timeout,
            "lingering_time": 0,
            "logger": ClientFaultLog(_LOGGER),
            "max_line_size": MAX_LINE_SIZE,
            "max_field_size": MAX_FIELD_SIZE,
            "max_headers": config.max_header_fields,
        }

    @property
    def port(self) -> int | None:
        """The port listened on, or None when not started."""
        return self._listener.port if self._listener is not None else None

    @property
    def connections(self) -> int:
        """Connections open now."""
        return self._listener.connections if self._listener is not None else 0

    async def start(self, host: str, port: int) -> None:
        """Listen on host:port (0: any free port); OSError if it cannot be bound."""
        app = web.Application()
        self._handlers.add_routes(app)
        runner = web.AppRunner(app, handle_signals=False, **self._options)
        await runner.setup()
        self._runner = runner
        sock = bind(host, port)
        self._listener = CappedListener(
            sock,
            admit=self._admit,
            refusal=_busy,
            max_connections=self._config.max_connections,
            max_per_address=self._config.max_connections_per_address,
        )

    def _admit(self, sock: socket.socket, address: str, release: Callable[[], None]) -> None:
        del address
        assert self._runner is not None  # noqa: S101 - the listener starts after the runner
        assert self._runner.server is not None  # noqa: S101
        loop = asyncio.get_running_loop()
        handler = CameraRequestHandler(
            self._runner.server,
            loop=loop,
            config=self._config,
            lease=self._memory.lease(),
            on_lost=release,
            **self._options,
        )
        task = loop.create_task(self._connect(sock, handler, release))
        self._connecting.add(task)
        task.add_done_callback(self._connecting.discard)

    @staticmethod
    async def _connect(
        sock: socket.socket, handler: CameraRequestHandler, release: Callable[[], None]
    ) -> None:
        loop = asyncio.get_running_loop()
        try:
            await loop.connect_accepted_socket(lambda: handler, sock)
        except OSError as err:
            # The client left at once, say: nothing to serve, its place is free again.
            _LOGGER.debug("cannot serve a connection: %s", err)
            sock.close()
            handler.abandon()
            release()
        except asyncio.CancelledError:
            sock.close()
            handler.abandon()
            release()
            raise

    async def close(self) -> None:
        """Stop listening and close every connection."""
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        for task in list(self._connecting):
            task.cancel()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()
