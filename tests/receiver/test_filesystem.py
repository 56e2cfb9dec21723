"""The bounded in-memory account file system, its aioftp adapter, and the account book."""

from pathlib import PurePosixPath as P

import pytest

from custom_components.camupload.receiver import Account, AccountBook, AccountError, FailureLimiter
from custom_components.camupload.receiver.ftp.filesystem import (
    AccountFileSystem,
    DirEntry,
    FileEntry,
    FileSystemError,
    StorageFullError,
    is_temporary_name,
)
from custom_components.camupload.receiver.ftp.listing import format_list_line


def test_eviction_keeps_unpublished_files() -> None:
    """Old published data goes first; unpublished files are never evicted."""
    fs = AccountFileSystem(max_bytes=100, max_entries=10)
    old = fs.store(P("/old.jpg"), b"a" * 60)
    old.published = True
    fs.store(P("/new.jpg"), b"b" * 60)
    assert old.data is None
    assert fs.held_bytes == 60
    with pytest.raises(StorageFullError, match="account storage full"):
        fs.store(P("/more.jpg"), b"c" * 60)
    with pytest.raises(StorageFullError, match="larger than the account storage"):
        fs.store(P("/huge.jpg"), b"d" * 101)
    with pytest.raises(FileSystemError, match="no longer held"):
        fs.store(P("/old.jpg"), b"x", append=True)


def test_entry_limit_removes_oldest_published() -> None:
    """Past max_entries the oldest published file disappears."""
    fs = AccountFileSystem(max_bytes=1000, max_entries=2)
    for name in ("a", "b", "c"):
        fs.store(P(f"/{name}"), b"1").published = True
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
    limiter.record_failure("1.2.3.4")
    assert not limiter.is_blocked("1.2.3.4")
    limiter.record_failure("1.2.3.4")
    assert limiter.is_blocked("1.2.3.4")
    now[0] = 11
    assert not limiter.is_blocked("1.2.3.4")
    limiter.record_failure("1.2.3.4")
    limiter.record_success("1.2.3.4")
    assert not limiter.is_blocked("1.2.3.4")
