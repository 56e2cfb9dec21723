"""Cameras that all ask for a passive port at once wait in line for one, in turn, up to a bound."""

import asyncio
import ftplib
import functools
import io
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from custom_components.camupload.receiver.ftp.passive_ports import NoFreePortError, PassivePortRange
from tests.ports import free_port_pair, free_port_range
from tests.receiver.ftp_client import in_thread, login, reply
from tests.receiver.loopback import CAMERA, OTHER, run_ftp_scenario, start_receiver
from tests.receiver.sample_jpegs import make_jpeg

JPEG = make_jpeg(12)
# Time for the server to read lines a client sent before another client acts.
SETTLE = 0.3


def one_port() -> range:
    """A passive range of one port that is free now."""
    first = free_port_range(1)
    return range(first, first + 1)


def lines(client: ftplib.FTP, count: int) -> list[str]:
    """Read count reply lines; 'connection closed' once the server has closed."""
    out: list[str] = []
    for _ in range(count):
        try:
            out.append(client.getline() or "connection closed")
        except (OSError, EOFError):
            out.append("connection closed")
    return out


async def test_forty_cameras_at_once_share_four_ports(tmp_path: Path) -> None:
    """Forty sessions send PASV and STOR at the same moment on four ports: every upload works."""
    sessions, ports = 40, 4
    first = free_port_range(ports)
    barrier = threading.Barrier(sessions, timeout=30)

    def camera(port: int, number: int) -> str:
        client = login(port)
        barrier.wait()
        answer = reply(lambda: client.storbinary(f"STOR cam{number}.jpg", io.BytesIO(JPEG)))
        client.quit()
        return answer

    def scenario(port: int) -> list[str]:
        with ThreadPoolExecutor(sessions) as pool:
            return list(pool.map(functools.partial(camera, port), range(sessions)))

    out, started = await run_ftp_scenario(
        tmp_path,
        scenario,
        passive_ports=range(first, first + ports),
        max_connections_per_address=sessions + 1,
        max_connections_per_account=sessions + 1,
    )
    assert out == ["226 frame received"] * sessions
    assert sorted(f.file_name or "" for f in started.collected.frames) == sorted(
        f"cam{number}.jpg" for number in range(sessions)
    )


async def test_a_wait_past_the_bound_gets_425(tmp_path: Path) -> None:
    """No port comes back within the passive port wait: 425; the waiter's place is gone."""

    def scenario(port: int) -> list[str]:
        holder, waiter = login(port), login(port)
        out = [holder.sendcmd("PASV")[:3], reply(lambda: waiter.sendcmd("PASV"))]
        # The port still belongs to holder, and goes to the next PASV once holder is done.
        out.append(holder.storbinary("STOR held.jpg", io.BytesIO(JPEG)))
        out.append(waiter.storbinary("STOR next.jpg", io.BytesIO(JPEG)))
        holder.quit()
        waiter.quit()
        return out

    out, _ = await run_ftp_scenario(
        tmp_path, scenario, passive_ports=one_port(), passive_port_wait=0.3
    )
    assert out == [
        "227",
        "425 no free passive port, try again",
        "226 frame received",
        "226 frame received",
    ]


async def test_commands_after_a_waiting_pasv_keep_their_order(tmp_path: Path) -> None:
    """A NOOP sent behind a PASV that waits for a port is answered after that PASV."""

    def scenario(port: int) -> list[str]:
        holder, waiter = login(port), login(port)
        holder.sendcmd("PASV")
        waiter.sock.sendall(b"PASV\r\nNOOP\r\n")  # type: ignore[union-attr]
        time.sleep(SETTLE)  # both lines are read while the PASV waits
        holder.sendcmd("PORT 127,0,0,1,200,10")  # gives the port back
        out = [line[:3] for line in lines(waiter, 2)]
        out.append(waiter.storbinary("STOR after.jpg", io.BytesIO(JPEG)))
        holder.quit()
        waiter.quit()
        return out

    out, _ = await run_ftp_scenario(tmp_path, scenario, passive_ports=one_port())
    assert out == ["227", "200", "226 frame received"]


async def test_abor_quit_and_a_lost_client_end_a_wait(tmp_path: Path) -> None:
    """ABOR and QUIT end a waiting PASV/EPSV at once; a client gone while waiting leaves the line.

    The wait bound is far above the client's timeout: only ending the wait answers in time.
    """

    def scenario(port: int) -> list[str]:
        holder = login(port)
        holder.sendcmd("EPSV")
        aborting, quitting, lost = login(port), login(port), login(port)
        aborting.sock.sendall(b"EPSV\r\nABOR\r\n")  # type: ignore[union-attr]
        quitting.sock.sendall(b"PASV\r\nQUIT\r\n")  # type: ignore[union-attr]
        lost.sock.sendall(b"PASV\r\n")  # type: ignore[union-attr]
        out = lines(aborting, 2) + lines(quitting, 3)
        out.append(aborting.sendcmd("NOOP"))
        lost.close()
        time.sleep(SETTLE)  # the server sees the lost client go
        holder.sendcmd("PORT 127,0,0,1,200,10")  # the port is free again, nobody waits
        late = login(port)
        out.append(late.sendcmd("PASV")[:3])
        for client in (holder, aborting, late):
            client.quit()
        return out

    out, _ = await run_ftp_scenario(
        tmp_path, scenario, passive_ports=one_port(), passive_port_wait=60.0
    )
    assert out == [
        "425 no passive port, stopped waiting for one",
        "226 nothing to abort",
        "425 no passive port, stopped waiting for one",
        "221 bye",
        "connection closed",
        "200 NOOP ok",
        "227",
    ]


async def test_a_session_ended_while_waiting_leaves_the_line(tmp_path: Path) -> None:
    """A camera whose login is removed while its PASV waits: the session ends, the wait too."""
    started = await start_receiver(
        tmp_path, http_port=None, passive_ports=one_port(), passive_port_wait=60.0
    )
    ftp = started.receiver._ftp  # the line itself is the point
    assert ftp is not None
    ports = ftp._passive_ports
    assert ports is not None
    try:
        holder = await in_thread(lambda: login(started.ftp_port))
        await in_thread(lambda: holder.sendcmd("EPSV"))
        removed = await in_thread(lambda: login(started.ftp_port, OTHER))
        removed.sock.sendall(b"PASV\r\n")  # type: ignore[union-attr]
        await asyncio.sleep(SETTLE)  # the server reads the PASV, which waits
        assert ports.waiting == 1
        started.receiver.set_accounts([CAMERA])
        out = await in_thread(lambda: lines(removed, 2))
        assert ports.waiting == 0
        await in_thread(lambda: holder.sendcmd("PORT 127,0,0,1,200,10"))
        late = await in_thread(lambda: login(started.ftp_port))
        out.append((await in_thread(lambda: late.sendcmd("PASV")))[:3])
        await in_thread(lambda: [client.quit() for client in (holder, late)])
    finally:
        await started.receiver.stop()
    assert out == ["421 your login was changed or removed, closing", "connection closed", "227"]


async def test_a_port_another_program_held_for_a_moment_comes_back(tmp_path: Path) -> None:
    """A port found taken is offered again to the first in line once the program lets it go."""
    taken_port, taken = free_port_pair()

    def scenario(port: int) -> list[str]:
        holder, waiter = login(port), login(port)
        out = [holder.sendcmd("EPSV").split("|")[-2]]
        waiter.sock.sendall(b"EPSV\r\n")  # type: ignore[union-attr]
        time.sleep(SETTLE)  # the EPSV finds the taken port busy and waits
        taken.close()
        out.append(waiter.getline().split("|")[-2])
        out.append(waiter.storbinary("STOR back.jpg", io.BytesIO(JPEG)))
        holder.quit()
        waiter.quit()
        return out

    try:
        out, _ = await run_ftp_scenario(
            tmp_path,
            scenario,
            passive_ports=range(taken_port, taken_port + 2),
            passive_port_wait=5.0,
        )
    finally:
        taken.close()
    assert out == [str(taken_port + 1), str(taken_port), "226 frame received"]


async def test_ports_go_to_the_longest_waiting_first() -> None:
    """A port given back goes to the first in line; a latecomer cannot take it; leavers lose it."""
    ports = PassivePortRange(one_port())
    got: list[str] = []

    def accept(sock: socket.socket, peer: str) -> None:
        del peer
        sock.close()

    held = ports.listen("127.0.0.1", accept)

    async def waiter(name: str, *, others_wait: bool) -> None:
        listener = await ports.listen_when_free("127.0.0.1", accept)
        got.append(name)
        listener.close()
        ports.give_back(listener.port)
        if others_wait:
            with pytest.raises(NoFreePortError):
                ports.listen("127.0.0.1", accept)  # handed to the next in line already

    tasks: dict[str, asyncio.Task[None]] = {}
    for name in ("first", "leaver", "second", "third"):
        tasks[name] = asyncio.create_task(waiter(name, others_wait=name != "third"))
        await asyncio.sleep(0)  # in line, in this order
    assert ports.waiting == 4
    tasks["leaver"].cancel()
    held.close()
    ports.give_back(held.port)
    await asyncio.wait(tasks.values())
    assert got == ["first", "second", "third"]
    assert ports.waiting == 0
    ports.listen("127.0.0.1", accept).close()  # nobody waits: the port is free again
