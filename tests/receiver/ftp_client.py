"""An ftplib client of the receiver's FTP server, run off the event loop."""

import asyncio
import ftplib
from collections.abc import Callable

from custom_components.camupload.receiver import Account
from tests.receiver.loopback import CAMERA


def connect(port: int) -> ftplib.FTP:
    """A connected, not logged in, ftplib client."""
    client = ftplib.FTP()
    client.connect("127.0.0.1", port, timeout=10)
    return client


def login(port: int, account: Account = CAMERA) -> ftplib.FTP:
    """A logged-in ftplib client."""
    client = connect(port)
    client.login(account.username, account.password)
    return client


def reply(call: Callable[[], str]) -> str:
    """The server's reply, error or not."""
    try:
        return call()
    except ftplib.Error as err:
        return str(err)
    except (OSError, EOFError):
        return "connection closed"


def epsv_port(client: ftplib.FTP) -> str:
    """The port an EPSV reply announces, or the error reply."""
    answer = reply(lambda: client.sendcmd("EPSV"))
    return answer.split("|")[-2] if answer.startswith("229") else answer


async def in_thread[T](call: Callable[[], T]) -> T:
    """Run a blocking client off the event loop."""
    return await asyncio.to_thread(call)
