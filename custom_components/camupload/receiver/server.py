"""The receiver: FTP and HTTP listeners feeding one sink."""

import logging
import socket
import time
from collections.abc import Callable, Iterable

from aiohttp import web

from .accounts import AccountBook, FailureLimiter
from .errors import ReceiverStartError
from .ftp.server import CameraFtpServer
from .http_upload import ClientFaultLog, HttpUploadHandlers
from .model import Account, AccountStats, ReceiverConfig
from .publisher import AuthFailureCallback, Publisher, Sink
from .stats import StatsBook

_LOGGER = logging.getLogger(__name__)


def _bind(host: str, port: int) -> socket.socket:
    """Bind a listening TCP socket, so the chosen port is known before serving."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


class Receiver:
    """Sensr-compatible receiver: FTP upload, HTTP photo upload and MJPEG push."""

    def __init__(
        self,
        config: ReceiverConfig,
        accounts: Iterable[Account],
        sink: Sink,
        *,
        on_auth_failure: AuthFailureCallback | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Prepare a receiver; nothing listens until start().

        clock times the failed-login budget (tests pass one they can move forward).
        """
        self.config = config
        self.accounts = AccountBook(accounts)
        self._stats = StatsBook()
        # One budget per address for FTP and HTTP alike.
        self._limiter = FailureLimiter(
            max_failures=config.max_failures_per_address, window=config.failure_window, clock=clock
        )
        self._publisher = Publisher(sink, self._stats, on_auth_failure)
        self.http = HttpUploadHandlers(self.accounts, config, self._publisher, self._limiter)
        self._ftp: CameraFtpServer | None = None
        self._http_runner: web.AppRunner | None = None
        self._http_port: int | None = None

    @property
    def ftp_port(self) -> int | None:
        """The port the FTP server listens on, or None when it is not running."""
        return self._ftp.address[1] if self._ftp is not None else None

    @property
    def http_port(self) -> int | None:
        """The port the standalone HTTP server listens on, or None."""
        return self._http_port

    def set_accounts(self, accounts: Iterable[Account]) -> frozenset[str]:
        """Replace the accounts without restarting; AccountError leaves them as they were.

        Sessions of unchanged accounts go on untouched. FTP sessions and MJPEG pushes logged
        in with an account that is now gone or different (a new password) end at once, so
        the camera reconnects with its current login. Returns those accounts' usernames.
        """
        ended = self.accounts.replace(accounts)
        for username in ended:
            self.http.end_streams(username)
            if self._ftp is not None:
                self._ftp.end_sessions(username)
                if username not in self.accounts:
                    self._ftp.forget_files(username)
        return ended

    def stats(self, username: str) -> AccountStats:
        """Return live statistics for one account."""
        return self._stats.get(username)

    def all_stats(self) -> dict[str, AccountStats]:
        """Return live statistics for every account seen so far."""
        return self._stats.snapshot()

    async def start(self) -> None:
        """Start the listeners the config asks for; ReceiverStartError if one cannot bind."""
        try:
            if self.config.ftp_port is not None:
                ftp = CameraFtpServer(self.accounts, self.config, self._publisher, self._limiter)
                await ftp.start(self.config.host, self.config.ftp_port)
                self._ftp = ftp
            if self.config.http_port is not None:
                await self._start_http(self.config.http_port)
        except OSError as err:
            await self.stop()
            msg = f"cannot listen on {self.config.host}: {err}"
            raise ReceiverStartError(msg) from err

    async def _start_http(self, port: int) -> None:
        app = web.Application()
        self.http.add_routes(app)
        sock = _bind(self.config.host, port)
        # No lingering reads of refused bodies: stalled or oversized uploads are just closed.
        runner = web.AppRunner(
            app,
            handle_signals=False,
            access_log=None,
            lingering_time=0,
            logger=ClientFaultLog(_LOGGER),
        )
        await runner.setup()
        self._http_runner = runner
        try:
            await web.SockSite(runner, sock).start()
        except OSError:
            sock.close()
            raise
        self._http_port = sock.getsockname()[1]

    async def stop(self) -> None:
        """Stop every listener and close every connection."""
        if self._ftp is not None:
            ftp, self._ftp = self._ftp, None
            await ftp.close()
        if self._http_runner is not None:
            runner, self._http_runner = self._http_runner, None
            self._http_port = None
            await runner.cleanup()
