"""FTP uploads from real clients: ftplib, aioftp, curl, lftp, busybox ftpput."""

import asyncio
import ftplib
import io
import socket
from pathlib import Path

import aioftp

from tests.receiver.loopback import CAMERA, Running
from tests.receiver.sample_jpegs import make_jpeg, sample_frames


async def run(*command: str) -> tuple[int, str]:
    """Run a client, return (exit code, stderr)."""
    process = await asyncio.create_subprocess_exec(
        *command,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, err.decode(errors="replace")


def ftp_login(running: Running) -> ftplib.FTP:
    """An ftplib session logged in as the test camera."""
    client = ftplib.FTP()
    client.connect("127.0.0.1", running.ftp_port, timeout=10)
    client.login(CAMERA.username, CAMERA.password)
    return client


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    """Put a file on disk for a command-line client."""
    path = tmp_path / name
    path.write_bytes(data)
    return path


async def test_ftplib_session_reuses_the_connection(running: Running) -> None:
    """Several STORs on one connection, passive and EPSV, each publish a frame."""
    frames = list(sample_frames())

    def session() -> None:
        client = ftp_login(running)
        for index, frame in enumerate(frames):
            client.af = socket.AF_INET6 if index % 2 else socket.AF_INET  # EPSV on odd ones
            client.storbinary(f"STOR SensrCam{index:04d}.jpg", io.BytesIO(frame))
        client.quit()

    await asyncio.to_thread(session)
    got = running.collected.frames
    assert [f.data for f in got] == frames
    assert [f.file_name for f in got] == [f"SensrCam{i:04d}.jpg" for i in range(len(frames))]
    assert {f.source for f in got} == {"ftp"}


async def test_aioftp_client(running: Running) -> None:
    """The aioftp client uploads into the root and into a made directory."""
    jpeg = make_jpeg(20)
    async with aioftp.Client.context(
        "127.0.0.1", running.ftp_port, CAMERA.username, CAMERA.password
    ) as client:
        async with client.upload_stream("first.jpg") as stream:
            await stream.write(jpeg)
        await client.make_directory("sub/dir")
        async with client.upload_stream("sub/dir/second.jpg") as stream:
            await stream.write(jpeg)
        names = [str(path) for path, _ in await client.list("sub/dir")]
    assert names == ["sub/dir/second.jpg"]
    assert [f.file_name for f in running.collected.frames] == ["first.jpg", "second.jpg"]


async def test_curl_into_root_new_directory_and_active_mode(running: Running) -> None:
    """Curl: root upload, --ftp-create-dirs, and active mode with --ftp-port."""
    jpeg = make_jpeg(21)
    path = write(running.tmp_path, "snap.jpg", jpeg)
    base = f"ftp://{CAMERA.username}:{CAMERA.password}@127.0.0.1:{running.ftp_port}"
    assert await run("curl", "-sS", "-T", str(path), f"{base}/") == (0, "")
    code, err = await run("curl", "-sS", "--ftp-create-dirs", "-T", str(path), f"{base}/a/b/")
    assert code == 0, err
    code, err = await run(
        "curl", "-sS", "--ftp-port", "127.0.0.1", "-T", str(path), f"{base}/act.jpg"
    )
    assert code == 0, err
    assert [f.file_name for f in running.collected.frames] == ["snap.jpg", "snap.jpg", "act.jpg"]


async def test_curl_many_files_on_one_connection(running: Running) -> None:
    """One curl -T "{a,b,c}" sends all files over one login."""
    paths = [write(running.tmp_path, f"f{i}.jpg", make_jpeg(30 + i)) for i in range(4)]
    names = ",".join(str(p) for p in paths)
    url = f"ftp://{CAMERA.username}:{CAMERA.password}@127.0.0.1:{running.ftp_port}/"
    assert await run("curl", "-sS", "-T", f"{{{names}}}", url) == (0, "")
    assert len(running.collected.frames) == 4


async def test_lftp_put_and_rename(running: Running) -> None:
    """The lftp client uploads under a temporary name and renames: exactly one frame."""
    jpeg = make_jpeg(22)
    path = write(running.tmp_path, "cam.jpg", jpeg)
    script = (
        "set ftp:ssl-allow no; set net:max-retries 1; "
        f"put {path} -o image.jpg.tmp; mv image.jpg.tmp image.jpg; ls; bye"
    )
    code, err = await run(
        "lftp", "-u", f"{CAMERA.username},{CAMERA.password}",
        "-p", str(running.ftp_port), "-e", script, "127.0.0.1",
    )  # fmt: skip
    assert code == 0, err
    [frame] = running.collected.frames
    assert (frame.file_name, frame.data) == ("image.jpg", jpeg)


async def test_busybox_ftpput(running: Running) -> None:
    """The busybox ftpput applet (as on ESP-class and embedded cameras)."""
    jpeg = make_jpeg(23)
    path = write(running.tmp_path, "bb.jpg", jpeg)
    code, err = await run(
        "busybox", "ftpput", "-u", CAMERA.username, "-p", CAMERA.password,
        "-P", str(running.ftp_port), "127.0.0.1", "remote.jpg", str(path),
    )  # fmt: skip
    assert code == 0, err
    assert [(f.file_name, f.data) for f in running.collected.frames] == [("remote.jpg", jpeg)]


async def test_non_jpeg_upload_is_a_file(running: Running) -> None:
    """A clip is delivered as a ReceivedFile, apart from frames."""

    def upload() -> None:
        client = ftp_login(running)
        client.storbinary("STOR clip.mp4", io.BytesIO(b"\x00\x00\x00\x18ftypmp42 clip"))
        client.quit()

    await asyncio.to_thread(upload)
    assert running.collected.frames == []
    [received] = running.collected.files
    assert (received.file_name, received.data[4:8]) == ("clip.mp4", b"ftyp")
