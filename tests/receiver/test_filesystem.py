"""The bounded in-memory account file system, its aioftp adapter, and the account book."""

from pathlib import PurePosixPath as P

import pytest

from custom_components.camupload.receiver import Account, AccountBook, AccountError, FailureLimiter
from custom_components.camupload.receiver.ftp.filesystem import (
    MAX_DEPTH,
    MAX_PATH_LENGTH,
    AccountFileSystem,
    DirEntry,
    FileEntry,
    FileSystemError,
    StorageFullError,
    is_temporary_name,
)
from custom_components.camupload.receiver.ftp.listing import format_list_line
from custom_components.camupload.receiver.model import DEFAULT_MAX_ACCOUNT_ENTRIES


def test_eviction_keeps_unpublished_files() -> None:
    """Old published data goes first; unpublished files are never evicted."""
    fs = AccountFileSystem(max_bytes=100, max_entries=10)
    old = fs.store(P("/old.mp4"), b"a" * 60)
    fs.mark_published(old, keep_content=True)
    assert fs.held_bytes == fs.kept_bytes == 60
    fs.store(P("/new.jpg"), b"b" * 60)
    assert old.data is None
    assert fs.held_bytes == 60
    with pytest.raises(StorageFullError, match="account storage full"):
        fs.store(P("/more.jpg"), b"c" * 60)
    with pytest.raises(StorageFullError, match="larger than the account storage"):
        fs.store(P("/huge.jpg"), b"d" * 101)
    with pytest.raises(FileSystemError, match="no longer held"):
        fs.store(P("/old.mp4"), b"x", append=True)


def test_entry_limit_removes_oldest_published() -> None:
    """Past max_entries the oldest published file disappears."""
    fs = AccountFileSystem(max_bytes=1000, max_entries=2)
    for name in ("a", "b", "c"):
        fs.mark_published(fs.store(P(f"/{name}"), b"1"), keep_content=False)
    assert [name for name, _ in fs.children(P("/"))] == ["b", "c"]


def test_directories_and_renames() -> None:
    """Mkdir -p, rmdir rules, moving directories and replacing files."""
    fs = AccountFileSystem()
    fs.mkdir(P("/a/b/c"))
    with pytest.raises(FileSystemError, match="already exists"):
        fs.mkdir(P("/a/b"))
    fs.store(P("/a/b/c/f.jpg"), b"data")
    with pytest.raises(FileSystemError, match="is a file"):
        fs.mkdir(P("/a/b/c/f.jpg/x"))
    with pytest.raises(FileSystemError, match="into itself"):
        fs.rename(P("/a"), P("/a/b/z"))
    fs.rename(P("/a/b"), P("/moved"))
    assert isinstance(fs.lookup(P("/moved/c/f.jpg")), FileEntry)
    fs.store(P("/target.jpg"), b"old")
    fs.rename(P("/moved/c/f.jpg"), P("/target.jpg"))
    entry = fs.lookup(P("/target.jpg"))
    assert isinstance(entry, FileEntry)
    assert entry.data == b"data"
    with pytest.raises(FileSystemError, match="is a directory"):
        fs.rename(P("/target.jpg"), P("/moved"))
    with pytest.raises(FileSystemError, match="is a directory"):
        fs.store(P("/moved"), b"x")
    with pytest.raises(FileSystemError, match="does not exist"):
        fs.rename(P("/nothing"), P("/x"))
    with pytest.raises(FileSystemError, match="not empty"):
        fs.rmdir(P("/moved"))
    with pytest.raises(FileSystemError, match="root"):
        fs.store(P("/"), b"")
    with pytest.raises(FileSystemError, match="too long"):
        fs.store(P("/" + "n" * 300), b"")
    assert fs.rename(P("/target.jpg"), P("/target.jpg")) is entry
    assert isinstance(fs.lookup(P("/")), DirEntry)
    assert fs.children(P("/target.jpg")) == [("target.jpg", entry)]


def test_temporary_names_and_list_lines() -> None:
    """Temporary names are recognised; old entries show a year in LIST."""
    assert is_temporary_name("x.jpg.tmp")
    assert is_temporary_name(".hidden")
    assert not is_temporary_name("x.jpg")
    entry = FileEntry(b"x", 1, 0.0)
    assert format_list_line("x.jpg", entry, now=1e9).endswith("Jan  1  1970 x.jpg")


def test_account_book_validation_and_constant_time_check() -> None:
    """Bad accounts are refused; authenticate returns the account only on a match."""
    book = AccountBook([Account("cam", "pw", "id")])
    assert book.authenticate("cam", "pw") == Account("cam", "pw", "id")
    assert book.authenticate("cam", "nope") is None
    assert book.authenticate("ghost", "pw") is None
    assert "cam" in book
    assert len(book) == 1
    assert book.usernames == frozenset({"cam"})
    for bad in (
        [Account("", "pw", "x")],
        [Account(" cam", "pw", "x")],
        [Account("a/b", "pw", "x")],
        [Account("cam", "", "x")],
        [Account("cam", "p\nw", "x")],
        [Account("cam", "pw", "x"), Account("cam", "pw2", "y")],
    ):
        with pytest.raises(AccountError):
            book.replace(bad)
    assert book.get("cam") is not None  # a refused replacement leaves the book as it was


def test_failure_limiter_window() -> None:
    """An address is blocked after max failures inside the window, free after it."""
    now = [0.0]
    limiter = FailureLimiter(max_failures=2, window=10, clock=lambda: now[0])
    limiter.record_failure("1.2.3.4", "cam")
    assert not limiter.is_blocked("1.2.3.4")
    limiter.record_failure("1.2.3.4", "cam")
    assert limiter.is_blocked("1.2.3.4")
    now[0] = 11
    assert not limiter.is_blocked("1.2.3.4")
    limiter.record_failure("1.2.3.4", "cam")
    limiter.record_success("1.2.3.4", "cam")
    assert not limiter.is_blocked("1.2.3.4")


def test_a_dated_folder_per_upload_for_100000_uploads() -> None:
    """A Hikvision-style camera: a new folder per upload never fills the account."""
    files = AccountFileSystem()
    jpeg = b"\xff\xd8" + b"x" * 1000 + b"\xff\xd9"
    for upload in range(100_000):
        day, minute = divmod(upload, 24 * 60)
        folder = P(f"/2026-{day // 28 + 1:03d}-{day % 28 + 1:02d}/001/jpg/{minute // 60:02d}")
        folder /= f"{minute % 60:02d}"
        files.mkdir(folder)
        files.mark_published(files.store(folder / "snap.jpg", jpeg), keep_content=False)
        assert files.entries <= files.max_entries
    assert files.held_bytes == 0
    entry = files.lookup(folder / "snap.jpg")
    assert isinstance(entry, FileEntry)
    assert entry.size == len(jpeg)


def test_eviction_order_and_what_is_never_evicted() -> None:
    """Oldest stubs and empty folders go first; unpublished files and the folder in use stay."""
    files = AccountFileSystem(max_entries=4)
    files.mkdir(P("/empty"))
    waiting = files.store(P("/upload.tmp"), b"w")
    files.mkdir(P("/day"))
    files.mark_published(files.store(P("/day/a.jpg"), b"a"), keep_content=False)
    # Full: the empty folder goes, the oldest evictable entry.
    files.mark_published(files.store(P("/day/b.jpg"), b"b"), keep_content=False)
    assert files.lookup(P("/empty")) is None
    # Then the oldest stub; the folder holding b.jpg stays.
    files.mkdir(P("/next"))
    assert [name for name, _ in files.children(P("/day"))] == ["b.jpg"]
    # The folder a file goes into is kept even when it is the oldest empty one.
    files.unlink(P("/day/b.jpg"))
    files.mkdir(P("/other"))
    files.store(P("/day/c.jpg"), b"c")
    assert isinstance(files.lookup(P("/day/c.jpg")), FileEntry)
    assert files.lookup(P("/next")) is None
    # Nothing left to evict: unpublished files are refused room, not dropped.
    files.mkdir(P("/more"))
    with pytest.raises(StorageFullError, match="account storage full"):
        files.store(P("/more/x.tmp"), b"x")
    assert files.lookup(P("/upload.tmp")) is waiting
    assert waiting.data == b"w"
    assert files.entries == files.max_entries


def test_published_content_kept_for_append_is_bounded() -> None:
    """Published non-JPEG content is kept up to max_kept_bytes, the newest first."""
    files = AccountFileSystem(max_bytes=1000, max_kept_bytes=100)
    first = files.store(P("/one.mp4"), b"1" * 60)
    files.mark_published(first, keep_content=True)
    second = files.store(P("/two.mp4"), b"2" * 60)
    files.mark_published(second, keep_content=True)
    assert (first.data, second.data) == (None, b"2" * 60)
    assert files.kept_bytes == files.held_bytes == 60
    huge = files.store(P("/huge.mp4"), b"3" * 101)
    files.mark_published(huge, keep_content=True)
    assert huge.data is None
    assert files.store(P("/two.mp4"), b"+", append=True).data == b"2" * 60 + b"+"
    assert files.kept_bytes == 0
    assert files.held_bytes == 61


def test_the_default_cap_is_honoured_and_keeps_the_newest_names() -> None:
    """At the default cap a camera's dated folders go oldest first; its latest upload stays."""
    files = AccountFileSystem()
    jpeg = b"\xff\xd8" + b"x" * 100 + b"\xff\xd9"
    for upload in range(3 * DEFAULT_MAX_ACCOUNT_ENTRIES):
        folder = P(f"/2026-12-02/001/jpg/{upload // 60:02d}/{upload % 60:02d}")
        files.mkdir(folder)
        files.store(folder / "snap.jpg.tmp", jpeg)
        renamed = files.rename(folder / "snap.jpg.tmp", folder / "snap.jpg")
        assert isinstance(renamed, FileEntry)
        files.mark_published(renamed, keep_content=False)
        assert files.entries <= DEFAULT_MAX_ACCOUNT_ENTRIES
    assert files.entries == DEFAULT_MAX_ACCOUNT_ENTRIES
    assert files.lookup(folder / "snap.jpg") is renamed
    assert files.lookup(P("/2026-12-02/001/jpg/00/00")) is None


def test_a_listing_holds_only_the_directorys_own_names() -> None:
    """Names sharing a prefix stay apart; a moved directory takes what it holds along."""
    files = AccountFileSystem()
    for folder in ("/a/b", "/ab", "/c"):
        files.mkdir(P(folder))
    for path in ("/a/x.jpg", "/ab/y.jpg", "/a/b/z.jpg", "/top.jpg"):
        files.store(P(path), b"data")

    def names(path: str) -> list[str]:
        return [name for name, _ in files.children(P(path))]

    assert names("/") == ["a", "ab", "c", "top.jpg"]
    assert names("/a") == ["b", "x.jpg"]
    assert names("/ab") == ["y.jpg"]
    assert names("/c") == []
    held = files.entries
    files.rename(P("/a"), P("/c/a"))
    assert names("/") == ["ab", "c", "top.jpg"]
    assert names("/c/a") == ["b", "x.jpg"]
    assert names("/c/a/b") == ["z.jpg"]
    assert files.entries == held
    with pytest.raises(FileSystemError, match="not empty"):
        files.rmdir(P("/c"))
    files.unlink(P("/c/a/b/z.jpg"))
    files.rmdir(P("/c/a/b"))
    assert names("/c/a") == ["x.jpg"]


def test_path_length_and_depth_limits_at_the_edge() -> None:
    """A path of MAX_PATH_LENGTH characters and MAX_DEPTH levels is taken; one more is not.

    A directory whose contents would move past the limits stays where it is.
    """
    files = AccountFileSystem()
    folder = P("/" + "/".join(["d" * 200] * 5))
    files.mkdir(folder)
    room = MAX_PATH_LENGTH - len(str(folder)) - 1
    files.store(folder / ("f" * room), b"data")
    with pytest.raises(FileSystemError, match="too long or too deep"):
        files.store(folder / ("g" * (room + 1)), b"data")
    files.mkdir(P("/x"))
    with pytest.raises(FileSystemError, match="too long or too deep"):
        files.rename(P("/" + "d" * 200), P("/x/" + "d" * 200))
    assert isinstance(files.lookup(folder / ("f" * room)), FileEntry)
    deepest = P("/" + "/".join("abcdefghijklmnop"[:MAX_DEPTH]))
    files.mkdir(deepest)
    with pytest.raises(FileSystemError, match="too long or too deep"):
        files.mkdir(deepest / "q")
