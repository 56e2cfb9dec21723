"""PASV, EPSV, PORT and EPRT, and opening the data connection they set up."""

import asyncio
import errno
import logging
import socket
from collections.abc import Callable
from pathlib import PurePosixPath

from aioftp.common import Connection

from .channel import Accept, DataChannel, PassiveListener, connect_active, listen
from .data import (
    ActiveModeError,
    ActiveTarget,
    check_active_target,
    parse_eprt,
    parse_port,
    same_host,
)
from .login import LoginFtpServer
from .passive_ports import NoFreePortError
from .session import is_set

_LOGGER = logging.getLogger(__name__)

# Answers PASV or EPSV with the listener it got.
type Announce = Callable[[Connection, PassiveListener], None]


class DataRouteFtpServer(LoginFtpServer):
    """Passive and active data connections of camera sessions."""

    def _passive(self, connection: Connection, announce: Announce) -> None:
        """Announce the session's passive listener, opening one, or wait in line for a port.

        When the range has no free port, the session waits for one (up to the passive port
        wait) in a task of its own; the session loop runs the next command only after it
        answered, so replies keep their order and ABOR or QUIT can still end the wait.
        """
        if is_set(connection, "passive_server"):
            self._announce(connection, connection.passive_server, announce)
            return
        accept = self._accept_for(connection)
        try:
            if self._passive_ports is None:
                listener = listen(connection.server_host, 0, accept)
            else:
                listener = self._passive_ports.listen(connection.server_host, accept)
        except NoFreePortError:
            self.wait_for_port(connection, self._wait_for_port(connection, accept, announce))
            return
        except OSError as err:
            self._cannot_listen(connection, err)
            return
        self._hold(connection, listener)
        self._announce(connection, listener, announce)

    async def _wait_for_port(
        self, connection: Connection, accept: Accept, announce: Announce
    ) -> None:
        ports = self._passive_ports
        if ports is None:  # only a range can run out
            return
        try:
            async with asyncio.timeout(self._config.passive_port_wait):
                listener = await ports.listen_when_free(connection.server_host, accept)
        except TimeoutError:
            connection.response("425", "no free passive port, try again")
            return
        except OSError as err:
            self._cannot_listen(connection, err)
            return
        self._hold(connection, listener)
        self._announce(connection, listener, announce)

    def _accept_for(self, connection: Connection) -> Accept:
        """Take the session's one data connection from its passive listener."""
        config = self._config
        limit, stall = config.max_upload_size, config.stall_timeout
        claim = config.data_connect_timeout

        def accept(sock: socket.socket, peer: str) -> None:
            if not same_host(peer, connection.client_host):
                # Only the client itself may connect (no FTP bounce or data theft).
                _LOGGER.warning("refused data connection from %s", peer)
                sock.close()
            elif is_set(connection, "data_connection"):
                sock.close()
            else:
                lease = self.memory.lease()
                channel = DataChannel(sock, limit, stall, lease, claim_timeout=claim)
                connection.data_connection = channel
                # One data connection per PASV: the port goes back to the range at once.
                self.release_passive(connection)

        return accept

    def _hold(self, connection: Connection, listener: PassiveListener) -> None:
        connection.passive_server = listener
        connection.passive_server_port = listener.port

    def _cannot_listen(self, connection: Connection, err: OSError) -> None:
        reason = errno.errorcode.get(err.errno or 0, str(err))
        connection.response("425", f"cannot open a passive port ({reason})")

    def _announce(
        self, connection: Connection, listener: PassiveListener, announce: Announce
    ) -> None:
        self._expire_later(connection, listener)
        announce(connection, listener)

    def _expire_later(self, connection: Connection, listener: PassiveListener) -> None:
        """Free the port if no data connection comes within the data connection timeout."""
        if is_set(connection, "passive_expiry"):
            connection.passive_expiry.cancel()

        def expire() -> None:
            current = is_set(connection, "passive_server") and connection.passive_server
            # A transfer waiting for the connection ends by its own timeout, then releases.
            if current is listener and not connection.extra_workers:
                self.release_passive(connection)

        loop = asyncio.get_running_loop()
        connection.passive_expiry = loop.call_later(self._config.data_connect_timeout, expire)

    def _forget_data(self, connection: Connection) -> None:
        connection.active_target = None
        if is_set(connection, "data_connection"):
            connection.data_connection.close()
            del connection.data_connection

    async def pasv(self, connection: Connection, rest: str | PurePosixPath) -> bool:
        """Open (or reuse) a passive listener and announce it in PASV form."""
        del rest
        if self._logged_in(connection) and not self._transfer_running(connection):
            self._passive(connection, self._announce_pasv)
        return True

    def _announce_pasv(self, connection: Connection, listener: PassiveListener) -> None:
        if listener.family != socket.AF_INET and not self._config.public_address:
            connection.response("425", "server listens on IPv6 only, use EPSV")
            return
        host = self._config.public_address or listener.host
        port = listener.port
        self._forget_data(connection)
        numbers = [*host.split("."), str(port >> 8), str(port & 0xFF)]
        connection.response("227", f"entering passive mode ({','.join(numbers)})")

    async def epsv(self, connection: Connection, rest: str | PurePosixPath) -> bool:
        """Open (or reuse) a passive listener and announce its port in EPSV form."""
        if not self._logged_in(connection) or self._transfer_running(connection):
            return True
        argument = str(rest).strip().upper()
        if argument == "ALL":
            connection.response("200", "EPSV ALL accepted")
            return True
        if argument not in ("", "1", "2"):
            connection.response("522", "network protocol not supported, use (1,2)")
            return True
        self._passive(connection, self._announce_epsv)
        return True

    def _announce_epsv(self, connection: Connection, listener: PassiveListener) -> None:
        self._forget_data(connection)
        connection.response("229", f"entering extended passive mode (|||{listener.port}|)")

    async def port(self, connection: Connection, rest: str) -> bool:
        """Active mode, IPv4 form."""
        return self._set_active(connection, rest, parse_port)

    async def eprt(self, connection: Connection, rest: str) -> bool:
        """Active mode, extended form."""
        return self._set_active(connection, rest, parse_eprt)

    def _set_active(
        self, connection: Connection, rest: str, parse: Callable[[str], ActiveTarget]
    ) -> bool:
        if not self._logged_in(connection) or self._transfer_running(connection):
            return True
        try:
            target = parse(rest)
            check_active_target(target, connection.client_host)
        except ActiveModeError as err:
            connection.response("501", str(err))
            return True
        self._forget_data(connection)
        self.release_passive(connection)
        connection.active_target = target
        connection.response("200", "active mode accepted")
        return True

    def _transfer_running(self, connection: Connection) -> bool:
        """One transfer at a time: say so when another is still running."""
        if any(not task.done() for task in connection.extra_workers):
            connection.response("425", "a transfer is running, wait for its reply")
            return True
        return False

    def _has_data_route(self, connection: Connection) -> bool:
        if self._transfer_running(connection):
            return False
        if is_set(connection, "active_target") and connection.active_target is not None:
            return True
        if is_set(connection, "passive_server") or is_set(connection, "data_connection"):
            # Listening still, or the client already connected (its port is released then).
            return True
        connection.response("425", "use PASV, EPSV, PORT or EPRT first")
        return False

    async def _open_data(self, connection: Connection) -> DataChannel:
        config = self._config
        target: ActiveTarget | None = (
            connection.active_target if is_set(connection, "active_target") else None
        )
        if target is not None:
            connection.active_target = None
            return await connect_active(
                target,
                connection.server_host,
                config.data_connect_timeout,
                config.max_upload_size,
                config.stall_timeout,
                lease=self.memory.lease(),
            )
        try:
            async with asyncio.timeout(config.data_connect_timeout):
                channel: DataChannel = await asyncio.shield(connection["data_connection"])
        finally:
            # Connected, timed out or aborted: the port goes back to the range either way.
            self.release_passive(connection)
        del connection.data_connection
        return channel
