"""Spool on disk, and the dispatcher that retries it against a server that comes and goes."""

import asyncio
from pathlib import Path

import pytest

from custom_components.camupload.uploader.dispatcher import Dispatcher
from custom_components.camupload.uploader.model import OutgoingFile, RemoteFile, UploadResult
from custom_components.camupload.uploader.sender import open_sender
from custom_components.camupload.uploader.spool import SpoolEntry, SpoolQueue
from tests.uploader.servers import FtpServer


def numbered(index: int, directory: tuple[str, ...] = ()) -> OutgoingFile:
    """A small file whose name and content carry its number."""
    remote = RemoteFile(directory=directory, name=f"f{index:03d}.jpg", temporary_name="t.tmp")
    return OutgoingFile(remote=remote, data=f"frame {index}".encode() * 10)


async def test_spool_keeps_order_and_survives_restart(tmp_path: Path) -> None:
    """Entries come back in order after a restart; half-written files are discarded."""
    spool = SpoolQueue(tmp_path / "spool")
    for index in range(3):
        assert await spool.put(numbered(index, ("a", "b"))) is not None
    (tmp_path / "spool" / "000000000099.spool.tmp").write_bytes(b"half written")
    reopened = SpoolQueue(tmp_path / "spool")
    await reopened.open()
    assert len(reopened) == 3
    assert not list((tmp_path / "spool").glob("*.tmp"))
    names = []
    while (entry := await reopened.peek()) is not None:
        names.append(entry.file.remote.path)
        assert entry.file.remote.temporary_name == "t.tmp"
        assert entry.file.data.startswith(b"frame")
        await reopened.remove(entry)
    assert names == ["a/b/f000.jpg", "a/b/f001.jpg", "a/b/f002.jpg"]
    assert (await reopened.put(numbered(9))) is not None
    assert (await reopened.peek()) is not None
    assert (await reopened.peek()).sequence == 4  # type: ignore[union-attr]


async def test_spool_attempts_are_recorded(tmp_path: Path) -> None:
    """Failed attempts are counted on disk."""
    spool = SpoolQueue(tmp_path)
    entry = await spool.put(numbered(1))
    assert entry is not None
    await spool.record_attempt(await spool.record_attempt(entry))
    reopened = SpoolQueue(tmp_path)
    assert (await reopened.peek()).attempts == 2  # type: ignore[union-attr]


async def test_spool_bound_drops_oldest_and_counts(tmp_path: Path) -> None:
    """At the bound nothing is dropped; one byte over drops the oldest, counted and persisted."""
    size = len(b"") + (await SpoolQueue(tmp_path / "probe").put(numbered(0))).size  # type: ignore[union-attr]
    dropped: list[SpoolEntry] = []
    spool = SpoolQueue(tmp_path / "s", max_bytes=2 * size, on_drop=dropped.append)
    await spool.put(numbered(1))
    await spool.put(numbered(2))  # exactly at the bound: nothing dropped
    assert spool.stats.dropped == 0
    assert spool.stats.bytes == 2 * size
    await spool.put(numbered(3))  # one over: the oldest goes
    assert [entry.file.remote.name for entry in dropped] == ["f001.jpg"]
    assert spool.stats.entries == 2
    assert spool.stats.dropped == 1
    assert spool.stats.dropped_bytes == size
    too_big = OutgoingFile(remote=RemoteFile(name="big.jpg"), data=b"x" * (3 * size))
    assert await spool.put(too_big) is None
    assert spool.stats.dropped == 2
    reopened = SpoolQueue(tmp_path / "s", max_bytes=2 * size)
    await reopened.open()
    assert reopened.stats.dropped == 2  # the count survives a restart
    assert (await reopened.peek()).file.remote.name == "f002.jpg"  # type: ignore[union-attr]


async def test_server_goes_away_and_comes_back(vsftpd_server: FtpServer, tmp_path: Path) -> None:
    """Files sent while the server is away are spooled and delivered in order."""
    delivered: list[UploadResult] = []
    failures: list[str] = []
    dispatcher = Dispatcher(
        open_sender(vsftpd_server.destination(), streaming=True),
        SpoolQueue(tmp_path / "spool"),
        initial_backoff=0.05,
        max_backoff=0.2,
        on_delivered=delivered.append,
        on_failure=lambda _file, err: failures.append(str(err)),
    )
    await dispatcher.start()
    try:
        for index in range(3):
            assert await dispatcher.submit(numbered(index, ("incoming",))) is not None
        await asyncio.to_thread(vsftpd_server.stop)
        for index in range(3, 8):
            assert await dispatcher.submit(numbered(index, ("incoming",))) is None
        assert len(dispatcher.spool) == 5
        await asyncio.sleep(0.3)  # a few retries against nobody
        assert dispatcher.last_error is not None
        await asyncio.to_thread(vsftpd_server.start)
        await asyncio.wait_for(dispatcher.wait_empty(), 30)
    finally:
        await dispatcher.stop()
    assert [result.path for result in delivered] == [
        f"incoming/f{index:03d}.jpg" for index in range(8)
    ]
    for index in range(8):
        assert vsftpd_server.path(f"f{index:03d}.jpg").read_bytes() == numbered(index).data
    assert failures
    assert dispatcher.last_error is None


async def test_spool_is_delivered_after_a_restart(
    pure_ftpd_server: FtpServer, tmp_path: Path
) -> None:
    """A new dispatcher delivers what an earlier process spooled."""
    pure_ftpd_server.stop()
    first = Dispatcher(
        open_sender(pure_ftpd_server.destination()), SpoolQueue(tmp_path), initial_backoff=10
    )
    await first.start()
    for index in range(3):
        assert await first.submit(numbered(index)) is None
    await first.stop()  # the process "restarts": only the spool directory remains
    pure_ftpd_server.start()
    second = Dispatcher(open_sender(pure_ftpd_server.destination()), SpoolQueue(tmp_path))
    await second.start()
    try:
        await asyncio.wait_for(second.wait_empty(), 30)
    finally:
        await second.stop()
    for index in range(3):
        assert (pure_ftpd_server.files / f"f{index:03d}.jpg").read_bytes() == numbered(index).data


@pytest.mark.parametrize("max_bytes", [0])
async def test_nothing_fits_in_an_empty_spool(tmp_path: Path, max_bytes: int) -> None:
    """A zero-byte spool drops (and counts) every file."""
    spool = SpoolQueue(tmp_path, max_bytes=max_bytes)
    assert await spool.put(numbered(1)) is None
    assert spool.stats.dropped == 1
    assert len(spool) == 0
