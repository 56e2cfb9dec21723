"""A camera's side: log in and upload by FTP with ftplib, as in the README's examples."""

import asyncio
import ftplib
import io
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

FTP_TIMEOUT = 5.0  # seconds per FTP command


@dataclass(frozen=True, kw_only=True)
class CameraLogin:
    """What the camera is told to type in: the receiver's FTP port and its own login."""

    host: str
    ftp_port: int
    username: str
    password: str


async def _in_thread[T](blocking: Callable[[], T]) -> T:
    """Run a blocking client call off the event loop; its thread ends with the call."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="camera-client") as pool:
        return await asyncio.get_running_loop().run_in_executor(pool, blocking)


def _connect(login: CameraLogin) -> ftplib.FTP:
    ftp = ftplib.FTP(timeout=FTP_TIMEOUT)
    ftp.connect(login.host, login.ftp_port)
    ftp.login(login.username, login.password)
    ftp.set_pasv(True)
    return ftp


async def ftp_login_reply(login: CameraLogin) -> str:
    """Log in and out again; returns the server's reply to PASS (230 when accepted)."""

    def run() -> str:
        ftp = ftplib.FTP(timeout=FTP_TIMEOUT)
        ftp.connect(login.host, login.ftp_port)
        try:
            return ftp.login(login.username, login.password)
        finally:
            ftp.close()

    return await _in_thread(run)


async def ftp_upload(login: CameraLogin, file_name: str, data: bytes) -> None:
    """Store one file in the root folder, passive mode, as a camera does."""

    def run() -> None:
        ftp = _connect(login)
        try:
            ftp.storbinary(f"STOR {file_name}", io.BytesIO(data))
            ftp.quit()
        finally:
            ftp.close()

    await _in_thread(run)
