"""Directory listings larger than the sockets hold, to a client that reads, and to one that stops.

An account allowed tens of thousands of names gets a listing of several megabytes: more than the
kernel lets a socket buffer (tcp_wmem's maximum). ftplib reads it whole; a client that opens the
data connection and never reads is dropped at the stall timeout with 426, and its session goes on.
"""

import socket
from pathlib import Path

from tests.receiver.ftp_client import login, reply
from tests.receiver.loopback import CAMERA, run_ftp_scenario


def _send_buffer_limit() -> int:
    """The most a TCP socket may buffer for sending here (Linux's tcp_wmem maximum)."""
    try:
        return int(Path("/proc/sys/net/ipv4/tcp_wmem").read_text().split()[2])
    except (OSError, IndexError, ValueError):
        return 4 * 1024 * 1024  # the kernel's default


NAME = "camera-{:06d}-" + "x" * 240  # long names: each listing line is over 250 bytes
LISTING_BYTES = _send_buffer_limit() + 2 * 1024 * 1024
DIRECTORIES = LISTING_BYTES // 250
STALL = 0.5  # seconds a data connection may take no bytes


def _make_directories(port: int) -> None:
    """Create the directories in one burst of pipelined MKD commands, then read every reply."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        commands = [f"USER {CAMERA.username}", f"PASS {CAMERA.password}"]
        commands += [f"MKD {NAME.format(index)}" for index in range(DIRECTORIES)]
        commands.append("QUIT")
        sock.sendall("".join(f"{command}\r\n" for command in commands).encode())
        replies = b""
        while not replies.endswith(b"\r\n") or b"\r\n221 " not in replies:
            chunk = sock.recv(65536)
            assert chunk, "the server closed before answering every command"
            replies += chunk
    assert replies.count(b"\r\n257 ") == DIRECTORIES


def _listing_whole(port: int) -> list[str]:
    _make_directories(port)
    client = login(port)
    lines: list[str] = []
    client.retrlines("LIST", lines.append)
    client.quit()
    return lines


async def test_listing_larger_than_the_socket_buffers_arrives_whole(tmp_path: Path) -> None:
    """Every directory is listed, in one transfer, ending with 226."""
    lines, _ = await run_ftp_scenario(
        tmp_path, _listing_whole, max_account_entries=DIRECTORIES + 10
    )
    assert len(lines) == DIRECTORIES
    assert sum(len(line) + 2 for line in lines) > LISTING_BYTES
    assert all(line.startswith("drwxr-xr-x") for line in lines)
    assert lines[-1].endswith(NAME.format(DIRECTORIES - 1))


def _listing_never_read(port: int) -> list[str]:
    _make_directories(port)
    client = login(port)
    answer = client.sendcmd("EPSV")
    data = socket.socket()
    data.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # holds little of it
    data.connect(("127.0.0.1", int(answer.split("|")[-2])))
    try:
        start = client.sendcmd("LIST")
        end = reply(client.getresp)  # the data connection is never read
    finally:
        data.close()
    out = [start, end, client.sendcmd("NOOP")]
    client.quit()
    return out


async def test_listing_to_a_client_that_never_reads_is_dropped(tmp_path: Path) -> None:
    """150, then 426 once the stall timeout passes; the control connection still answers."""
    out, _ = await run_ftp_scenario(
        tmp_path,
        _listing_never_read,
        max_account_entries=DIRECTORIES + 10,
        stall_timeout=STALL,
    )
    assert out[0].startswith("150")
    assert out[1] == "426 data connection lost"
    assert out[2].startswith("200")
