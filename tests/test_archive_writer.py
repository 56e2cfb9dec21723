"""ArchiveWriter: queues on the loop, writes in a thread, drops (and counts) the oldest."""

import asyncio
import logging
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from custom_components.camupload.receiver.model import ReceivedFile, ReceivedFrame
from custom_components.camupload.receiver_ha.archive import FrameArchive, PruneResult
from custom_components.camupload.receiver_ha.archive_writer import ArchiveWriter

# Recent frames, so the writer's prune (by the real clock) keeps them.
START = datetime.now(UTC).replace(microsecond=0)
# Upper bound for a test's wait on a worker thread; the tests never rely on its length.
THREAD_WAIT = 10.0


def frame(index: int, data: bytes = b"\xff\xd8frame\xff\xd9") -> ReceivedFrame:
    """Frame number index, one millisecond after the previous."""
    return ReceivedFrame(
        data=data,
        username="cam28",
        camera_id="front",
        received_at=START + timedelta(milliseconds=index),
        source="mjpeg",
    )


def frame_name(index: int) -> str:
    """Stored name of frame number index."""
    return f"{START:%H%M%S}-{index:03d}.jpg"


def stored_bytes(root: Path) -> int:
    """Total size of the stored frames."""
    return sum(path.stat().st_size for path in root.rglob("*.jpg"))


def stored_names(root: Path) -> list[str]:
    """Names of all stored files."""
    return sorted(path.name for path in root.rglob("*") if path.is_file())


class GatedArchive(FrameArchive):
    """A real archive whose writes wait for a gate: a disk that cannot keep up."""

    def __init__(self, root: Path, **kwargs: int) -> None:
        """Archive in root; saves block until gate is set."""
        super().__init__(
            root,
            retention_days=kwargs.get("retention_days", 7),
            max_bytes=kwargs.get("max_bytes", 10**9),
            tz=UTC,
        )
        self.gate = threading.Event()
        self.entered = threading.Event()

    def save(self, camera: str, item: ReceivedFrame | ReceivedFile) -> Path:
        """Signal, wait for the gate, then really save."""
        self.entered.set()
        assert self.gate.wait(THREAD_WAIT)
        return super().save(camera, item)


async def test_close_flushes_everything(tmp_path: Path) -> None:
    """Every submitted frame is on disk once close returns."""
    writer = ArchiveWriter(FrameArchive(tmp_path, retention_days=7, max_bytes=10**9, tz=UTC))
    for index in range(25):
        writer.submit("front", frame(index))
    writer.submit("front", ReceivedFile(b"clip", "cam28", "front", START, "ftp", "clip.mp4"))
    await writer.close()
    assert len(stored_names(tmp_path)) == 26
    stats = writer.stats
    assert (stats.saved, stats.dropped, stats.failed, stats.queued) == (26, 0, 0, 0)
    assert stats.total_bytes == 25 * len(frame(0).data) + 4


async def test_close_without_submits(tmp_path: Path) -> None:
    """Closing an idle writer touches nothing."""
    writer = ArchiveWriter(FrameArchive(tmp_path / "a", retention_days=7, max_bytes=1, tz=UTC))
    await writer.close()
    assert not (tmp_path / "a").exists()


async def test_submit_never_blocks_and_counts_drops(tmp_path: Path) -> None:
    """With the disk stuck, submit returns at once and drops the oldest queued frames."""
    archive = GatedArchive(tmp_path)
    writer = ArchiveWriter(archive, max_queue_items=4)
    writer.submit("front", frame(0))
    # Let the drain task hand frame 0 to the worker thread, which then waits at the gate.
    assert await asyncio.to_thread(archive.entered.wait, THREAD_WAIT)
    for index in range(1, 11):
        writer.submit("front", frame(index))
    assert (writer.stats.queued, writer.stats.dropped) == (4, 6)
    archive.gate.set()
    await writer.close()
    assert writer.stats.saved == 5
    assert writer.stats.dropped == 6
    # Frame 0 was being written; 7 to 10 were the newest queued.
    assert stored_names(tmp_path) == [frame_name(index) for index in (0, 7, 8, 9, 10)]


async def test_queue_is_bounded_by_bytes(tmp_path: Path) -> None:
    """The byte bound drops the oldest too, but always keeps the newest item."""
    archive = GatedArchive(tmp_path)
    writer = ArchiveWriter(archive, max_queue_bytes=250)
    writer.submit("front", frame(0))
    assert await asyncio.to_thread(archive.entered.wait, THREAD_WAIT)
    for index in range(1, 4):
        writer.submit("front", frame(index, b"\xff\xd8" + b"a" * 98))
    assert (writer.stats.queued, writer.stats.dropped) == (2, 1)
    writer.submit("front", frame(9, b"\xff\xd8" + b"b" * 998))
    assert (writer.stats.queued, writer.stats.dropped) == (1, 3)
    archive.gate.set()
    await writer.close()
    assert stored_names(tmp_path) == [frame_name(0), frame_name(9)]


async def test_submit_after_close_is_dropped(tmp_path: Path) -> None:
    """A closed writer refuses new items, and counts them."""
    writer = ArchiveWriter(FrameArchive(tmp_path, retention_days=7, max_bytes=10**9, tz=UTC))
    await writer.close()
    writer.submit("front", frame(0))
    assert writer.stats.dropped == 1
    assert stored_names(tmp_path) == []


async def test_failed_saves_are_counted(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A frame that cannot be stored is counted and logged; the others are stored."""
    writer = ArchiveWriter(FrameArchive(tmp_path, retention_days=7, max_bytes=10**9, tz=UTC))
    writer.submit("../escape", frame(0))
    writer.submit("front", frame(1))
    with caplog.at_level(logging.WARNING):
        await writer.close()
    assert (writer.stats.saved, writer.stats.failed) == (1, 1)
    assert "Could not archive a frame of ../escape" in caplog.text


async def test_writer_prunes_on_first_batch_and_when_over_size(tmp_path: Path) -> None:
    """The first batch prunes old days; going over max_bytes prunes again."""
    old = tmp_path / "front" / "2000-01-01"
    old.mkdir(parents=True)
    (old / "120000-000.jpg").write_bytes(b"old")
    data = b"\xff\xd8" + b"x" * 98
    archive = FrameArchive(tmp_path, retention_days=1, max_bytes=1000, tz=UTC)
    writer = ArchiveWriter(archive, prune_interval=10**9)
    # Today's frames, so age retention keeps them.
    today = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    for index in range(15):
        item = ReceivedFrame(
            data=data,
            username="cam28",
            camera_id="front",
            received_at=today + timedelta(seconds=index),
            source="ftp",
        )
        writer.submit("front", item)
        await asyncio.sleep(0)
    await writer.close()
    assert not old.exists()
    assert writer.stats.saved == 15
    assert archive.total_bytes is not None
    assert archive.total_bytes <= 1000
    assert stored_bytes(tmp_path) == archive.total_bytes


async def test_prune_failure_is_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A prune that fails does not stop the writer."""

    class BrokenPrune(FrameArchive):
        def prune(self, now: datetime) -> PruneResult:
            del now
            msg = "disk went away"
            raise OSError(msg)

    writer = ArchiveWriter(BrokenPrune(tmp_path, retention_days=7, max_bytes=10**9, tz=UTC))
    writer.submit("front", frame(0))
    with caplog.at_level(logging.WARNING):
        await writer.close()
    assert writer.stats.saved == 1
    assert "Could not prune the archive" in caplog.text


async def test_any_received_name_is_kept_and_browsable(tmp_path: Path) -> None:
    """Hostile, empty, clashing or over-long names: every file stored, listed and resolvable."""
    archive = FrameArchive(tmp_path, retention_days=7, max_bytes=10**9, tz=UTC)
    writer = ArchiveWriter(archive)
    # A cut at the length limit used to end on "_", a name the archive then refused to resolve.
    names = ["x\\..", "y\\..", "..", ".", "", "a\x00b\x1b.txt", "../../etc/passwd",
             "n" * 99 + "_tail", "m" * 98 + "._tail", "v" * 300 + ".mp4",
             "clip.mp4", "clip.mp4"]  # fmt: skip
    for number, name in enumerate(names):
        data = f"file {number}".encode()
        writer.submit("front", ReceivedFile(data, "cam28", "front", START, "ftp", name))
    await writer.close()
    assert (writer.stats.saved, writer.stats.failed) == (len(names), 0)
    items = await asyncio.to_thread(archive.items, "front", START.date())
    assert len(items) == len(names)
    contents = []
    for item in items:
        path = await asyncio.to_thread(archive.resolve, item.path)
        contents.append(await asyncio.to_thread(path.read_text))
    assert sorted(contents) == sorted(f"file {number}" for number in range(len(names)))
