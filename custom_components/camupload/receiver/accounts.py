"""Camera accounts and the guard against password guessing."""

import hmac
import time
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
    """Counts failed logins per remote address inside a sliding window."""

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
        self._failures: dict[str, list[float]] = {}

    def _recent(self, address: str) -> list[float]:
        cutoff = self._clock() - self._window
        stamps = [stamp for stamp in self._failures.get(address, ()) if stamp > cutoff]
        if stamps:
            self._failures[address] = stamps
        else:
            self._failures.pop(address, None)
        return stamps

    def is_blocked(self, address: str) -> bool:
        """Tell whether an address has used up its failures."""
        if address not in self._failures:
            # The common case (no recent failure) needs no clock and no list.
            return self._max_failures <= 0
        return len(self._recent(address)) >= self._max_failures

    def record_failure(self, address: str) -> None:
        """Note one failed login from an address."""
        stamps = self._recent(address)
        stamps.append(self._clock())
        self._failures[address] = stamps

    def record_success(self, address: str) -> None:
        """Forget the failures of an address that logged in."""
        self._failures.pop(address, None)
