"""FTP logins: USER and PASS, the failed-login budget and delay, and logging a session in."""

import asyncio
from pathlib import Path, PurePosixPath

import aioftp
from aioftp.common import Connection

from custom_components.camupload.receiver.model import Account

from .filesystem import ROOT
from .session import SessionFtpServer, is_set


class LoginFtpServer(SessionFtpServer):
    """Camera sessions that log in with a per-camera account, within the login budgets."""

    async def greeting(self, connection: Connection, rest: str | PurePosixPath) -> bool:
        """Refuse, before the greeting, an address that used up its failed-login budget."""
        if self._over_login_budget(connection, connection.client_host):
            return False
        return await super().greeting(connection, rest)

    async def user(self, connection: Connection, rest: str) -> bool:
        """Take the login name; the answer never tells whether it exists."""
        if is_set(connection, "logged"):
            connection.response("503", "already logged in")
            return True
        connection.login_name = rest
        connection.response("331", "password required")
        return True

    async def pass_(self, connection: Connection, rest: str) -> bool:
        """Check the password in constant time; delay and count failures."""
        if is_set(connection, "logged"):
            connection.response("503", "already logged in")
            return True
        if not is_set(connection, "login_name"):
            connection.response("503", "send USER first")
            return True
        name: str = connection.login_name
        host: str = connection.client_host
        # Checked per guess, not per connection: connections opened earlier share the budget.
        if self._over_login_budget(connection, host):
            return False
        account = self._accounts.authenticate(name, rest)
        if account is None:
            return await self._login_failed(connection, name, host)
        self._limiter.record_success(host, name)
        stats = self._publisher.stats
        if stats.active_connections(name) >= self._config.max_connections_per_account:
            connection.response("421", f"too many connections for {name}")
            return False
        self._log_in(connection, account)
        connection.response("230", "logged in, upload to / or any directory")
        return True

    def _over_login_budget(self, connection: Connection, host: str) -> bool:
        """Answer 421 (the caller closes) if the address used up its failed-login budget."""
        if not self._limiter.is_blocked(host):
            return False
        wait = self._limiter.retry_after(host)
        connection.response("421", f"too many failed logins from your address, retry in {wait} s")
        return True

    async def _login_failed(self, connection: Connection, name: str, host: str) -> bool:
        # Recorded before any await: a parallel guess already sees this failure.
        self._limiter.record_failure(host, name)
        self._publisher.auth_failed(name, host, "ftp")
        failures = (connection.login_failures if is_set(connection, "login_failures") else 0) + 1
        connection.login_failures = failures
        await asyncio.sleep(self._config.login_delay)
        if failures >= self._config.max_login_failures:
            connection.response("421", "too many failed logins, closing")
            return False
        connection.response("530", "login incorrect")
        return True

    def _log_in(self, connection: Connection, account: Account) -> None:
        connection.account = account
        connection.filesystem = self.filesystem(account.username)
        connection.user = aioftp.User(account.username, base_path=Path("/"))
        connection.logged = True
        connection.current_directory = ROOT
        self._publisher.stats.connection_opened(account.username)
