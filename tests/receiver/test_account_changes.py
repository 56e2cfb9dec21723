"""Accounts changing while the receiver runs: only the sessions of a changed login end."""

import asyncio
import contextlib
import ftplib
import io
from collections.abc import AsyncIterator

import aiohttp
import pytest

from custom_components.camupload.receiver import Account, AccountError, ReceivedFrame
from tests.receiver.loopback import CAMERA, OTHER, WAIT_SECONDS, Running
from tests.receiver.sample_jpegs import make_jpeg

NEW = Account("cam30", "fresh-pass", "porch")


class Push:
    """An MJPEG push to the receiver's own HTTP port; frames go out when the test sends them."""

    def __init__(self, session: aiohttp.ClientSession, running: Running, account: Account) -> None:
        """Open the push with account's login."""
        self._frames: asyncio.Queue[bytes | None] = asyncio.Queue()
        self.task = asyncio.create_task(
            session.post(
                running.url(f"/upload/{account.username}"),
                data=self._body(),
                auth=aiohttp.BasicAuth(account.username, account.password),
            )
        )

    async def _body(self) -> AsyncIterator[bytes]:
        while (jpeg := await self._frames.get()) is not None:
            yield b"--f\r\nContent-Type: image/jpeg\r\n\r\n" + jpeg + b"\r\n"

    def send(self, jpeg: bytes) -> None:
        """Send one more frame."""
        self._frames.put_nowait(jpeg)

    async def finish(self) -> int:
        """End the stream; returns the HTTP status."""
        self._frames.put_nowait(None)
        async with asyncio.timeout(WAIT_SECONDS):
            return (await self.task).status


def _login(port: int, account: Account) -> ftplib.FTP:
    client = ftplib.FTP()
    client.connect("127.0.0.1", port, timeout=10)
    client.login(account.username, account.password)
    return client


def _store(client: ftplib.FTP, data: bytes) -> str:
    try:
        return client.storbinary("STOR snap.jpg", io.BytesIO(data))
    except ftplib.Error as err:
        return str(err)
    except (OSError, EOFError):
        return "connection closed"


async def _arrives(running: Running, jpeg: bytes) -> ReceivedFrame:
    """Wait for jpeg to come out of the receiver."""
    async with asyncio.timeout(WAIT_SECONDS):
        while True:
            for frame in running.collected.frames:
                if frame.data == jpeg:
                    return frame
            running.collected.arrived.clear()
            await running.collected.arrived.wait()


async def test_new_password_ends_only_that_cameras_sessions(running: Running) -> None:
    """CAMERA's push and FTP session end with its new password; OTHER's go on; NEW logs in."""
    async with aiohttp.ClientSession() as session:
        pushes = {account.username: Push(session, running, account) for account in (CAMERA, OTHER)}
        sessions = {
            account.username: await asyncio.to_thread(_login, running.ftp_port, account)
            for account in (CAMERA, OTHER)
        }
        for seed, account in enumerate((CAMERA, OTHER)):
            pushes[account.username].send(make_jpeg(seed))
            await _arrives(running, make_jpeg(seed))

        changed = Account(CAMERA.username, "changed-pass", CAMERA.camera_id)
        assert running.receiver.set_accounts([changed, OTHER, NEW]) == {CAMERA.username}

        # CAMERA's sessions were logged in with the old password: they end.
        async with asyncio.timeout(WAIT_SECONDS):
            with contextlib.suppress(aiohttp.ClientError):
                await pushes[CAMERA.username].task
        cut = await asyncio.to_thread(_store, sessions[CAMERA.username], make_jpeg(2))
        assert cut.startswith(("421", "connection closed"))
        assert running.receiver.stats(CAMERA.username).active_connections == 0
        # OTHER's open push and FTP session deliver on.
        pushes[OTHER.username].send(make_jpeg(3))
        assert (await _arrives(running, make_jpeg(3))).source == "mjpeg"
        stored = await asyncio.to_thread(_store, sessions[OTHER.username], make_jpeg(4))
        assert stored.startswith("226")
        await _arrives(running, make_jpeg(4))
        # The new login works at once, the old password no longer.
        with pytest.raises(ftplib.error_perm, match="530"):
            await asyncio.to_thread(_login, running.ftp_port, CAMERA)
        for account in (changed, NEW):
            client = await asyncio.to_thread(_login, running.ftp_port, account)
            assert (await asyncio.to_thread(_store, client, make_jpeg(5))).startswith("226")
            await asyncio.to_thread(client.quit)

        # Removing the others leaves OTHER's uploads running still.
        assert running.receiver.set_accounts([OTHER]) == {CAMERA.username, NEW.username}
        pushes[OTHER.username].send(make_jpeg(6))
        await _arrives(running, make_jpeg(6))
        assert await pushes[OTHER.username].finish() == 200
        assert (await asyncio.to_thread(_store, sessions[OTHER.username], make_jpeg(7))).startswith(
            "226"
        )
        for client in sessions.values():
            client.close()


async def test_invalid_accounts_change_nothing(running: Running) -> None:
    """A rejected account table leaves every login and session as it was."""
    client = await asyncio.to_thread(_login, running.ftp_port, CAMERA)
    duplicate = Account(OTHER.username, "another-pass", "elsewhere")
    with pytest.raises(AccountError):
        running.receiver.set_accounts([Account(CAMERA.username, "new-pass", "x"), OTHER, duplicate])
    assert (await asyncio.to_thread(_store, client, make_jpeg(8))).startswith("226")
    await asyncio.to_thread(client.quit)
    assert running.receiver.accounts.get(CAMERA.username) == CAMERA
