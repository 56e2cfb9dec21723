"""FTP server rules: logins, limits, data connections, names, sizes, renames, timeouts."""

import asyncio
import functools
import io
import socket
import time
from pathlib import Path

import pytest

from custom_components.camupload.receiver import Account
from tests.receiver.ftp_client import connect, in_thread, login, reply
from tests.receiver.loopback import CAMERA, OTHER, Running, start_receiver
from tests.receiver.sample_jpegs import make_jpeg


@pytest.fixture
async def slow_login(tmp_path: Path):  # type: ignore[no-untyped-def]  # noqa: ANN201
    """A receiver with a measurable login delay."""
    started = await start_receiver(tmp_path, http_port=None, login_delay=0.3)
    yield started
    await started.receiver.stop()


async def test_failed_logins_are_delayed_alike_and_close_after_three(slow_login: Running) -> None:
    """Unknown user and wrong password: same reply, same delay; third failure closes."""

    def attempt() -> tuple[list[str], float, str]:
        client = connect(slow_login.ftp_port)
        replies = []
        began = time.monotonic()
        for user, password in (("nobody", "x"), (CAMERA.username, "wrong")):
            client.sendcmd(f"USER {user}")
            replies.append(reply(functools.partial(client.sendcmd, f"PASS {password}")))
        elapsed = time.monotonic() - began
        client.sendcmd("USER nobody")
        third = reply(lambda: client.sendcmd("PASS again"))
        closed = reply(lambda: client.sendcmd("NOOP"))
        return replies, elapsed, third + " / " + closed

    replies, elapsed, last = await in_thread(attempt)
    assert replies == ["530 login incorrect"] * 2
    assert elapsed >= 0.6  # two failures, each delayed by login_delay
    assert last == "421 too many failed logins, closing / connection closed"
    assert [(u, s) for u, _, s in slow_login.collected.failures] == [
        ("nobody", "ftp"),
        ("cam28", "ftp"),
        ("nobody", "ftp"),
    ]
    # The next client is served.
    await in_thread(lambda: login(slow_login.ftp_port).quit())


async def test_commands_need_login(running: Running) -> None:
    """Before login only USER/PASS/FEAT/SYST/NOOP/QUIT make sense."""

    def session() -> list[str]:
        client = connect(running.ftp_port)
        commands = ("PASS x", "STOR a.jpg", "PASV", "SIZE a")
        out = [reply(functools.partial(client.sendcmd, command)) for command in commands]
        out.append(reply(lambda: client.sendcmd("SYST")))
        client.quit()
        return out

    out = await in_thread(session)
    assert out[0].startswith("503")
    assert all(line.startswith("530") for line in out[1:4])
    assert out[4].startswith("215")


async def test_connection_limits(tmp_path: Path) -> None:
    """Per-address and per-account limits answer 421; others are still served."""
    started = await start_receiver(
        tmp_path, http_port=None, max_connections_per_address=3, max_connections_per_account=2
    )
    try:

        def scenario() -> tuple[str, str, str]:
            first, second = login(started.ftp_port), login(started.ftp_port)
            third = connect(started.ftp_port)
            third.sendcmd(f"USER {CAMERA.username}")
            account_full = reply(lambda: third.sendcmd(f"PASS {CAMERA.password}"))
            other = login(started.ftp_port, OTHER)
            fourth = reply(lambda: connect(started.ftp_port).getwelcome())
            for client in (first, second, other):
                client.quit()
            return account_full, fourth, login(started.ftp_port).getwelcome()

        account_full, address_full, welcome = await in_thread(scenario)
    finally:
        await started.receiver.stop()
    assert account_full.startswith("421 too many connections for cam28")
    assert address_full.startswith("421 too many connections from your address")
    assert welcome.startswith("220")


async def test_data_connection_from_another_address_is_refused(running: Running) -> None:
    """Only the control connection's address may open the passive data connection."""

    def scenario() -> tuple[str, bytes]:
        client = login(running.ftp_port)
        response = client.sendcmd("EPSV")
        port = int(response.split("|")[-2])
        intruder = socket.create_connection(("127.0.0.1", port), source_address=("127.0.0.2", 0))
        intruder.settimeout(5)
        stolen = intruder.recv(10)
        intruder.close()
        client.sendcmd("NOOP")
        client.storbinary("STOR ok.jpg", io.BytesIO(make_jpeg(1)))
        client.quit()
        return response, stolen

    response, stolen = await in_thread(scenario)
    assert response.startswith("229")
    assert stolen == b""
    assert [f.file_name for f in running.collected.frames] == ["ok.jpg"]


async def test_active_mode_rules(running: Running) -> None:
    """PORT/EPRT only back to the client's address and never to a privileged port."""

    def scenario() -> list[str]:
        client = login(running.ftp_port)
        out = [
            reply(lambda: client.sendcmd("PORT 10,0,0,1,200,10")),
            reply(lambda: client.sendcmd("PORT 127,0,0,1,0,21")),
            reply(lambda: client.sendcmd("EPRT |1|192.168.1.1|5000|")),
            reply(lambda: client.sendcmd("PORT garbage")),
            reply(lambda: client.sendcmd("EPRT |3|x|1|")),
        ]
        client.set_pasv(False)  # ftplib's own PORT to itself works
        client.storbinary("STOR active.jpg", io.BytesIO(make_jpeg(2)))
        out.append(reply(lambda: client.sendcmd("EPRT |1|127.0.0.1|1023|")))
        client.quit()
        return out

    out = await in_thread(scenario)
    assert out[0] == "501 active mode connects only back to your own address"
    assert out[1] == "501 active mode port must be 1024-65535"
    assert out[2].startswith("501 active mode connects only back")
    assert out[3].startswith("501 PORT argument")
    assert out[4].startswith("501 EPRT argument")
    assert out[5].startswith("501 active mode port")
    assert [f.file_name for f in running.collected.frames] == ["active.jpg"]


async def test_bad_names_and_escapes_are_refused(running: Running) -> None:
    """CR/NUL in names, paths leaving the root, non-UTF-8: clear refusals."""

    def scenario() -> list[str]:
        client = login(running.ftp_port)
        sock = client.sock
        assert sock is not None
        out = []
        for raw in (b"STOR a\rb.jpg\r\n", b"STOR a\x00b.jpg\r\n", b"MKD \xff\xfe\r\n"):
            sock.sendall(raw)
            out.append(reply(client.getresp))
        out += [
            reply(lambda: client.sendcmd("CWD ../..")),
            reply(lambda: client.sendcmd("STOR ../../etc/passwd")),
            reply(lambda: client.sendcmd("LIST ../")),
            reply(lambda: client.sendcmd("XYZZY")),
        ]
        client.storbinary("STOR /dir/../fine.jpg", io.BytesIO(make_jpeg(3)))
        client.quit()
        return out

    out = await in_thread(scenario)
    assert out[0] == out[1] == "501 names with CR, LF or NUL are refused"
    assert out[2] == "501 command is not valid UTF-8"
    assert all("leaves your root directory, refused" in line for line in out[3:6])
    assert out[6].startswith("502")
    assert [f.file_name for f in running.collected.frames] == ["fine.jpg"]


async def test_size_limit_and_storage(tmp_path: Path) -> None:
    """Over max_upload_size: 552 with the limit; at the limit: accepted."""
    jpeg = make_jpeg(4)
    started = await start_receiver(tmp_path, http_port=None, max_upload_size=len(jpeg))
    try:

        def scenario() -> str:
            client = login(started.ftp_port)
            refused = reply(lambda: client.storbinary("STOR big.jpg", io.BytesIO(jpeg + b"x")))
            client.storbinary("STOR exact.jpg", io.BytesIO(jpeg))
            client.quit()
            return refused

        refused = await in_thread(scenario)
    finally:
        await started.receiver.stop()
    assert refused == f"552 file larger than {len(jpeg)} bytes, refused"
    assert [f.file_name for f in started.collected.frames] == ["exact.jpg"]


async def test_renames_publish_exactly_once(running: Running) -> None:
    """Temp-name upload + rename: one frame; rename over an existing file replaces it."""
    first, second = make_jpeg(5), make_jpeg(6)

    def scenario() -> list[str]:
        client = login(running.ftp_port)
        client.storbinary("STOR imagenew.jpg", io.BytesIO(first))
        client.rename("imagenew.jpg", "imageold.jpg")  # Panasonic overwrite mode
        client.storbinary("STOR imagenew.jpg", io.BytesIO(second))
        client.rename("imagenew.jpg", "imageold.jpg")
        client.storbinary("STOR .upload.tmp", io.BytesIO(second))
        client.rename(".upload.tmp", "final.jpg")
        out = [client.sendcmd("SIZE imageold.jpg"), *client.nlst()]
        out.append(reply(lambda: client.sendcmd("RNTO x")))
        out.append(reply(lambda: client.rename("missing.jpg", "x.jpg")))
        client.quit()
        return out

    out = await in_thread(scenario)
    assert out[0] == f"213 {len(second)}"
    assert sorted(out[1:3]) == ["final.jpg", "imageold.jpg"]
    assert out[3].startswith("503")
    assert out[4].startswith("550")
    names = [f.file_name for f in running.collected.frames]
    assert names == ["imagenew.jpg", "imagenew.jpg", "final.jpg"]


async def test_incomplete_and_aborted_uploads_are_not_published(running: Running) -> None:
    """A truncated JPEG gets 451; a transfer cut by ABOR or a dropped control link is lost."""
    jpeg = make_jpeg(7)

    def scenario() -> tuple[str, list[str]]:
        client = login(running.ftp_port)
        truncated = reply(lambda: client.storbinary("STOR cut.jpg", io.BytesIO(jpeg[:-100])))
        names = client.nlst()
        conn = client.transfercmd("STOR aborted.jpg")
        conn.sendall(jpeg[:200])
        client.abort()
        conn.close()
        dropped = login(running.ftp_port)
        data = dropped.transfercmd("STOR dropped.jpg")
        data.sendall(jpeg[:200])
        assert dropped.sock is not None
        dropped.sock.close()
        data.close()
        client.quit()
        return truncated, names

    truncated, names = await in_thread(scenario)
    assert truncated == "451 incomplete JPEG (no end of image), not published"
    assert names == []
    await asyncio.sleep(0.2)
    assert running.collected.items == []


async def test_command_set(running: Running) -> None:  # noqa: PLR0915 - one session, every command
    """The commands cameras send all get sensible replies."""
    jpeg = make_jpeg(8)

    def scenario() -> dict[str, str]:
        client = login(running.ftp_port)
        out = {}
        for command in (
            "TYPE I", "TYPE A", "TYPE E", "MODE S", "MODE B", "STRU F", "STRU R", "ALLO 100",
            "NOOP", "OPTS UTF8 ON", "OPTS FOO", "SYST", "SITE CHMOD 644 x", "PWD", "FEAT",
            "EPSV ALL", "EPSV 3",
        ):  # fmt: skip
            out[command] = reply(functools.partial(client.sendcmd, command))
        out["MKD"] = client.mkd("pics/2024")
        client.cwd("pics")
        out["CWD-PWD"] = client.pwd()
        client.storbinary("APPE part.jpg", io.BytesIO(jpeg[:300]))
        out["APPE1"] = str(len(running.collected.frames))
        client.storbinary("APPE part.jpg", io.BytesIO(jpeg[300:]))
        out["SIZE"] = client.sendcmd("SIZE part.jpg")
        out["MDTM"] = client.sendcmd("MDTM part.jpg")
        out["SIZE-dir"] = reply(lambda: client.sendcmd("SIZE 2024"))
        lines: list[str] = []
        client.retrlines("LIST -la", lines.append)
        out["LIST"] = "\n".join(lines)
        mlsd = list(client.mlsd())
        out["MLSD"] = repr(sorted((name, facts["type"]) for name, facts in mlsd))
        out["MLST"] = client.sendcmd("MLST part.jpg")
        client.sendcmd("CDUP")
        out["PWD2"] = client.pwd()
        out["RMD-full"] = reply(lambda: client.rmd("pics"))
        client.delete("pics/part.jpg")
        client.rmd("pics/2024")
        out["RMD"] = client.rmd("pics")
        out["DELE-missing"] = reply(lambda: client.delete("nothing.jpg"))
        out["MKD-exists"] = reply(lambda: client.mkd("/"))
        out["STOR-nodir"] = reply(lambda: client.sendcmd("STOR nodir/x.jpg"))
        out["STOR-noname"] = reply(lambda: client.sendcmd("STOR"))
        out["RETR"] = reply(lambda: client.sendcmd("RETR part.jpg"))
        out["QUIT"] = client.quit()
        return out

    out = await in_thread(scenario)
    assert out["TYPE I"].startswith("200")
    assert out["TYPE A"].startswith("200")
    assert out["TYPE E"].startswith("504")
    assert out["MODE S"].startswith("200")
    assert out["MODE B"].startswith("504")
    assert out["STRU F"].startswith("200")
    assert out["STRU R"].startswith("504")
    # Dahua cameras disconnect on anything but 200 (202 was the answer before).
    assert out["ALLO 100"] == "200 ALLO ok, no storage allocation necessary"
    assert out["NOOP"].startswith("200")
    assert out["OPTS UTF8 ON"].startswith("200")
    assert out["OPTS FOO"].startswith("501")
    assert out["SYST"].startswith("215")
    assert out["SITE CHMOD 644 x"] == "200 SITE command accepted, no effect"
    assert out["PWD"] == '257 "/"'
    assert "SIZE" in out["FEAT"]
    assert "EPSV" in out["FEAT"]
    assert out["EPSV ALL"].startswith("200")
    assert out["EPSV 3"].startswith("522")
    assert out["MKD"] == "/pics/2024"
    assert out["CWD-PWD"] == "/pics"
    assert out["APPE1"] == "0"
    assert out["SIZE"] == f"213 {len(jpeg)}"
    assert out["MDTM"].startswith("213 20")
    assert out["SIZE-dir"].startswith("550")
    directory_line, file_line = out["LIST"].splitlines()
    assert directory_line.startswith("drwxr-xr-x")
    assert directory_line.endswith(" 2024")
    assert file_line.startswith("-rw-r--r--")
    assert file_line.endswith(" part.jpg")
    assert file_line.split()[4] == str(len(jpeg))
    assert out["MLSD"] == "[('2024', 'dir'), ('part.jpg', 'file')]"
    assert "Type=file" in out["MLST"]
    assert f"Size={len(jpeg)}" in out["MLST"]
    assert out["PWD2"] == "/"
    assert out["RMD-full"].startswith("550")
    assert "not empty" in out["RMD-full"]
    assert out["RMD"].startswith("250")
    assert out["DELE-missing"].startswith("550")
    assert out["MKD-exists"].startswith("550")
    assert out["STOR-nodir"].startswith("550 directory /nodir does not exist")
    assert out["STOR-noname"].startswith("501")
    assert out["RETR"].startswith("502")
    assert out["QUIT"].startswith("221")
    assert [f.file_name for f in running.collected.frames] == ["part.jpg"]


async def test_idle_and_stalled_clients_are_closed_moving_uploads_are_not(tmp_path: Path) -> None:
    """Idle control: 421; stalled data: 426; a slow upload that keeps moving completes."""
    jpeg = make_jpeg(9)
    started = await start_receiver(tmp_path, http_port=None, idle_timeout=0.5, stall_timeout=0.4)
    try:

        def scenario() -> tuple[str, str, str]:
            slow = login(started.ftp_port)
            data = slow.transfercmd("STOR slow.jpg")
            for start in range(0, len(jpeg), 100):  # longer than both timeouts, never still
                data.sendall(jpeg[start : start + 100])
                time.sleep(0.05)
            data.close()
            moving = slow.voidresp()
            stalled = login(started.ftp_port)
            data = stalled.transfercmd("STOR stall.jpg")
            data.sendall(jpeg[:100])
            stall_reply = reply(stalled.getresp)
            data.close()
            idle = login(started.ftp_port)
            idle_reply = reply(idle.getresp)
            return moving, stall_reply, idle_reply

        moving, stall_reply, idle_reply = await in_thread(scenario)
    finally:
        await started.receiver.stop()
    assert moving.startswith("226")
    assert stall_reply == "426 data connection stalled, transfer aborted"
    assert idle_reply == "421 idle timeout, closing control connection"
    assert [f.file_name for f in started.collected.frames] == ["slow.jpg"]


async def test_accounts_can_change_while_running(running: Running) -> None:
    """set_accounts adds and removes cameras without a restart."""
    new = Account("cam30", "fresh-pass", "porch")
    running.receiver.set_accounts([new])

    def scenario() -> str:
        login(running.ftp_port, new).quit()
        return reply(lambda: login(running.ftp_port, CAMERA).quit())

    assert (await in_thread(scenario)).startswith("530")
    stats = running.receiver.stats("cam30")
    assert stats.active_connections == 0
