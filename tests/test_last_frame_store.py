"""LastFrameStore on real files: a camera's last frame across a restart."""

from datetime import UTC, datetime
from pathlib import Path

from custom_components.camupload.receiver.model import ReceivedFrame
from custom_components.camupload.receiver_ha.last_frame_store import LastFrameStore
from custom_components.camupload.shared.frame import Frame

AT = datetime(2024, 5, 10, 12, 30, tzinfo=UTC)


def test_a_received_frame_comes_back_as_the_frame_it_was(tmp_path: Path) -> None:
    """Image, time, source and name survive; the login is not kept (the camera is the key)."""
    store = LastFrameStore(tmp_path / "last")
    received = ReceivedFrame(
        data=b"\xff\xd8jpeg\xff\xd9",
        username="cam28",
        camera_id="front",
        received_at=AT,
        source="ftp",
        file_name="snap.jpg",
    )
    store.save("front", received)
    assert store.load("front") == Frame(
        data=received.data, received_at=AT, source="ftp", file_name="snap.jpg"
    )
    assert store.load("garden") is None


def test_keep_only_forgets_removed_cameras_and_crash_leftovers(tmp_path: Path) -> None:
    """Frames of cameras still there stay; other cameras' and cut-short writes go."""
    store = LastFrameStore(tmp_path)
    for key in ("front", "garden"):
        store.save(key, Frame(data=key.encode(), received_at=AT))
    (tmp_path / ".front.jpg.k2j4x8.tmp").write_bytes(b"half")
    (tmp_path / "notes.txt").write_bytes(b"not ours")
    store.keep_only({"front"})
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "front.jpg",
        "front.json",
        "notes.txt",
    ]
    assert store.load("front") == Frame(data=b"front", received_at=AT)


def test_an_unreadable_description_is_no_frame(tmp_path: Path) -> None:
    """A description cut short or from elsewhere is ignored rather than raised."""
    store = LastFrameStore(tmp_path)
    store.save("front", Frame(data=b"x", received_at=AT))
    (tmp_path / "front.json").write_text('{"received_at": "yesterday"}')
    assert store.load("front") is None
