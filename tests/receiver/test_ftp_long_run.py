"""Cameras that run for months: dated directories, memory of published frames, passive ports."""

import ftplib
import functools
import io
from pathlib import Path

from custom_components.camupload.receiver.ftp.filesystem import AccountFileSystem
from custom_components.camupload.receiver.ftp.server import CameraFtpServer
from tests.ports import free_port_range
from tests.receiver.ftp_client import in_thread, login, reply
from tests.receiver.loopback import CAMERA, Running, run_ftp_scenario, start_receiver
from tests.receiver.sample_jpegs import make_jpeg

JPEG = make_jpeg(11)


def account_files(started: Running) -> AccountFileSystem:
    """The in-memory file system of the test camera's account."""
    ftp = started.receiver._ftp  # what the server holds is the point
    assert isinstance(ftp, CameraFtpServer)
    return ftp.filesystem(CAMERA.username)


def enter(client: ftplib.FTP, folder: str) -> None:
    """Go into a dated folder the way Hikvision and Dahua do: CWD, or MKD then CWD, per level."""
    client.cwd("/")
    for part in folder.split("/"):
        try:
            client.cwd(part)
        except ftplib.error_perm:
            client.mkd(part)
            client.cwd(part)


def dated_folder(upload: int) -> str:
    """A new minute folder per upload, a new day every 24 hours of them."""
    day, minute = divmod(upload, 24 * 60)
    return f"2026-12-{day + 1:02d}/001/jpg/{minute // 60:02d}/{minute % 60:02d}"


async def test_dated_directory_per_upload_keeps_working(tmp_path: Path) -> None:
    """Ten times more dated folders than the account holds names: every upload still works."""
    uploads = 150

    def scenario(port: int) -> list[str]:
        client = login(port)
        out: list[str] = []
        for upload in range(uploads):
            enter(client, dated_folder(upload))
            out.append(client.sendcmd("ALLO 4096"))
            out.append(client.storbinary("STOR snap.jpg", io.BytesIO(JPEG)))
            out.append(client.sendcmd("SIZE snap.jpg"))
            listing: list[str] = []
            client.retrlines("LIST", listing.append)
            out.append(listing[0].split()[-1])
        client.cwd("/")
        out.append(client.storbinary("STOR root.jpg", io.BytesIO(JPEG)))
        # Reolink's test: a folder of its own, a file in it, then both removed.
        client.mkd("camera_test1764680000")
        client.cwd("camera_test1764680000")
        out.append(client.storbinary("STOR test.jpg", io.BytesIO(JPEG)))
        client.delete("test.jpg")
        client.cwd("/")
        out.append(client.rmd("camera_test1764680000"))
        client.quit()
        return out

    started = await start_receiver(tmp_path, http_port=None, max_account_entries=15)
    try:
        out = await in_thread(lambda: scenario(started.ftp_port))
        files = account_files(started)
    finally:
        await started.receiver.stop()
    per_upload = ["200 ALLO ok, no storage allocation necessary", "226 frame received",
                  f"213 {len(JPEG)}", "snap.jpg"]  # fmt: skip
    assert out[:-3] == per_upload * uploads
    removed = "250 /camera_test1764680000 removed"
    assert out[-3:] == ["226 frame received", "226 frame received", removed]
    assert len(started.collected.frames) == uploads + 2
    assert files.entries <= files.max_entries
    assert files.held_bytes == 0


async def test_a_session_directory_evicted_meanwhile_is_made_again(tmp_path: Path) -> None:
    """A camera's empty current directory, evicted by another camera's uploads, comes back."""

    def scenario(port: int) -> list[str]:
        waiting, busy = login(port), login(port)
        waiting.mkd("porch")
        waiting.cwd("porch")
        for upload in range(20):
            enter(busy, dated_folder(upload))
            busy.storbinary("STOR snap.jpg", io.BytesIO(JPEG))
        out = [waiting.pwd(), waiting.storbinary("STOR late.jpg", io.BytesIO(JPEG))]
        out.append(waiting.sendcmd("SIZE /porch/late.jpg"))
        waiting.quit()
        busy.quit()
        return out

    out, started = await run_ftp_scenario(tmp_path, scenario, max_account_entries=10)
    assert out == ["/porch", "226 frame received", f"213 {len(JPEG)}"]
    assert len(started.collected.frames) == 21


async def test_published_frames_leave_only_a_stub(tmp_path: Path) -> None:
    """Frames keep no bytes once published; SIZE, MDTM and LIST still answer for them.

    Unpublished uploads keep theirs until published: a temporary name until its rename, a
    cut JPEG until APPE completes it; a published non-JPEG keeps its bytes for APPE.
    """
    frames = [make_jpeg(seed) for seed in range(20)]
    clip = b"clip-start," * 100

    def scenario(port: int) -> tuple[list[str], list[int], list[str]]:
        client = login(port)
        for number, frame in enumerate(frames):
            client.storbinary(f"STOR frame{number}.jpg", io.BytesIO(frame))
        client.storbinary("STOR next.jpg.tmp", io.BytesIO(frames[0]))
        client.storbinary("APPE cut.jpg", io.BytesIO(frames[1][:100]))
        client.storbinary("STOR clip.mp4", io.BytesIO(clip))
        held = [account_files(started).held_bytes]
        client.rename("next.jpg.tmp", "next.jpg")
        client.storbinary("APPE cut.jpg", io.BytesIO(frames[1][100:]))
        held.append(account_files(started).held_bytes)
        out = [client.storbinary("APPE clip.mp4", io.BytesIO(b"clip-end"))]
        out += [client.sendcmd("SIZE frame3.jpg"), client.sendcmd("MDTM frame3.jpg")]
        listing: list[str] = []
        client.retrlines("LIST", listing.append)
        client.quit()
        return out, held, listing

    started = await start_receiver(tmp_path, http_port=None)
    try:
        out, held, listing = await in_thread(lambda: scenario(started.ftp_port))
        files = account_files(started)
    finally:
        await started.receiver.stop()
    # Before: the temporary name, the cut JPEG and the clip; after: the clip only.
    assert held == [len(frames[0]) + 100 + len(clip), len(clip)]
    assert out[0] == "226 file received"
    assert out[1] == f"213 {len(frames[3])}"
    assert out[2].startswith("213 20")
    sizes = {line.split()[-1]: int(line.split()[4]) for line in listing}
    assert sizes["frame19.jpg"] == len(frames[19])
    assert sizes["next.jpg"] == len(frames[0])
    assert sizes["clip.mp4"] == len(clip) + len(b"clip-end")
    assert len(started.collected.frames) == len(frames) + 2
    assert [f.data for f in started.collected.files] == [clip, clip + b"clip-end"]
    assert files.held_bytes == files.kept_bytes == len(clip) + len(b"clip-end")


async def test_connected_cameras_share_a_small_passive_range(tmp_path: Path) -> None:
    """Forty cameras that stay connected, five passive ports: each transfer gets one in turn."""
    sessions, ports = 40, 5
    first = free_port_range(ports)

    def scenario(port: int) -> list[str]:
        clients = [login(port) for _ in range(sessions)]
        out: list[str] = []
        for round_number in range(2):
            for number, client in enumerate(clients):
                command = f"STOR cam{number}-{round_number}.jpg"
                out.append(reply(functools.partial(client.storbinary, command, io.BytesIO(JPEG))))
        listing: list[str] = []
        out.append(clients[0].retrlines("NLST", listing.append))
        for client in clients:
            client.quit()
        return [*out, str(len(listing))]

    out, started = await run_ftp_scenario(
        tmp_path,
        scenario,
        passive_ports=range(first, first + ports),
        max_connections_per_address=sessions + 1,
        max_connections_per_account=sessions + 1,
    )
    assert out == ["226 frame received"] * (2 * sessions) + ["226 listing sent", str(2 * sessions)]
    assert len(started.collected.frames) == 2 * sessions


async def test_a_passive_port_nobody_connects_to_is_freed(tmp_path: Path) -> None:
    """PASV holds its port only until the data connection timeout, or until PORT replaces it.

    The range has one port: a second camera's PASV waits in line until the first camera's
    unused port expires, then gets it.
    """
    only_port = free_port_range(1)

    def scenario(port: int) -> list[str]:
        idle, other = login(port), login(port)
        out = [idle.sendcmd("PASV")[:3], other.sendcmd("PASV")[:3]]
        out.append(other.storbinary("STOR late.jpg", io.BytesIO(JPEG)))
        out.append(reply(lambda: idle.sendcmd("STOR never.jpg")))
        out.append(idle.sendcmd("PASV")[:3])
        out.append(idle.sendcmd("PORT 127,0,0,1,200,10"))
        out.append(other.sendcmd("PASV")[:3])
        idle.quit()
        other.quit()
        return out

    out, _ = await run_ftp_scenario(
        tmp_path,
        scenario,
        passive_ports=range(only_port, only_port + 1),
        data_connect_timeout=0.3,
        passive_port_wait=5.0,
    )
    assert out == [
        "227",
        "227",
        "226 frame received",
        "425 use PASV, EPSV, PORT or EPRT first",
        "227",
        "200 active mode accepted",
        "227",
    ]
