"""FrameArchive and ArchiveIndex on real files in tmp_path."""

import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custom_components.camupload.receiver.model import ReceivedFile, ReceivedFrame
from custom_components.camupload.receiver_ha.archive import (
    MAX_NAME_COLLISIONS,
    MAX_NAME_LENGTH,
    PRUNE_LOW_WATER,
    STALE_TEMP_AGE,
    ArchiveIndex,
    ArchivePathError,
    FrameArchive,
    parse_day,
    safe_name,
)

NEW_YORK = ZoneInfo("America/New_York")
JPEG = b"\xff\xd8\xff\xe0fake-jpeg-body\xff\xd9"


def frame(at: datetime, data: bytes = JPEG) -> ReceivedFrame:
    """A frame received at a UTC time."""
    return ReceivedFrame(
        data=data,
        username="cam28",
        camera_id="front",
        received_at=at,
        source="ftp",
        file_name="x.jpg",
    )


def received_file(name: str, at: datetime, data: bytes = b"clip") -> ReceivedFile:
    """A non-JPEG file received at a UTC time."""
    return ReceivedFile(data, "cam28", "front", at, "ftp", name)


def make_archive(
    root: Path, *, retention_days: int = 7, max_bytes: int = 10**9, tz: ZoneInfo = NEW_YORK
) -> FrameArchive:
    """An archive in root with generous limits unless told."""
    return FrameArchive(root, retention_days=retention_days, max_bytes=max_bytes, tz=tz)


def all_files(root: Path) -> list[Path]:
    """Every file under root, hidden ones included."""
    return sorted(path for path in root.rglob("*") if path.is_file())


def put(root: Path, relative: str, size: int, mtime: float | None = None) -> Path:
    """Create a file of size bytes (optionally with a modification time) under root."""
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def test_frame_lands_in_local_day_and_time(tmp_path: Path) -> None:
    """Folder date and file name are local time, with milliseconds."""
    archive = make_archive(tmp_path)
    # 03:04 UTC on March 10th is 22:04 on March 9th in New York.
    at = datetime(2024, 3, 10, 3, 4, 5, 678_901, tzinfo=UTC)
    path = archive.save("front", frame(at))
    assert path == tmp_path / "front" / "2024-03-09" / "220405-678.jpg"
    assert path.read_bytes() == JPEG


def test_same_millisecond_frames_get_unique_names(tmp_path: Path) -> None:
    """Two frames in one millisecond are both kept."""
    archive = make_archive(tmp_path, tz=ZoneInfo("UTC"))
    at = datetime(2024, 3, 10, 12, 0, 0, 1000, tzinfo=UTC)
    first = archive.save("front", frame(at, b"\xff\xd8one"))
    second = archive.save("front", frame(at, b"\xff\xd8two"))
    assert (first.name, second.name) == ("120000-001.jpg", "120000-001-1.jpg")
    assert second.read_bytes() == b"\xff\xd8two"
    assert archive.resolve("front/2024-03-10/120000-001-1.jpg") == second.resolve()


def test_collisions_are_bounded(tmp_path: Path) -> None:
    """After MAX_NAME_COLLISIONS taken names the save fails instead of looping on."""
    archive = make_archive(tmp_path, tz=ZoneInfo("UTC"))
    at = datetime(2024, 3, 10, 12, 0, tzinfo=UTC)
    folder = tmp_path / "front" / "2024-03-10"
    folder.mkdir(parents=True)
    (folder / "clip.mp4").touch()
    for index in range(1, MAX_NAME_COLLISIONS):
        (folder / f"clip-{index}.mp4").touch()
    with pytest.raises(FileExistsError):
        archive.save("front", received_file("clip.mp4", at))


@pytest.mark.parametrize(
    ("received", "stored"),
    [
        ("clip.mp4", "clip.mp4"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("/abs/path/log.txt", "log.txt"),
        (".hidden", "hidden"),
        ("..", "file"),
        ("", "file"),
        ("a b?*:<>|.avi", "a_b_.avi"),
        ("null\0byte.txt", "null_byte.txt"),
        ("é.txt", "txt"),
    ],
)
def test_received_file_names_are_made_safe(tmp_path: Path, received: str, stored: str) -> None:
    """Non-JPEG files keep a safe form of their name, inside the day folder."""
    archive = make_archive(tmp_path, tz=ZoneInfo("UTC"))
    at = datetime(2024, 3, 10, 12, 0, tzinfo=UTC)
    path = archive.save("front", received_file(received, at))
    assert path == tmp_path / "front" / "2024-03-10" / stored
    assert all_files(tmp_path) == [path]


def test_long_names_are_trimmed_and_collisions_stay_resolvable(tmp_path: Path) -> None:
    """A name at the length limit still gets unique, resolvable siblings."""
    archive = make_archive(tmp_path, tz=ZoneInfo("UTC"))
    at = datetime(2024, 3, 10, 12, 0, tzinfo=UTC)
    long_name = "v" * 300 + ".mp4"
    first = archive.save("front", received_file(long_name, at))
    second = archive.save("front", received_file(long_name, at))
    assert len(first.name) == MAX_NAME_LENGTH
    assert first.name.endswith(".mp4")
    assert len(second.name) == MAX_NAME_LENGTH
    assert second.name.endswith("-1.mp4")
    for path in (first, second):
        assert archive.resolve(f"front/2024-03-10/{path.name}") == path.resolve()


def test_long_name_with_long_extension_is_cut(tmp_path: Path) -> None:
    """An extension too long to keep is cut with the rest."""
    assert safe_name("x." + "y" * 200) == ("x." + "y" * 200)[:MAX_NAME_LENGTH]
    assert safe_name("z" * 300) == "z" * MAX_NAME_LENGTH
    del tmp_path


@given(st.text())
def test_safe_name_is_one_stable_component(name: str) -> None:
    """Whatever comes in, the result is one harmless, idempotent path component."""
    cleaned = safe_name(name)
    assert cleaned
    assert safe_name(cleaned) == cleaned
    assert "/" not in cleaned
    assert "\\" not in cleaned
    assert not cleaned.startswith(".")
    assert len(cleaned) <= MAX_NAME_LENGTH


@pytest.mark.parametrize("camera", ["", "..", ".", "a/b", "../escape", ".hidden", "with space"])
def test_unsafe_camera_folder_is_refused(tmp_path: Path, camera: str) -> None:
    """The caller's camera folder name must already be safe."""
    archive = make_archive(tmp_path)
    with pytest.raises(ArchivePathError):
        archive.save(camera, frame(datetime(2024, 3, 10, tzinfo=UTC)))
    assert all_files(tmp_path) == []


def test_atomic_write_leaves_no_temp_files(tmp_path: Path) -> None:
    """Only the final names exist after saving."""
    archive = make_archive(tmp_path)
    start = datetime(2024, 3, 10, 12, 0, tzinfo=UTC)
    for index in range(20):
        archive.save("front", frame(start + timedelta(milliseconds=index)))
    archive.save("front", received_file("clip.mp4", start))
    names = [path.name for path in all_files(tmp_path)]
    assert len(names) == 21
    assert not [name for name in names if name.startswith(".") or name.endswith(".tmp")]


def test_failed_write_removes_its_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rename that fails (disk full, for instance) leaves neither file nor temp file."""

    def refuse(self: Path, target: Path) -> Path:
        del self, target
        raise OSError(28, "No space left on device")

    archive = make_archive(tmp_path)
    monkeypatch.setattr(Path, "replace", refuse)
    with pytest.raises(OSError, match="No space"):
        archive.save("front", frame(datetime(2024, 3, 10, tzinfo=UTC)))
    assert all_files(tmp_path) == []


@pytest.mark.parametrize(("retention_days", "max_bytes"), [(0, 1), (1, 0)])
def test_limits_are_checked(tmp_path: Path, retention_days: int, max_bytes: int) -> None:
    """Retention of at least a day and a size of at least a byte."""
    with pytest.raises(ValueError, match="at least"):
        FrameArchive(tmp_path, retention_days=retention_days, max_bytes=max_bytes, tz=UTC)


def test_retention_by_age_keeps_the_edge_day(tmp_path: Path) -> None:
    """With 3 days, today-3 stays and today-4 goes, as whole folders, per camera."""
    archive = make_archive(tmp_path, retention_days=3)
    for day in ("2024-05-10", "2024-05-07", "2024-05-06", "2024-04-01"):
        put(tmp_path, f"front/{day}/120000-000.jpg", 10)
        put(tmp_path, f"front/{day}/clip.mp4", 5)
    put(tmp_path, "garden/2024-05-06/120000-000.jpg", 10)
    put(tmp_path, "garden/not-a-day/keep.txt", 1)
    # 02:00 UTC on May 11th is still May 10th in New York.
    result = archive.prune(datetime(2024, 5, 11, 2, 0, tzinfo=UTC))
    assert sorted(path.name for path in (tmp_path / "front").iterdir()) == [
        "2024-05-07",
        "2024-05-10",
    ]
    assert not (tmp_path / "garden" / "2024-05-06").exists()
    assert (tmp_path / "garden" / "not-a-day" / "keep.txt").exists()
    assert (result.removed_files, result.removed_bytes, result.total_bytes) == (5, 40, 30)
    assert archive.total_bytes == 30


def test_empty_camera_folders_are_removed(tmp_path: Path) -> None:
    """A camera whose days all expired leaves no folder behind."""
    archive = make_archive(tmp_path, retention_days=1)
    put(tmp_path, "gone/2024-01-01/120000-000.jpg", 10)
    archive.prune(datetime(2024, 5, 10, 12, tzinfo=UTC))
    assert list(tmp_path.iterdir()) == []


def test_retention_by_size_at_the_limit_removes_nothing(tmp_path: Path) -> None:
    """A total of exactly max_bytes is within the limit."""
    archive = make_archive(tmp_path, max_bytes=100)
    for index in range(10):
        put(tmp_path, f"front/2024-05-10/12000{index}-000.jpg", 10, mtime=1_000_000 + index)
    result = archive.prune(datetime(2024, 5, 10, 18, tzinfo=UTC))
    assert (result.removed_files, result.total_bytes) == (0, 100)
    assert len(all_files(tmp_path)) == 10


def test_retention_by_size_removes_oldest_first(tmp_path: Path) -> None:
    """One byte over removes the oldest files, across cameras, down to the low-water mark."""
    archive = make_archive(tmp_path, max_bytes=100)
    now = datetime(2024, 5, 10, 18, tzinfo=UTC)
    # The oldest day goes first even if its files were touched later.
    put(tmp_path, "garden/2024-05-09/235959-000.jpg", 10, mtime=2_000_000)
    for index in range(9):
        put(tmp_path, f"front/2024-05-10/12000{index}-000.jpg", 10, mtime=1_000_000 + index)
    put(tmp_path, "front/2024-05-10/late.mp4", 1, mtime=1_000_100)
    result = archive.prune(now)
    low_water = int(100 * PRUNE_LOW_WATER)
    assert result.total_bytes <= low_water
    assert not (tmp_path / "garden").exists()
    left = sorted(path.name for path in all_files(tmp_path))
    assert left == [f"12000{index}-000.jpg" for index in range(1, 9)] + ["late.mp4"]
    assert (result.removed_files, result.removed_bytes, result.total_bytes) == (2, 20, 81)


def test_saves_keep_the_total_current(tmp_path: Path) -> None:
    """The total is unknown until a prune counts it, then every save adds to it."""
    archive = make_archive(tmp_path, max_bytes=len(JPEG) * 2)
    at = datetime(2024, 5, 10, 12, tzinfo=UTC)
    archive.save("front", frame(at))
    # Compared as tuples: the state changes behind mypy's narrowing of each attribute.
    assert (archive.total_bytes, archive.over_limit) == (None, True)
    archive.prune(at)
    assert (archive.total_bytes, archive.over_limit) == (len(JPEG), False)
    archive.save("front", frame(at + timedelta(seconds=1)))
    assert (archive.total_bytes, archive.over_limit) == (2 * len(JPEG), False)
    archive.save("front", frame(at + timedelta(seconds=2)))
    assert (archive.total_bytes, archive.over_limit) == (3 * len(JPEG), True)


def test_stale_temp_files_are_removed_and_not_counted(tmp_path: Path) -> None:
    """A crash's temp file goes once it is STALE_TEMP_AGE old; a fresh one is left alone."""
    archive = make_archive(tmp_path)
    now = datetime(2024, 5, 10, 18, tzinfo=UTC)
    old = (now - STALE_TEMP_AGE - timedelta(seconds=1)).timestamp()
    fresh = (now - STALE_TEMP_AGE + timedelta(seconds=1)).timestamp()
    put(tmp_path, "front/2024-05-10/.old.tmp", 50, mtime=old)
    put(tmp_path, "front/2024-05-10/.fresh.tmp", 50, mtime=fresh)
    put(tmp_path, "front/2024-05-10/120000-000.jpg", 7)
    (tmp_path / "front" / "2024-05-10" / "subdir").mkdir()
    result = archive.prune(now)
    names = sorted(path.name for path in all_files(tmp_path))
    assert names == [".fresh.tmp", "120000-000.jpg"]
    assert result.total_bytes == 7


def test_prune_of_a_missing_root_is_empty(tmp_path: Path) -> None:
    """No archive yet: nothing to do."""
    archive = make_archive(tmp_path / "missing")
    result = archive.prune(datetime(2024, 5, 10, tzinfo=UTC))
    assert (result.removed_files, result.total_bytes) == (0, 0)


def test_listings(tmp_path: Path) -> None:
    """Cameras sorted; days and items newest first, with path, time, size and type."""
    archive = make_archive(tmp_path, tz=ZoneInfo("UTC"))
    at = datetime(2024, 5, 10, 8, 30, 15, 250_000, tzinfo=UTC)
    archive.save("garden", frame(at))
    archive.save("front", frame(at))
    archive.save("front", frame(at + timedelta(minutes=1), b"\xff\xd8later"))
    archive.save("front", frame(at - timedelta(days=2)))
    put(tmp_path, "front/not-a-day/x.jpg", 1)
    put(tmp_path, "front/2024-13-01/x.jpg", 1)
    clip = put(tmp_path, "front/2024-05-10/clip.mp4", 3)
    os.utime(clip, (at.timestamp() + 30, at.timestamp() + 30))
    put(tmp_path, "front/2024-05-10/.partial.tmp", 1)
    put(tmp_path, ".hidden/2024-05-10/x.jpg", 1)
    put(tmp_path, "bad name/2024-05-10/x.jpg", 1)
    put(tmp_path, "stray-file.txt", 1)

    index = ArchiveIndex(tmp_path, tz=ZoneInfo("UTC"))
    assert index.cameras() == ["front", "garden"]
    assert index.days("front") == [date(2024, 5, 10), date(2024, 5, 8)]
    items = index.items("front", date(2024, 5, 10))
    assert [item.path for item in items] == [
        "front/2024-05-10/083115-250.jpg",
        "front/2024-05-10/clip.mp4",
        "front/2024-05-10/083015-250.jpg",
    ]
    newest = items[0]
    assert newest.name == "083115-250.jpg"
    assert newest.taken_at == datetime(2024, 5, 10, 8, 31, 15, 250_000, tzinfo=ZoneInfo("UTC"))
    assert (newest.size, newest.mime_type) == (len(b"\xff\xd8later"), "image/jpeg")
    assert items[1].mime_type == "video/mp4"
    assert items[1].taken_at.timestamp() == at.timestamp() + 30


def test_listings_of_missing_folders_are_empty(tmp_path: Path) -> None:
    """Nothing stored yet lists nothing."""
    index = ArchiveIndex(tmp_path / "missing", tz=UTC)
    assert index.cameras() == []
    assert index.days("front") == []
    assert index.items("front", date(2024, 5, 10)) == []
    with pytest.raises(ArchivePathError):
        index.days("../etc")


def test_frame_like_name_that_is_no_time_uses_mtime(tmp_path: Path) -> None:
    """A name shaped like a frame but not a clock time falls back to the file's time."""
    path = put(tmp_path, "front/2024-05-10/996199-000.jpg", 1, mtime=1_715_000_000)
    unknown = put(tmp_path, "front/2024-05-10/blob", 1)
    index = ArchiveIndex(tmp_path, tz=UTC)
    items = {item.name: item for item in index.items("front", date(2024, 5, 10))}
    assert items[path.name].taken_at == datetime.fromtimestamp(1_715_000_000, UTC)
    assert items[unknown.name].mime_type == "application/octet-stream"


def test_parse_day() -> None:
    """Only canonical YYYY-MM-DD names are days."""
    assert parse_day("2024-05-10") == date(2024, 5, 10)
    assert parse_day("2024-5-10") is None
    assert parse_day("2024-02-30") is None
    assert parse_day("today") is None


def test_resolve_finds_stored_files(tmp_path: Path) -> None:
    """A listed path resolves to its file."""
    archive = make_archive(tmp_path, tz=ZoneInfo("UTC"))
    path = archive.save("front", frame(datetime(2024, 5, 10, 8, tzinfo=UTC)))
    assert archive.resolve("front/2024-05-10/080000-000.jpg") == path.resolve()


@pytest.mark.parametrize(
    "relative",
    [
        "",
        "front",
        "front/2024-05-10",
        "front/2024-05-10/a/b.jpg",
        "/etc/passwd/x",
        "../secret/x.jpg",
        "front/../secret.jpg",
        "front/2024-05-10/../../../secret.jpg",
        "front/./2024-05-10",
        "front/2024-05-10/.hidden.jpg",
        "front\\2024-05-10\\x.jpg",
        "front/2024-05-10/x\0.jpg",
        "front//x.jpg",
    ],
)
def test_resolve_rejects_unsafe_paths(tmp_path: Path, relative: str) -> None:
    """Absolute, parent, hidden, odd-depth and odd-character paths never reach the disk."""
    put(tmp_path.parent, "secret.jpg", 1)
    put(tmp_path, "front/2024-05-10/.hidden.jpg", 1)
    index = ArchiveIndex(tmp_path, tz=UTC)
    with pytest.raises(ArchivePathError):
        index.resolve(relative)


def test_resolve_rejects_symlink_escapes(tmp_path: Path) -> None:
    """A symlink inside the archive pointing outside is refused, as file or as folder."""
    root = tmp_path / "archive"
    outside = put(tmp_path, "outside/2024-05-10/secret.jpg", 4)
    (root / "front" / "2024-05-10").mkdir(parents=True)
    (root / "front" / "2024-05-10" / "link.jpg").symlink_to(outside)
    (root / "linked").symlink_to(tmp_path / "outside")
    index = ArchiveIndex(root, tz=UTC)
    with pytest.raises(ArchivePathError, match="leaves the archive"):
        index.resolve("front/2024-05-10/link.jpg")
    with pytest.raises(ArchivePathError, match="leaves the archive"):
        index.resolve("linked/2024-05-10/secret.jpg")
    assert index.cameras() == ["front"]


def test_resolve_of_missing_or_folder_is_not_found(tmp_path: Path) -> None:
    """Only existing regular files resolve."""
    (tmp_path / "front" / "2024-05-10" / "folder.jpg").mkdir(parents=True)
    index = ArchiveIndex(tmp_path, tz=UTC)
    with pytest.raises(FileNotFoundError):
        index.resolve("front/2024-05-10/missing.jpg")
    with pytest.raises(FileNotFoundError):
        index.resolve("front/2024-05-10/folder.jpg")
