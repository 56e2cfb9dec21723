"""Camera accounts and the guard against password guessing."""

import hmac
import math
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType

from .errors import AccountError
from .model import DEFAULT_FAILURE_WINDOW, DEFAULT_MAX_FAILURES_PER_ADDRESS, Account

# Compared against when the user is unknown, so both cases cost the same time.
_DUMMY_PASSWORD = b"\x00camupload-no-such-account\x00"
_FORBIDDEN_NAME_CHARS = frozenset("\r\n\x00/:")
_FORBIDDEN_PASSWORD_CHARS = frozenset("\r\n\x00")


def validate_account(account: Account) -> None:
    """Raise AccountError if the account cannot be used as a login."""
    if not account.username or account.username.strip() != account.username:
        msg = f"invalid username {account.username!r}"
        raise AccountError(msg)
    if _FORBIDDEN_NAME_CHARS & set(account.username):
        msg = f"username {account.username!r} contains a forbidden character"
        raise AccountError(msg)
    if not account.password or _FORBIDDEN_PASSWORD_CHARS & set(account.password):
        msg = f"invalid password for {account.username!r}"
        raise AccountError(msg)


class AccountBook:
    """Username to account mapping, replaceable while servers run."""

    def __init__(self, accounts: Iterable[Account] = ()) -> None:
        """Create the book with its first set of accounts."""
        self._accounts: Mapping[str, Account] = MappingProxyType({})
        self.replace(accounts)

    def replace(self, accounts: Iterable[Account]) -> frozenset[str]:
        """Swap in a new set of accounts, all checked first; nothing changes on AccountError.

        Returns the usernames whose account is gone or different now (another password or
        camera): logins made with the old account should not go on.
        """
        table: dict[str, Account] = {}
        for account in accounts:
            validate_account(account)
            if account.username in table:
                msg = f"duplicate username {account.username!r}"
                raise AccountError(msg)
            table[account.username] = account
        old, self._accounts = self._accounts, MappingProxyType(table)
        return frozenset(name for name, account in old.items() if table.get(name) != account)

    def get(self, username: str) -> Account | None:
        """Return the account for a username, or None."""
        return self._accounts.get(username)

    def __contains__(self, username: object) -> bool:
        """Tell whether a username is known."""
        return username in self._accounts

    def __len__(self) -> int:
        """Count the accounts."""
        return len(self._accounts)

    @property
    def usernames(self) -> frozenset[str]:
        """All known usernames."""
        return frozenset(self._accounts)

    def authenticate(self, username: str, password: str) -> Account | None:
        """Return the account if the password matches, in constant time either way."""
        account = self._accounts.get(username)
        expected = account.password.encode() if account else _DUMMY_PASSWORD
        matches = hmac.compare_digest(expected, password.encode("utf-8", "surrogateescape"))
        return account if matches and account is not None else None


class FailureLimiter:
    """The failed-login budget of each remote address, shared by all its connections.

    FTP, HTTP photo and MJPEG logins draw from one budget per address: max_failures inside a
    sliding window. Callers ask is_blocked() before they check a password, and record the
    outcome with no await in between, so parallel guesses cannot overdraw the budget.
    """

    def __init__(
        self,
        *,
        max_failures: int = DEFAULT_MAX_FAILURES_PER_ADDRESS,
        window: float = DEFAULT_FAILURE_WINDOW,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Allow max_failures per address within window seconds."""
        self._max_failures = max_failures
        self._window = window
        self._clock = clock
        # Address -> (time, username) of its recent failures, oldest first; the addresses in
        # order of their last failure, so expired ones are dropped from the front.
        self._failures: dict[str, deque[tuple[float, str]]] = {}

    def __len__(self) -> int:
        """Count the addresses whose failures are kept (those inside the window, roughly)."""
        return len(self._failures)

    def _recent(self, address: str) -> deque[tuple[float, str]] | None:
        failures = self._failures.get(address)
        if failures is None:
            return None
        cutoff = self._clock() - self._window
        while failures and failures[0][0] <= cutoff:
            failures.popleft()
        if not failures:
            del self._failures[address]
            return None
        return failures

    def is_blocked(self, address: str) -> bool:
        """Tell whether an address has used up its budget: no login may be checked now."""
        if self._max_failures <= 0:
            return True
        if address not in self._failures:
            # The common case (no recent failure) needs no clock.
            return False
        failures = self._recent(address)
        return failures is not None and len(failures) >= self._max_failures

    def retry_after(self, address: str) -> int:
        """Whole seconds (at least 1) until a blocked address may try again; 0 if it may now."""
        if not self.is_blocked(address):
            return 0
        failures = self._failures.get(address)
        if failures is None or len(failures) < self._max_failures:
            return 1
        # The budget reopens when the failure that filled it leaves the window.
        freeing = failures[len(failures) - self._max_failures][0]
        return max(1, math.ceil(freeing + self._window - self._clock()))

    def record_failure(self, address: str, username: str) -> None:
        """Note one failed login for username from an address."""
        now = self._clock()
        failures = self._recent(address)
        if failures is None:
            failures = deque(maxlen=max(self._max_failures, 1))
        else:
            # Moved to the end: the dict stays ordered by last failure.
            del self._failures[address]
        failures.append((now, username))
        self._failures[address] = failures
        self._drop_expired(now - self._window)

    def record_success(self, address: str, username: str) -> None:
        """Forgive an address's failures for this account only; others' failures still count."""
        failures = self._failures.get(address)
        if failures is None:
            return
        kept = [failure for failure in failures if failure[1] != username]
        if kept:
            failures.clear()
            failures.extend(kept)
        else:
            del self._failures[address]

    def _drop_expired(self, cutoff: float) -> None:
        """Forget addresses whose last failure left the window (memory stays bounded)."""
        while self._failures:
            address, failures = next(iter(self._failures.items()))
            if failures[-1][0] > cutoff:
                return
            del self._failures[address]
