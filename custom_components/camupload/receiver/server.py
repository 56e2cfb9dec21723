"""The receiver: FTP and HTTP listeners feeding one sink."""

import time
from collections.abc import Callable, Iterable

from .accounts import AccountBook, FailureLimiter
from .errors import ReceiverStartError
from .ftp.server import CameraFtpServer
from .http_server import CameraHttpServer
from .http_upload import HttpUploadHandlers
from .memory_budget import MemoryBudget
from .model import Account, AccountStats, ReceiverConfig
from .publisher import AuthFailureCallback, Publisher, Sink
from .stats import StatsBook


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
        # Every buffer held for clients draws from it; it holds at least one largest upload.
        self.memory = MemoryBudget(max(config.memory_budget, config.max_upload_size))
        self.http = HttpUploadHandlers(
            self.accounts, config, self._publisher, self._limiter, self.memory
        )
        self._ftp: CameraFtpServer | None = None
        self._http: CameraHttpServer | None = None

    @property
    def ftp_port(self) -> int | None:
        """The port the FTP server listens on, or None when it is not running."""
        return self._ftp.address[1] if self._ftp is not None else None

    @property
    def http_port(self) -> int | None:
        """The port the standalone HTTP server listens on, or None."""
        return self._http.port if self._http is not None else None

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
                ftp = CameraFtpServer(
                    self.accounts, self.config, self._publisher, self._limiter, self.memory
                )
                await ftp.start(self.config.host, self.config.ftp_port)
                self._ftp = ftp
            if self.config.http_port is not None:
                http = CameraHttpServer(self.http, self.config, self.memory)
                self._http = http
                await http.start(self.config.host, self.config.http_port)
        except OSError as err:
            await self.stop()
            msg = f"cannot listen on {self.config.host}: {err}"
            raise ReceiverStartError(msg) from err

    async def stop(self) -> None:
        """Stop every listener and close every connection."""
        if self._ftp is not None:
            ftp, self._ftp = self._ftp, None
            await ftp.close()
        if self._http is not None:
            http, self._http = self._http, None
            await http.close()
