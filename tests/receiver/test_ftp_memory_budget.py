"""FTP draws from the one memory budget: data connections, transfers and the files it holds."""

import ftplib
import io
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path, PurePosixPath

import pytest

from custom_components.camupload.receiver.ftp.filesystem import AccountFileSystem, FileEntry
from custom_components.camupload.receiver.memory_budget import MemoryBudget, MemoryBudgetError
from tests.receiver.ftp_client import epsv_port, in_thread, login, reply
from tests.receiver.loopback import Running, start_receiver
from tests.receiver.sample_jpegs import make_jpeg

KIB = 1024
MAX_UPLOAD = 512 * KIB
BUDGET = 1024 * KIB
READ_CHUNK = 256 * KIB
WAIT_SECONDS = 10.0
P = PurePosixPath


def wait_until(condition: Callable[[], bool]) -> None:
    """Poll from the client thread until the receiver reaches a state (or time runs out)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)


async def budget_ftp(tmp_path: Path) -> Running:
    """An FTP-only receiver with a 1 MiB budget and 512 KiB uploads."""
    return await start_receiver(
        tmp_path,
        http_port=None,
        max_upload_size=MAX_UPLOAD,
        memory_budget=BUDGET,
        read_chunk=READ_CHUNK,
        stall_timeout=WAIT_SECONDS * 3,
        max_connections_per_address=10,
    )


def open_data(client: ftplib.FTP) -> socket.socket:
    """Open a passive data connection without sending a transfer command."""
    port = int(epsv_port(client))
    return socket.create_connection(("127.0.0.1", port), timeout=WAIT_SECONDS)


def push(data_socket: socket.socket, data: bytes) -> bool:
    """Send data; True if all went out (False: the server dropped the connection)."""
    try:
        data_socket.sendall(data)
    except OSError:
        return False
    return True


def dropped_by_server(data_socket: socket.socket) -> bool:
    """Whether the server closed a data connection (reset or end of file), waiting a little."""
    data_socket.settimeout(1.0)
    try:
        return data_socket.recv(1) == b""
    except TimeoutError:
        return False
    except OSError:
        return True


def padded_jpeg(seed: int, size: int) -> bytes:
    """A complete JPEG of exactly size bytes."""
    image = make_jpeg(seed)
    return image[:-2] + b"\x00" * (size - len(image)) + image[-2:]


async def test_data_connections_pushing_before_a_transfer_hold_one_read(tmp_path: Path) -> None:
    """Three connections push 400 KiB each before STOR: each holds one read at most.

    Each STOR then gets every byte; before, the reads filled the 1 MiB budget and the last
    connection failed.
    """
    started = await budget_ftp(tmp_path)
    memory = started.receiver.memory
    images = [padded_jpeg(seed, 400 * KIB) for seed in (11, 12, 13)]

    def scenario() -> tuple[int, list[str]]:
        sessions = [login(started.ftp_port) for _ in images]
        sockets = [open_data(client) for client in sessions]
        # sendall blocks once the kernel's buffers are full: each push runs in a thread.
        pushers = [
            threading.Thread(target=push, args=(data_socket, image))
            for data_socket, image in zip(sockets, images, strict=True)
        ]
        for pusher in pushers:
            pusher.start()
        wait_until(lambda: memory.used >= len(images) * KIB)
        time.sleep(0.5)  # what the server would read of the pushes, it has read by now
        held = memory.used
        answers = []
        for client, data_socket, pusher in zip(sessions, sockets, pushers, strict=True):
            answers.append(client.sendcmd("STOR frame.jpg"))
            pusher.join(WAIT_SECONDS)
            data_socket.close()
            answers.append(reply(client.voidresp))
            client.quit()
        return held, answers

    try:
        held, answers = await in_thread(scenario)
        assert 0 < held <= len(images) * READ_CHUNK
        assert answers == ["150 ready to receive frame.jpg", "226 frame received"] * 3
        assert [frame.data for frame in started.collected.frames] == images
        use = memory.snapshot()
        assert use.refusals == 0
        assert use.peak <= BUDGET
        assert memory.used == 0
    finally:
        await started.receiver.stop()


async def test_a_data_connection_no_transfer_uses_is_closed(tmp_path: Path) -> None:
    """Unused for the data connection timeout, it is closed and its read given back."""
    started = await start_receiver(
        tmp_path, http_port=None, memory_budget=BUDGET, data_connect_timeout=0.5
    )
    memory = started.receiver.memory
    image = make_jpeg(14)

    def scenario() -> tuple[bool, list[str]]:
        client = login(started.ftp_port)
        data_socket = open_data(client)
        push(data_socket, b"x" * (100 * KIB))
        wait_until(lambda: memory.used > 0)
        dropped = dropped_by_server(data_socket)
        wait_until(lambda: memory.used == 0)
        # The connection is gone: the transfer says so; a new one is served.
        answers = [client.sendcmd("STOR late.jpg"), reply(client.voidresp)]
        answers.append(client.storbinary("STOR frame.jpg", io.BytesIO(image)))
        client.quit()
        return dropped, answers

    try:
        dropped, answers = await in_thread(scenario)
        assert dropped
        assert answers[0] == "150 ready to receive late.jpg"
        assert answers[1] == "426 data connection lost, transfer aborted"
        assert answers[2].startswith("226 frame received")
        assert [frame.data for frame in started.collected.frames] == [image]
        assert memory.used == 0
    finally:
        await started.receiver.stop()


async def test_stor_past_the_budget_is_refused_and_the_next_client_is_served(
    tmp_path: Path,
) -> None:
    """452 before the 150 without room for a read, 451 when a transfer runs out; then 226."""
    started = await budget_ftp(tmp_path)
    memory = started.receiver.memory
    big = padded_jpeg(7, 500 * KIB)

    def scenario() -> list[str]:
        holder = login(started.ftp_port)
        # Files under temporary names hold their bytes until renamed or deleted.
        holder.storbinary("STOR first.tmp", io.BytesIO(b"1" * (400 * KIB)))
        holder.storbinary("STOR second.tmp", io.BytesIO(b"2" * (300 * KIB)))
        assert memory.used == 700 * KIB
        camera = login(started.ftp_port)
        camera.sendcmd("TYPE I")
        # 324 KiB free: room for a read, not for the 500 KiB photo.
        data = camera.transfercmd("STOR big.jpg")
        push(data, big)
        data.close()
        answers = [reply(camera.voidresp)]
        holder.storbinary("STOR third.tmp", io.BytesIO(b"3" * (100 * KIB)))
        wait_until(lambda: memory.used == 800 * KIB)
        # 224 KiB free: less than one read, refused before any byte.
        answers.append(reply(lambda: camera.storbinary("STOR big.jpg", io.BytesIO(big))))
        for name in ("first.tmp", "second.tmp", "third.tmp"):
            holder.delete(name)
        holder.quit()
        wait_until(lambda: memory.used == 0)
        following = login(started.ftp_port)
        answers.append(following.storbinary("STOR big.jpg", io.BytesIO(big)))
        answers.append(camera.storbinary("STOR small.jpg", io.BytesIO(make_jpeg(8))))
        following.quit()
        camera.quit()
        return answers

    try:
        answers = await in_thread(scenario)
        assert answers[0] == ("451 receiver memory budget spent, transfer aborted; try again later")
        assert answers[1] == "452 receiver memory budget spent, try again later"
        assert answers[2].startswith("226 frame received")
        assert answers[3].startswith("226 frame received")
        assert [frame.data for frame in started.collected.frames] == [big, make_jpeg(8)]
        # Published frames leave only stubs: nothing of theirs stays in the budget.
        assert memory.used == 0
        assert memory.snapshot().peak <= BUDGET
    finally:
        await started.receiver.stop()


async def test_held_files_draw_from_the_budget_until_dropped(tmp_path: Path) -> None:
    """Temporary names and kept clips hold their bytes; room for exactly one read fits."""
    started = await budget_ftp(tmp_path)
    memory = started.receiver.memory
    clip = b"clip" * (64 * KIB)

    def scenario() -> list[str]:
        camera = login(started.ftp_port)
        camera.storbinary("STOR first.tmp", io.BytesIO(b"a" * (BUDGET - READ_CHUNK - len(clip))))
        camera.storbinary("STOR clip.mp4", io.BytesIO(clip))
        held = [memory.used]
        # Exactly one read of room left: accepted.
        answers = [camera.storbinary("STOR frame.jpg", io.BytesIO(make_jpeg(3)))]
        camera.storbinary("STOR one.tmp", io.BytesIO(b"1"))
        held.append(memory.used)
        answers.append(reply(lambda: camera.storbinary("STOR two.jpg", io.BytesIO(make_jpeg(4)))))
        camera.delete("first.tmp")
        held.append(memory.used)
        camera.quit()
        return [*answers, *map(str, held)]

    try:
        answers = await in_thread(scenario)
        assert answers[0].startswith("226 frame received")
        assert answers[1] == "452 receiver memory budget spent, try again later"
        assert [int(held) for held in answers[2:]] == [
            BUDGET - READ_CHUNK,
            BUDGET - READ_CHUNK + 1,
            len(clip) + 1,
        ]
    finally:
        await started.receiver.stop()
    assert memory.used == 0
    assert memory.snapshot().leases == 0


def test_file_system_lease_follows_held_bytes() -> None:
    """The lease equals the bytes held; a store without room drops kept clips, then refuses."""
    budget = MemoryBudget(100)
    other = budget.lease()
    files = AccountFileSystem(max_bytes=1000, max_kept_bytes=1000, lease=budget.lease())
    clip = files.store(P("/clip.mp4"), b"c" * 30)
    files.mark_published(clip, keep_content=True)
    files.store(P("/up.tmp"), b"w" * 30)
    assert budget.used == files.held_bytes == 60
    other.grow(30)
    # Appending 5 to the temporary file needs its 35 at once (the copy): the clip goes.
    files.store(P("/up.tmp"), b"+" * 5, append=True)
    assert clip.data is None
    assert budget.used - other.held == files.held_bytes == 35
    with pytest.raises(MemoryBudgetError):
        files.store(P("/more.tmp"), b"m" * 36)
    assert files.lookup(P("/more.tmp")) is None
    waiting = files.lookup(P("/up.tmp"))
    assert isinstance(waiting, FileEntry)
    assert waiting.data == b"w" * 30 + b"+" * 5
    files.store(P("/up.tmp"), b"r" * 10)
    assert budget.used - other.held == files.held_bytes == 10
    files.unlink(P("/up.tmp"))
    assert budget.used == other.held
    files.store(P("/last.tmp"), b"l" * 20)
    files.release()
    other.release()
    assert budget.used == 0
