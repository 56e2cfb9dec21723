"""How FTP transfers and sessions end: ABOR, QUIT mid-transfer, clients that stop reading."""

import asyncio
import contextlib
import ftplib
import io
import socket
import time
from pathlib import Path

from tests.receiver.ftp_client import in_thread, login, reply
from tests.receiver.loopback import CAMERA, run_ftp_scenario, start_receiver
from tests.receiver.sample_jpegs import make_jpeg


def epsv_connect(client: ftplib.FTP) -> socket.socket:
    """Open the passive data connection that an EPSV reply announces."""
    port = int(client.sendcmd("EPSV").split("|")[-2])
    return socket.create_connection(("127.0.0.1", port), timeout=10)


async def test_abor_is_answered_wherever_the_transfer_is(tmp_path: Path) -> None:
    """ABOR while STOR waits for its data connection: 426 then 226; later, nothing to abort."""

    def scenario(port: int) -> list[str]:
        client = login(port)
        client.sendcmd("EPSV")  # a route, but the client never connects
        client.putcmd("STOR never.jpg")
        out = [client.getresp()]
        client.putcmd("ABOR")
        out += [reply(client.getresp), reply(client.getresp)]
        out.append(client.sendcmd("ABOR"))
        client.storbinary("STOR after.jpg", io.BytesIO(make_jpeg(1)))
        client.quit()
        return out

    out, started = await run_ftp_scenario(tmp_path, scenario)
    assert out == [
        "150 ready to receive never.jpg",
        "426 transfer aborted, nothing stored",
        "226 abort successful",
        "226 nothing to abort",
    ]
    assert [f.file_name for f in started.collected.frames] == ["after.jpg"]


async def test_quit_during_an_upload_finishes_it_first(tmp_path: Path) -> None:
    """QUIT sent before the data connection closes: the file is stored, 226 comes before 221."""
    jpeg = make_jpeg(2)

    def scenario(port: int) -> list[str]:
        client = login(port)
        data = epsv_connect(client)
        client.putcmd("STOR late.jpg")
        out = [client.getresp()]
        data.sendall(jpeg)
        client.putcmd("QUIT")
        time.sleep(0.2)  # the server reads QUIT while the transfer is still open
        data.close()
        out += [client.getresp(), client.getresp()]
        client.close()
        return out

    out, started = await run_ftp_scenario(tmp_path, scenario)
    assert out == ["150 ready to receive late.jpg", "226 frame received", "221 bye"]
    assert [f.data for f in started.collected.frames] == [jpeg]


async def test_appended_pieces_are_checked_whole(tmp_path: Path) -> None:
    """APPE of a whole image onto a cut one is not a frame; bytes sent before APPE count too."""
    first, second = make_jpeg(3), make_jpeg(4)

    def scenario(port: int) -> list[str]:
        client = login(port)
        out = [client.storbinary("APPE glued.jpg", io.BytesIO(first[: len(first) // 2]))]
        out.append(client.storbinary("APPE glued.jpg", io.BytesIO(second)))
        # The whole body arrives and ends before APPE is sent, and is over the limit left.
        data = epsv_connect(client)
        data.sendall(first + second)
        data.shutdown(socket.SHUT_WR)
        time.sleep(0.2)
        client.putcmd("APPE glued.jpg")
        out.append(client.getresp())
        out.append(reply(client.voidresp))
        data.close()
        out.append(client.sendcmd("SIZE glued.jpg"))
        client.quit()
        return out

    out, started = await run_ftp_scenario(tmp_path, scenario, max_upload_size=len(first) * 2)
    assert out[:2] == ["226 appended, JPEG not complete yet"] * 2
    assert out[2:4] == [
        "150 ready to receive glued.jpg",
        f"552 file larger than {len(first) * 2} bytes, refused",
    ]
    assert out[4] == f"213 {len(first) // 2 + len(second)}"
    assert started.collected.frames == []


async def test_a_client_that_stops_reading_is_dropped(tmp_path: Path) -> None:
    """Replies left unread, then silence: the session ends at the idle timeout, stop is quick."""
    started = await start_receiver(tmp_path, http_port=None, idle_timeout=2, stall_timeout=30)
    sock = socket.socket()
    try:

        def flood() -> None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
            sock.connect(("127.0.0.1", started.ftp_port))
            sock.sendall(f"USER {CAMERA.username}\r\nPASS {CAMERA.password}\r\n".encode())
            sock.settimeout(10)
            replies = b""
            while b"230 " not in replies:  # logged in
                replies += sock.recv(1024)
            # Long replies, never read, until the server holds some it cannot send.
            sock.settimeout(0.05)
            with contextlib.suppress(TimeoutError):
                for _ in range(2000):
                    sock.sendall(b"FEAT\r\n" * 20)

        await in_thread(flood)
        stats = started.receiver.stats(CAMERA.username)
        assert stats.active_connections == 1
        # Bounded wait: the session must end by itself, the client still not reading.
        async with asyncio.timeout(10):
            while started.receiver.stats(CAMERA.username).active_connections:  # noqa: ASYNC110 - a counter, no event
                await asyncio.sleep(0.05)
    finally:
        sock.close()
        async with asyncio.timeout(5):
            await started.receiver.stop()


async def test_pipelined_commands_one_transfer_at_a_time(tmp_path: Path) -> None:
    """Replies keep command order; a second transfer or data route while one runs: 425."""
    jpeg = make_jpeg(5)

    def scenario(port: int) -> list[str]:
        client = login(port)
        data = epsv_connect(client)
        # Sent together, before any reply is read.
        client.sock.sendall(b"STOR one.jpg\r\nNOOP\r\nSTOR two.jpg\r\nEPSV\r\n")  # type: ignore[union-attr]
        out = [client.getline() for _ in range(4)]
        data.sendall(jpeg)
        data.close()
        out.append(client.getline())
        client.quit()
        return out

    out, started = await run_ftp_scenario(tmp_path, scenario)
    assert out == [
        "150 ready to receive one.jpg",
        "200 NOOP ok",
        "425 a transfer is running, wait for its reply",
        "425 a transfer is running, wait for its reply",
        "226 frame received",
    ]
    assert [f.file_name for f in started.collected.frames] == ["one.jpg"]


async def test_two_whole_images_appended_are_not_one_frame(tmp_path: Path) -> None:
    """APPE onto a published frame is refused before any transfer: it cannot make one JPEG."""
    first, second = make_jpeg(6), make_jpeg(7)

    def scenario(port: int) -> list[str]:
        client = login(port)
        out = [client.storbinary("APPE two.jpg", io.BytesIO(first))]
        out.append(reply(lambda: client.storbinary("APPE two.jpg", io.BytesIO(second))))
        out.append(client.sendcmd("SIZE two.jpg"))
        client.quit()
        return out

    out, started = await run_ftp_scenario(tmp_path, scenario)
    assert out == [
        "226 frame received",
        "550 /two.jpg was published and is no longer held, send it whole with STOR",
        f"213 {len(first)}",
    ]
    assert [f.data for f in started.collected.frames] == [first]
