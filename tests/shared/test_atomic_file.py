"""write_atomically on real files: whole or old after a failure, and synced file then folder."""

import asyncio
import errno
import os
import stat
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from custom_components.camupload.receiver.model import ReceivedFrame
from custom_components.camupload.receiver_ha.archive import FrameArchive
from custom_components.camupload.receiver_ha.last_frame_store import LastFrameStore
from custom_components.camupload.shared.atomic_file import (
    is_temporary,
    make_folders,
    write_atomically,
)
from custom_components.camupload.shared.frame import Frame
from custom_components.camupload.uploader.model import OutgoingFile, RemoteFile
from custom_components.camupload.uploader.spool import SpoolQueue

REPO = Path(__file__).resolve().parents[2]
OLD = b"old content\n"
AT = datetime(2024, 5, 10, 12, tzinfo=UTC)

# A fresh interpreter that may write at most argv[3] bytes to any file (RLIMIT_FSIZE), so a
# write really fails part way; it prints the errno. An empty parent package stands in for
# the integration's, which would import Home Assistant.
CUT_SHORT = """
import resource, signal, sys, types
from pathlib import Path
parent = types.ModuleType("custom_components.camupload")
parent.__path__ = [sys.argv[1] + "/custom_components/camupload"]
sys.modules["custom_components.camupload"] = parent
from custom_components.camupload.shared.atomic_file import write_atomically
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[3]), resource.RLIM_INFINITY))
try:
    write_atomically(Path(sys.argv[2]), b"new" * 100_000)
except OSError as err:
    print(err.errno)
"""


def entries(folder: Path) -> list[str]:
    """Every name in a folder, hidden ones included."""
    return sorted(path.name for path in folder.iterdir())


def test_write_replaces_and_leaves_only_the_file(tmp_path: Path) -> None:
    """A new file, then a replacement: the last data, and no temporary file beside it."""
    target = tmp_path / "state.json"
    write_atomically(target, OLD)
    write_atomically(target, b"new")
    assert target.read_bytes() == b"new"
    assert entries(tmp_path) == ["state.json"]


def test_a_write_cut_short_keeps_the_old_file(tmp_path: Path) -> None:
    """Out of space part way (here: over the file size limit), the old file stays whole."""
    target = tmp_path / "entry.spool"
    target.write_bytes(OLD)
    result = subprocess.run(
        [sys.executable, "-c", CUT_SHORT, str(REPO), str(target), "4096"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == str(errno.EFBIG)
    assert target.read_bytes() == OLD
    assert entries(tmp_path) == ["entry.spool"]


def test_a_failed_rename_removes_the_temporary_file(tmp_path: Path) -> None:
    """A target that cannot be replaced (a folder with a file in it) is left as it was."""
    target = tmp_path / "taken"
    target.mkdir()
    (target / "inside").write_bytes(OLD)
    with pytest.raises(OSError, match="directory"):
        write_atomically(target, b"new")
    assert entries(tmp_path) == ["taken"]
    assert (target / "inside").read_bytes() == OLD


def test_temporary_names_are_hidden_and_recognised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A temporary file is hidden, sits beside its target, and is_temporary knows its name."""
    seen: list[str] = []
    real_replace = os.replace

    def spy(source: str, target: str) -> None:
        seen.append(Path(source).name)
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", spy)
    write_atomically(tmp_path / "120000-000.jpg", b"jpeg")
    assert len(seen) == 1
    assert seen[0].startswith(".120000-000.jpg.")
    assert is_temporary(seen[0])
    assert not is_temporary("120000-000.jpg")


type Write = Callable[[Path], None]


def _archive_save(folder: Path) -> None:
    frame = ReceivedFrame(data=b"jpeg", username="u", camera_id="c", received_at=AT, source="ftp")
    FrameArchive(folder, retention_days=7, max_bytes=10**6, tz=ZoneInfo("UTC")).save("c", frame)


def _last_frame_save(folder: Path) -> None:
    LastFrameStore(folder).save("c", Frame(data=b"jpeg", received_at=AT))


def _spool_put(folder: Path) -> None:
    asyncio.run(SpoolQueue(folder).put(OutgoingFile(remote=RemoteFile(name="a.jpg"), data=b"a")))


@pytest.mark.parametrize("write", [_archive_save, _last_frame_save, _spool_put])
def test_every_writer_syncs_the_file_then_renames_then_syncs_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, write: Write
) -> None:
    """The archive, the last-frame store and the spool all follow the one durability rule.

    A power cut cannot be staged here, so the system calls are watched (and still made).
    """
    calls: list[tuple[str, bool]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(descriptor: int) -> None:
        calls.append(("fsync", stat.S_ISDIR(os.fstat(descriptor).st_mode)))
        real_fsync(descriptor)

    def replace(source: str, target: str) -> None:
        calls.append(("replace", False))
        real_replace(source, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    write(tmp_path)
    assert calls
    # Folders the writer created first (the archive's camera and day): each parent synced.
    created = [path for path in tmp_path.rglob("*") if path.is_dir()]
    assert calls[: len(created)] == [("fsync", True)] * len(created)
    del calls[: len(created)]
    # Each file written: its data synced, renamed into place, its folder synced.
    assert len(calls) % 3 == 0
    for index in range(0, len(calls), 3):
        assert calls[index : index + 3] == [("fsync", False), ("replace", False), ("fsync", True)]
    assert not [path for path in tmp_path.rglob("*") if is_temporary(path.name)]


def test_made_folders_are_synced_in_their_parents(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each level created is fsynced in its parent, top down; an existing folder costs none."""
    synced: list[Path] = []
    real_fsync = os.fsync

    def fsync(descriptor: int) -> None:
        synced.append(Path(f"/proc/self/fd/{descriptor}").readlink())
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", fsync)
    folder = tmp_path / "cam" / "2026-12-02"
    make_folders(folder)
    assert folder.is_dir()
    assert synced == [tmp_path, tmp_path / "cam"]
    make_folders(folder)
    make_folders(tmp_path)
    assert synced == [tmp_path, tmp_path / "cam"]
