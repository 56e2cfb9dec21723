"""HTTP photo upload and MJPEG push handlers (Sensr back-end contract)."""

import asyncio
import base64
import binascii
import logging
import sys
import unicodedata
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, override

from aiohttp import StreamReader, web
from aiohttp.http import HttpProcessingError, HttpVersion11

from .accounts import AccountBook, FailureLimiter
from .form_data import FormError, form_boundary, form_file
from .memory_budget import RETRY_AFTER_SECONDS, MemoryBudget, MemoryBudgetError, MemoryLease
from .model import Account, ReceiverConfig, Source, escape_unprintable
from .publisher import Publisher
from .splitter import FrameSplitter, is_complete_jpeg

_LOGGER = logging.getLogger(__name__)

REALM = "camupload"
_CHALLENGE = {"WWW-Authenticate": f'Basic realm="{REALM}"'}
_MULTIPART_FORM = "multipart/form-data"
# A client's fault is logged as the first line of its text, cut to this many characters.
MAX_FAULT_TEXT = 120
# A client's doing, not a bug: a malformed request, or a body cut by a lost connection.
_CLIENT_FAULTS = (ConnectionError, HttpProcessingError)
_LINE_SEPARATORS = frozenset("\u2028\u2029")


class _RefusedError(Exception):
    """A request is refused; carries the response to send."""

    def __init__(self, response: web.Response) -> None:
        super().__init__(response.text)
        self.response = response


def parse_basic_auth(header: str | None) -> tuple[str, str] | None:
    """Return (username, password) from a Basic Authorization header, or None if unusable."""
    if not header:
        return None
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        raw = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    username, colon, password = text.partition(":")
    if not colon:
        return None
    return username, password


def describe_fault(error: BaseException) -> str:
    """One short line for a client's fault; its text may carry the client's bytes."""
    text = error.message if isinstance(error, HttpProcessingError) else str(error)
    first = str(text).strip().partition("\n")[0].rstrip(" :")[:MAX_FAULT_TEXT]
    # Escaped, so that no byte of the client's breaks the log line.
    return escape_unprintable(first) or type(error).__name__


def is_printable_name(name: str) -> bool:
    """Tell whether a file name holds no control character or line separator.

    The command prints one line per frame: CR, LF and NUL (refused by FTP), and any other
    character that breaks or rewrites a line, would forge output.
    """
    return not any(unicodedata.category(char) == "Cc" or char in _LINE_SEPARATORS for char in name)


class ClientFaultLog(logging.LoggerAdapter[logging.Logger]):
    """aiohttp's server log, where a client's malformed request or lost connection is one line.

    Given to aiohttp as its logger: those faults are the client's, and a traceback each would
    let any client fill the log. Anything else (a bug here) keeps its traceback.
    """

    @override
    def log(self, level: int, msg: object, *args: object, **kwargs: Any) -> None:
        """Log; a client's fault at INFO at most, without its traceback."""
        error = _exception_in(kwargs.get("exc_info"))
        if isinstance(error, _CLIENT_FAULTS):
            text = str(msg) % args if args else str(msg)
            self.logger.log(min(level, logging.INFO), "%s: %s", text, describe_fault(error))
            return
        super().log(level, msg, *args, **kwargs)


def _exception_in(exc_info: object) -> BaseException | None:
    if isinstance(exc_info, BaseException):
        return exc_info
    if isinstance(exc_info, tuple):
        error = exc_info[1]
        return error if isinstance(error, BaseException) else None
    return sys.exc_info()[1] if exc_info else None


def _file_name(request: web.Request) -> str | None:
    """The ?name= of a photo; _RefusedError if it holds a control character."""
    name = request.query.get("name")
    if name is not None and not is_printable_name(name):
        # Refused before the body is read, so the connection is closed after.
        raise _RefusedError(_closing(_text(400, "name must not hold control characters")))
    return name


async def _expect_photo(request: web.Request) -> web.StreamResponse | None:
    """Answer "Expect: 100-continue" with the refusal of a bad ?name= instead of 100 Continue.

    A client told to continue sends its body and may meet a closed connection (a reset) before
    it reads the refusal; refused first, it sends nothing and reads the 400.
    """
    try:
        _file_name(request)
    except _RefusedError as refused:
        return refused.response
    expect = request.headers.get("Expect", "")
    if request.version == HttpVersion11:
        if expect.lower() != "100-continue":
            return _closing(_text(417, f"unknown Expect: {expect}"))
        await request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        # The 100 is not part of the response's body.
        request.writer.output_size = 0
    return None


def _text(status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(status=status, text=message + "\n", headers=headers)


def _closing(response: web.Response) -> web.Response:
    """Close the connection after this response instead of draining an unwanted body."""
    response.force_close()
    return response


class HttpUploadHandlers:
    """Request handlers that any aiohttp application (Home Assistant's too) can call."""

    def __init__(
        self,
        accounts: AccountBook,
        config: ReceiverConfig,
        publisher: Publisher,
        limiter: FailureLimiter,
        memory: MemoryBudget,
    ) -> None:
        """Serve the accounts in the book with the limits in config; bodies draw from memory."""
        self._accounts = accounts
        self._config = config
        self._publisher = publisher
        self._limiter = limiter
        self._memory = memory
        # The tasks serving each account's MJPEG pushes, so a changed login can end them.
        self._streams: dict[str, set[asyncio.Task[object]]] = {}

    async def handle_photo(self, request: web.Request, username: str) -> web.StreamResponse:
        """Receive one JPEG (raw body or one multipart/form-data file field)."""
        try:
            account = await self._authorize(request, username, "http")
            name = _file_name(request)
            stats = self._publisher.stats
            # Counted by hand rather than with _stream: this path runs per photo.
            stats.connection_opened(account.username)
            try:
                with self._memory.lease() as lease:
                    body = await self._read_photo(request, username, lease)
                    self._publisher.frame(account, body, "http", name)
            finally:
                stats.connection_closed(account.username)
        except _RefusedError as refused:
            return refused.response
        return _text(200, "OK")

    async def handle_mjpeg(self, request: web.Request, username: str) -> web.StreamResponse:
        """Receive an MJPEG push and publish each frame as it completes."""
        splitter = FrameSplitter(self._config.max_upload_size)
        frames = 0
        try:
            account = await self._authorize(request, username, "mjpeg")
            async with self._stream(account.username):
                with self._memory.lease() as lease:
                    async for chunk in self._chunks(request.content):
                        # Held before the splitter keeps it: a frame being put together.
                        lease.resize(splitter.buffered + len(chunk))
                        for frame in splitter.feed(chunk):
                            self._publisher.frame(account, frame, "mjpeg")
                            frames += 1
                        lease.resize(splitter.buffered)
        except _RefusedError as refused:
            return refused.response
        except MemoryBudgetError as err:
            return self._busy(request, username, err)
        except TimeoutError:
            return _closing(_text(408, f"stream stalled after {frames} frames"))
        except _CLIENT_FAULTS as err:
            return self._cut_off(
                request, username, err, "MJPEG push", f"frames published: {frames}"
            )
        dropped = splitter.frames_dropped + (1 if splitter.in_frame else 0)
        return _text(200, f"{frames} frames received, {dropped} dropped")

    async def _authorize(self, request: web.Request, username: str, source: Source) -> Account:
        """Return the account; _RefusedError carries the response that refuses the request."""
        address = request.remote or ""
        if self._limiter.is_blocked(address):
            wait = self._limiter.retry_after(address)
            raise _RefusedError(
                _closing(
                    _text(
                        429,
                        f"too many failed logins from this address, retry in {wait} s",
                        {"Retry-After": str(wait)},
                    )
                )
            )
        if username not in self._accounts:
            raise _RefusedError(_text(404, f"unknown camera {username!r}"))
        credentials = parse_basic_auth(request.headers.get("Authorization"))
        if credentials is None:
            raise _RefusedError(_text(401, "authentication required", _CHALLENGE))
        given_user, password = credentials
        account = self._accounts.authenticate(username, password)
        if account is None or given_user != username:
            # Recorded before any await: a parallel guess already sees this failure.
            self._limiter.record_failure(address, username)
            self._publisher.auth_failed(username, address, source)
            # Slows down guessing without holding anything but this request.
            await asyncio.sleep(self._config.login_delay)
            raise _RefusedError(_text(401, "wrong username or password", _CHALLENGE))
        self._limiter.record_success(address, username)
        return account

    @asynccontextmanager
    async def _stream(self, username: str) -> AsyncIterator[None]:
        task = asyncio.current_task()
        assert task is not None  # noqa: S101 - aiohttp runs every handler in a task
        streams = self._streams.setdefault(username, set())
        streams.add(task)
        stats = self._publisher.stats
        stats.connection_opened(username)
        try:
            yield
        finally:
            stats.connection_closed(username)
            streams.discard(task)
            if not streams and self._streams.get(username) is streams:
                del self._streams[username]

    def end_streams(self, username: str) -> None:
        """Cut the MJPEG pushes logged in as username; the camera reconnects with its login.

        A photo being uploaded still finishes: it is one image, sent with a login that
        was valid when it began.
        """
        for task in self._streams.pop(username, ()):
            task.cancel()

    def _cut_off(
        self,
        request: web.Request,
        username: str,
        error: BaseException,
        what: str,
        progress: str = "nothing published",
    ) -> web.Response:
        """Log one line for a body that ended early (a camera losing Wi-Fi) and answer 400."""
        reason = describe_fault(error)
        _LOGGER.info(
            "%s for %s from %s cut off (%s): %s", what, username, request.remote, progress, reason
        )
        return _closing(_text(400, f"{what} cut off ({progress}): {reason}"))

    def _too_large(self) -> _RefusedError:
        return _RefusedError(
            _closing(_text(413, f"upload larger than {self._config.max_upload_size} bytes"))
        )

    @staticmethod
    def _busy(request: web.Request, username: str, error: MemoryBudgetError) -> web.Response:
        """503 for a body the memory budget has no room for; the client may retry later."""
        _LOGGER.info("upload for %s from %s refused: %s", username, request.remote, error)
        return _closing(_text(503, str(error), {"Retry-After": str(RETRY_AFTER_SECONDS)}))

    async def _read_photo(self, request: web.Request, username: str, lease: MemoryLease) -> bytes:
        """Read the photo within the limits into lease; _RefusedError if it cannot be accepted."""
        length = request.content_length
        if length is not None and length > self._config.max_upload_size:
            raise self._too_large()
        boundary = self._boundary(request, username)
        try:
            if length is not None:
                # Refused before a byte is read: it could not be held whole anyway.
                self._memory.ensure_room(length)
            body = await self._read_body(request.content, lease)
            if boundary is not None:
                body = self._form_file(request, username, body, boundary)
        except TimeoutError as err:
            raise _RefusedError(_closing(_text(408, "upload stalled"))) from err
        except _CLIENT_FAULTS as err:
            raise _RefusedError(self._cut_off(request, username, err, "photo upload")) from err
        except MemoryBudgetError as err:
            raise _RefusedError(self._busy(request, username, err)) from err
        if not is_complete_jpeg(body):
            raise _RefusedError(_text(400, "body is not a complete JPEG image (FFD8 ... FFD9)"))
        return body

    @staticmethod
    def _boundary(request: web.Request, username: str) -> bytes | None:
        """A form's boundary (None for a raw body); _RefusedError (400) before the body is read."""
        if request.content_type != _MULTIPART_FORM:
            return None
        try:
            return form_boundary(request.headers.get("Content-Type", ""))
        except FormError as err:
            _LOGGER.info("form for %s from %s refused: %s", username, request.remote, err)
            raise _RefusedError(_closing(_text(400, str(err)))) from err

    @staticmethod
    def _form_file(request: web.Request, username: str, body: bytes, boundary: bytes) -> bytes:
        """The file field of a form read whole; _RefusedError (400) if there is none."""
        try:
            return form_file(body, boundary)
        except FormError as err:
            _LOGGER.info("form for %s from %s refused: %s", username, request.remote, err)
            raise _RefusedError(_text(400, str(err))) from err

    async def _chunks(self, stream: StreamReader) -> AsyncIterator[bytes]:
        """Yield body chunks; TimeoutError if none arrives within the stall timeout."""
        while True:
            async with asyncio.timeout(self._config.stall_timeout):
                chunk = await stream.readany()
            if not chunk:
                return
            yield chunk

    async def _read_body(self, stream: StreamReader, lease: MemoryLease) -> bytes:
        """Read a whole body within the size limit into lease.

        TimeoutError if it stops moving, MemoryBudgetError past the memory budget.
        """
        chunks: list[bytes] = []
        size = 0
        limit = self._config.max_upload_size
        while True:
            # Take what is already buffered first: a timer only when there is a wait.
            chunk = stream.read_nowait()
            if not chunk:
                if stream.at_eof():
                    break
                # Each wait is bounded: slow is fine, still is not.
                async with asyncio.timeout(self._config.stall_timeout):
                    chunk = await stream.readany()
                if not chunk:
                    break
            size += len(chunk)
            if size > limit:
                raise self._too_large()
            lease.grow(len(chunk))
            chunks.append(chunk)
        # One chunk comes back as is; several are copied once.
        return b"".join(chunks)

    def add_routes(self, app: web.Application) -> None:
        """Mount POST|PUT /photo/{username} and POST|PUT /upload/{username} on app."""

        async def photo(request: web.Request) -> web.StreamResponse:
            return await self.handle_photo(request, request.match_info["username"])

        async def mjpeg(request: web.Request) -> web.StreamResponse:
            return await self.handle_mjpeg(request, request.match_info["username"])

        for method in ("POST", "PUT"):
            app.router.add_route(method, "/photo/{username}", photo, expect_handler=_expect_photo)
            app.router.add_route(method, "/upload/{username}", mjpeg)
