"""What the receiver's FTP server refuses, command by command, as ftplib on loopback sees it.

Every command that names a path needs a login and stays inside the account's root; listings of
missing directories, uploads onto directories and active data connections nobody answers are
refused with the reason, and the session goes on.
"""

import ftplib
import functools
import io
import socket

from tests.receiver.ftp_client import connect, in_thread, login, reply
from tests.receiver.loopback import Running
from tests.receiver.sample_jpegs import make_jpeg

# Each command that takes a path, with an argument leaving the root.
ESCAPES = (
    "MKD ../x",
    "RMD ../x",
    "DELE ../x.jpg",
    "SIZE ../x.jpg",
    "MDTM ../x.jpg",
    "LIST ../",
    "NLST ../",
    "MLSD ../",
    "RNTO ../x.jpg",
)


def _replies(client: ftplib.FTP, commands: tuple[str, ...]) -> list[str]:
    return [reply(functools.partial(client.sendcmd, command)) for command in commands]


async def test_path_commands_need_a_login(running: Running) -> None:
    """Before PASS, every command about a file or directory is answered 530."""
    commands = tuple(command.replace("../", "") for command in ESCAPES)
    out = await in_thread(lambda: _replies(connect(running.ftp_port), commands))
    assert out == ["530 not logged in"] * len(commands)


async def test_no_path_command_leaves_the_root(running: Running) -> None:
    """Logged in, no command reaches above the account's root; the session goes on."""

    def scenario() -> tuple[list[str], str, str]:
        client = login(running.ftp_port)
        out = []
        for command in ESCAPES:
            if command.startswith("RNTO"):
                client.storbinary("STOR mine.jpg", io.BytesIO(make_jpeg(1)))
                client.sendcmd("RNFR mine.jpg")
            out.append(reply(functools.partial(client.sendcmd, command)))
        size = client.sendcmd("SIZE mine.jpg")  # the refused rename left it where it was
        return out, size, client.quit()

    out, size, goodbye = await in_thread(scenario)
    for command, answer in zip(ESCAPES, out, strict=True):
        assert answer.startswith("550 '../"), command
        assert answer.endswith("leaves your root directory, refused"), command
    assert size == f"213 {len(make_jpeg(1))}"
    assert goodbye.startswith("221")


async def test_missing_directories_and_directories_as_files(running: Running) -> None:
    """Listing a missing directory, storing onto a directory, renaming without RNFR: refused."""

    def scenario() -> dict[str, str]:
        client = login(running.ftp_port)
        client.mkd("clips")
        store = functools.partial(client.storbinary, "STOR clips", io.BytesIO(make_jpeg(2)))
        out = {
            "LIST": reply(lambda: client.retrlines("LIST nowhere", print)),
            "MLSD": reply(lambda: client.retrlines("MLSD nowhere", print)),
            "STOR": reply(store),
            "RNTO": reply(lambda: client.sendcmd("RNTO b.jpg")),
        }
        client.quit()
        return out

    out = await in_thread(scenario)
    assert out["LIST"].startswith("550")
    assert "nowhere" in out["LIST"]
    assert out["MLSD"] == out["LIST"]
    assert out["STOR"] == "550 /clips is a directory"
    assert out["RNTO"] == "503 send RNFR first"
    assert running.collected.items == []


def _closed_port() -> tuple[str, int]:
    """A port on the client's address where nothing listens (a firewall drops the server)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return "127.0.0.1", sock.getsockname()[1]


async def test_active_data_connection_nobody_answers(running: Running) -> None:
    """PORT to a port nothing listens on: 150 then 425 for uploads and listings; passive works."""

    def scenario() -> dict[str, str]:
        client = login(running.ftp_port)
        out = {}
        for name, command in (("STOR", "STOR active.jpg"), ("LIST", "LIST")):
            host, port = _closed_port()
            client.sendport(host, port)
            out[name + "-start"] = client.sendcmd(command)
            out[name] = reply(client.getresp)
        client.set_pasv(True)
        out["passive"] = client.storbinary("STOR passive.jpg", io.BytesIO(make_jpeg(3)))
        client.quit()
        return out

    out = await in_thread(scenario)
    assert out["STOR-start"].startswith("150")
    assert out["STOR"] == "425 cannot open data connection"
    assert out["LIST-start"].startswith("150")
    assert out["LIST"] == "425 cannot open data connection"
    assert out["passive"].startswith("226")
    assert [frame.file_name for frame in running.collected.frames] == ["passive.jpg"]
