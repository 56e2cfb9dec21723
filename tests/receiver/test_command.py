"""python -m custom_components.camupload.receiver, run as a real subprocess, and its parts."""

import asyncio
import ftplib
import io
import os
import signal
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custom_components.camupload.receiver import (
    Account,
    AccountError,
    ReceivedFile,
    ReceivedFrame,
)
from custom_components.camupload.receiver.__main__ import run
from custom_components.camupload.receiver.command import (
    FramePrinter,
    config_from,
    load_accounts,
    parse,
    saved_name,
)
from custom_components.camupload.receiver.model import SAFE_NAME_MAX_LENGTH, safe_name
from tests.ports import free_port
from tests.receiver.processes import MODULE, REPO, read_until
from tests.receiver.sample_jpegs import make_jpeg

STAMP = "20240506T070809.123456Z"


async def test_command_receives_saves_and_stops_on_sigterm(tmp_path: Path) -> None:
    """FTP and HTTP frames become stdout lines and files under --out; SIGTERM stops cleanly."""
    ftp_port, http_port = free_port(), free_port()
    accounts = tmp_path / "accounts.yaml"
    accounts.write_text("cam29:\n  password: yaml-pass\n  camera_id: garden\n")
    out = tmp_path / "out"
    passive = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", MODULE, "--camera", "cam28:cli-pass", "--accounts", str(accounts),
        "--ftp-port", str(ftp_port), "--http-port", str(http_port), "--out", str(out),
        "--passive-ports", f"{passive}-{passive}",
        cwd=REPO, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    assert process.stderr is not None
    try:
        await read_until(process.stderr, "http listening")
        jpeg = make_jpeg(40)

        def ftp_upload() -> None:
            client = ftplib.FTP()
            client.connect("127.0.0.1", ftp_port, timeout=10)
            client.login("cam29", "yaml-pass")
            client.storbinary("STOR snap.jpg", io.BytesIO(jpeg))
            client.storbinary("STOR clip.mp4", io.BytesIO(b"not a jpeg"))
            client.quit()

        await asyncio.to_thread(ftp_upload)
        curl = await asyncio.create_subprocess_exec(
            "curl", "-sS", "-T", "-", "-H", "Content-Type: image/jpeg",
            f"http://cam28:cli-pass@127.0.0.1:{http_port}/photo/cam28",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        await curl.communicate(jpeg)
        lines = [*await read_until(process.stdout, " ftp cam29 frame ")]
        lines += await read_until(process.stdout, " http cam28 frame ")
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = await process.communicate()
    assert process.returncode == 0
    assert err.decode().strip().endswith("stopped")
    text = "\n".join(lines)
    assert f" ftp cam29 frame {len(jpeg)} snap.jpg " in text
    assert " ftp cam29 file 10 clip.mp4 " in text
    saved = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert len([p for p in saved if p.endswith(".jpg")]) == 2
    (clip,) = (out / "cam29" / "files").iterdir()
    assert clip.name.endswith("Z-clip.mp4")
    assert clip.read_bytes() == b"not a jpeg"
    assert f" ftp cam29 file 10 clip.mp4 {clip}" in text


def test_help_and_usage_errors() -> None:
    """--help documents the options; missing cameras and bad values exit 2."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    shown = subprocess.run(
        [sys.executable, "-m", MODULE, "--help"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    for option in (
        "--camera",
        "--accounts",
        "--ftp-port",
        "--passive-ports",
        "--public-address",
        "--max-size",
        "--out",
    ):
        assert option in shown.stdout
    missing = subprocess.run(
        [sys.executable, "-m", MODULE], capture_output=True, text=True, env=env, check=False
    )
    assert missing.returncode == 2
    assert "--camera" in missing.stderr


def test_parse_options(tmp_path: Path) -> None:
    """Ports of 0 turn a protocol off; ranges and cameras are validated."""
    options, accounts = parse(
        ["--camera", "a:b:c", "--ftp-port", "0", "--passive-ports", "3000-3002"]
    )
    config = config_from(options)
    assert accounts == [Account("a", "b:c", "a")]
    assert config.ftp_port is None
    assert config.http_port == 8089
    assert config.passive_ports == range(3000, 3003)
    missing = str(tmp_path / "none.yaml")
    for bad in (["--camera", "nopassword"], ["--camera", "a:b", "--passive-ports", "9-1"],
                ["--camera", "a:b", "--passive-ports", "x"], ["--accounts", missing]):  # fmt: skip
        with pytest.raises(SystemExit):
            parse(bad)


def test_load_accounts(tmp_path: Path) -> None:
    """Plain and detailed entries; a file that is not a mapping is refused."""
    path = tmp_path / "a.yaml"
    path.write_text("cam1: pass1\ncam2: {password: p2, camera_id: porch}\ncam3: 1234\n")
    assert load_accounts(path) == [
        Account("cam1", "pass1", "cam1"),
        Account("cam2", "p2", "porch"),
        Account("cam3", "1234", "cam3"),
    ]
    path.write_text("- just a list\n")
    with pytest.raises(AccountError, match="mapping"):
        load_accounts(path)
    path.write_text("cam1: {camera_id: x}\n")
    with pytest.raises(AccountError, match="no password"):
        load_accounts(path)


@pytest.mark.parametrize(
    ("received", "stored"),
    [
        ("clip.mp4", "clip.mp4"),
        ("../../etc\\passwd", "passwd"),
        ("x\\..", "file"),
        ("..", "file"),
        (".", "file"),
        ("", "file"),
        ("a\x1bb\x07.txt", "a_b_.txt"),
        ("n" * 300 + ".log", "n" * (100 - len(STAMP) - 5) + ".log"),
    ],
)
def test_saved_names_cannot_escape(received: str, stored: str) -> None:
    """Frames get a time-stamped name; files the time and one safe name, inside DIR/user/files."""
    at = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
    frame = ReceivedFrame(
        data=b"x", username="cam", camera_id="cam", received_at=at, source="ftp", file_name="a.jpg"
    )
    assert str(saved_name(frame)) == f"cam/{STAMP}.jpg"
    assert str(saved_name(frame, 2)) == f"cam/{STAMP}-2.jpg"
    upload = ReceivedFile(b"x", "cam", "cam", at, "ftp", received)
    assert str(saved_name(upload)) == f"cam/files/{STAMP}-{stored}"
    assert (
        str(saved_name(ReceivedFile(b"x", "..", "cam", at, "ftp", "a")))
        == f"camera/files/{STAMP}-a"
    )


async def test_frame_printer_writes_off_the_loop(tmp_path: Path) -> None:
    """One line per item; files written through a thread."""
    stream = io.StringIO()
    printer = FramePrinter(tmp_path, stream)
    at = datetime(2024, 5, 6, tzinfo=UTC)
    printer(
        ReceivedFrame(
            data=b"\xff\xd8data", username="cam", camera_id="cam", received_at=at, source="mjpeg"
        )
    )
    await printer.drain()
    line = stream.getvalue()
    assert line.startswith("2024-05-06T00:00:00+00:00 mjpeg cam frame 6 - ")
    assert (tmp_path / "cam" / "20240506T000000.000000Z.jpg").read_bytes() == b"\xff\xd8data"


async def test_run_in_process_until_sigint(capsys: pytest.CaptureFixture[str]) -> None:
    """run() serves, then stops on SIGINT and removes its signal handlers."""
    port = free_port()
    task = asyncio.create_task(
        run(["--camera", "cam:pw", "--ftp-port", str(port), "--http-port", "0"])
    )
    async with asyncio.timeout(10):
        while True:
            if "ftp listening" in capsys.readouterr().err:
                break
            await asyncio.sleep(0.05)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    assert (await reader.readline()).startswith(b"220")
    writer.close()
    await writer.wait_closed()
    os.kill(os.getpid(), signal.SIGINT)
    assert await task == 0


async def test_run_reports_a_busy_port() -> None:
    """A port already in use is an error, exit status 1."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert await run(["--camera", "cam:pw", "--ftp-port", "0", "--http-port", str(port)]) == 1


async def test_command_keeps_every_file_whatever_its_name(tmp_path: Path) -> None:
    """Hostile or clashing FTP names: every file is saved inside DIR/user/files, none lost."""
    ftp_port = free_port()
    out = tmp_path / "out"
    names = ["x\\..", "y\\..", "a\\..\\..\\evil.txt", "a\x1bb.txt", "n" * 250 + ".log", "\\",
             "clip.mp4", "clip.mp4"]  # fmt: skip
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", MODULE, "--camera", "cam:pw", "--ftp-port", str(ftp_port),
        "--http-port", "0", "--out", str(out),
        cwd=REPO, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    assert process.stderr is not None
    try:
        await read_until(process.stderr, "ftp listening")

        def ftp_upload() -> list[str]:
            client = ftplib.FTP()
            client.connect("127.0.0.1", ftp_port, timeout=10)
            client.login("cam", "pw")
            replies = [
                client.storbinary(f"STOR {name}", io.BytesIO(f"file {number}".encode()))
                for number, name in enumerate(names)
            ]
            client.quit()
            return replies

        replies = await asyncio.to_thread(ftp_upload)
        lines = await read_until(process.stdout, " file 6 clip.mp4 ")
        lines += await read_until(process.stdout, " file 6 clip.mp4 ")
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = await process.communicate()
    assert replies == ["226 file received"] * len(names)
    assert process.returncode == 0
    assert err.decode().splitlines()[-1] == "stopped"
    assert "Error" not in err.decode()
    assert "error" not in err.decode()
    saved = [path for path in out.rglob("*") if path.is_file()]
    assert all(path.parent == out / "cam" / "files" for path in saved)
    assert sorted(path.read_text() for path in saved) == [f"file {n}" for n in range(len(names))]
    assert all(len(path.name) <= 100 for path in saved)
    # One line per file, control characters escaped, naming where the file went.
    assert len(lines) == len(names)
    assert " file 6 a\\x1bb.txt " in "\n".join(lines)
    assert sorted(line.split()[-1] for line in lines) == sorted(str(path) for path in saved)


def files_under(root: Path) -> dict[str, bytes]:
    """Every file under root by its relative path, with its content."""
    return {path.relative_to(root).as_posix(): path.read_bytes()
            for path in root.rglob("*") if path.is_file()}  # fmt: skip


async def test_frame_printer_never_overwrites(tmp_path: Path) -> None:
    """Items of one camera in the same microsecond get names of their own; a failed save is told."""
    stream, errors = io.StringIO(), io.StringIO()
    printer = FramePrinter(tmp_path, stream, errors)
    at = datetime(2024, 5, 6, tzinfo=UTC)
    for data in (b"one", b"two"):
        printer(ReceivedFile(data, "cam", "cam", at, "ftp", "x\\.."))
        jpeg = b"\xff\xd8" + data
        printer(
            ReceivedFrame(
                data=jpeg, username="cam", camera_id="cam", received_at=at, source="mjpeg"
            )
        )
    # A name already taken on disk (a folder here) is reported, not overwritten.
    (tmp_path / "cam" / "files" / "20240507T000000.000000Z-taken").mkdir(parents=True)
    printer(ReceivedFile(b"x", "cam", "cam", datetime(2024, 5, 7, tzinfo=UTC), "ftp", "taken"))
    await printer.drain()
    assert files_under(tmp_path) == {
        "cam/files/20240506T000000.000000Z-file": b"one",
        "cam/20240506T000000.000000Z-1.jpg": b"\xff\xd8one",
        "cam/files/20240506T000000.000000Z-2-file": b"two",
        "cam/20240506T000000.000000Z-3.jpg": b"\xff\xd8two",
    }
    assert errors.getvalue().startswith("error: could not save ")


@given(st.text(alphabet="ab._-/\\\x00é ", min_size=90, max_size=130))
def test_safe_name_is_stable_at_the_length_limit(name: str) -> None:
    """Around the cut, the result is one plain component that safe_name leaves as it is."""
    cleaned = safe_name(name)
    assert safe_name(cleaned) == cleaned
    assert 0 < len(cleaned) <= SAFE_NAME_MAX_LENGTH
    assert not cleaned.startswith((".", "_"))
    assert not cleaned.endswith((".", "_"))
    assert "/" not in cleaned
    assert "\\" not in cleaned
