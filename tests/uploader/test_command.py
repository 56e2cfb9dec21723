"""The command line, run as a real subprocess against real servers."""

import subprocess
import sys
from pathlib import Path

import pytest

from custom_components.camupload.uploader.__main__ import main, parse_url
from custom_components.camupload.uploader.model import Protocol
from tests.uploader.servers import REPO, FtpServer

MODULE = "custom_components.camupload.uploader"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the command as a subprocess from the repository root."""
    return subprocess.run(
        [sys.executable, "-m", MODULE, *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def url(server: FtpServer, scheme: str = "ftp") -> str:
    """The server's FTP URL with credentials."""
    return f"{scheme}://{server.username}:{server.password}@127.0.0.1:{server.port}/"


@pytest.fixture
def images(tmp_path: Path) -> list[Path]:
    """Two small JPEG-like files on disk."""
    paths = []
    for index in range(2):
        path = tmp_path / f"img{index}.jpg"
        path.write_bytes(b"\xff\xd8" + bytes([index]) * 500 + b"\xff\xd9")
        paths.append(path)
    return paths


def test_upload_with_templates(vsftpd_server: FtpServer, images: list[Path]) -> None:
    """Active, streaming, templates, temporary name and event directory end up on vsftpd."""
    done = run(
        "--url", url(vsftpd_server), "--active", "--streaming",
        "--directory", "incoming/$(TEXT.FTPDIR)", "--file-name", "$(id.nam)-$(FPR.FRM).jpg",
        "--camera-name", "Gate", "--temporary-name", "--delete-before-rename",
        "--event-directory", "--event", "12",
        *map(str, images),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 2
    assert all(line.startswith("OK ") for line in lines)
    landed = sorted((vsftpd_server.files / "incoming" / "Gate").rglob("*.jpg"))
    assert [path.name for path in landed] == ["Gate-1.jpg", "Gate-2.jpg"]
    assert landed[0].parent.name == "E000012"
    assert landed[1].read_bytes() == images[1].read_bytes()


def test_network_test_output(proftpd_server: FtpServer) -> None:
    """--test prints one line per step and exits 1 when the login fails."""
    done = run("--url", url(proftpd_server), "--test", "--directory", "t")
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(done.stdout.splitlines()) == 7
    bad = run("--url", url(proftpd_server).replace(proftpd_server.password, "bad"), "--test")
    assert bad.returncode == 1
    assert bad.stdout.splitlines()[-1].startswith("FAIL log in")


def test_spool_then_deliver_on_next_run(
    pure_ftpd_server: FtpServer, images: list[Path], tmp_path: Path
) -> None:
    """A run against a stopped server spools; the next run delivers the spool first."""
    spool = tmp_path / "spool"
    pure_ftpd_server.stop()
    failed = run("--url", url(pure_ftpd_server), "--spool", str(spool), *map(str, images))
    assert failed.returncode == 1
    assert [line.split()[0] for line in failed.stdout.splitlines()] == ["SPOOLED", "SPOOLED"]
    assert len(list(spool.glob("*.spool"))) == 2
    pure_ftpd_server.start()
    delivered = run("--url", url(pure_ftpd_server), "--spool", str(spool), str(images[0]))
    assert delivered.returncode == 0, delivered.stdout
    assert len(delivered.stdout.splitlines()) == 3
    assert "(from spool)" in delivered.stdout.splitlines()[0]
    assert not list(spool.glob("*.spool"))
    assert (pure_ftpd_server.files / "img1.jpg").read_bytes() == images[1].read_bytes()


def test_failure_without_spool(images: list[Path]) -> None:
    """Without a spool an unreachable server is a FAILED line and exit 1."""
    done = run("--url", "ftp://u:p@127.0.0.1:1/", str(images[0]))
    assert done.returncode == 1
    assert done.stdout.startswith("FAILED")


async def test_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    """Bad URLs and unknown variables exit 2 and name the problem."""
    assert await main(["--url", "gopher://h/", "x"]) == 2
    assert await main(["--url", "ftp:///", "x"]) == 2
    assert await main(["--url", "ftp://h/", "--file-name", "$(NO.SUCH)", "x"]) == 2
    assert "NO.SUCH" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        await main(["--url", "ftp://h/"])


def test_parse_url() -> None:
    """URLs give the protocol, decoded password, Sensr path and default port."""
    http = parse_url("http://cam28:p%40ss@example.org:8123/photo/cam28")
    assert http.protocol is Protocol.HTTP
    assert http.password == "p@ss"
    assert http.effective_http_path == "/photo/cam28"
    ftps = parse_url("ftps://u:p@h/", active=True)
    assert ftps.effective_port == 21
    assert not ftps.passive
