"""PORT and EPRT arguments a client may get wrong, and an IPv4 address written the IPv6 way.

Each malformed argument gets 501 with what is wrong; a dual-stack client announcing its own
IPv4 address as IPv4-mapped IPv6 (::ffff:127.0.0.1) is the same client and is accepted, while
a mapped address of another host is not. ftplib on loopback.
"""

import functools
import io
from pathlib import Path

from tests.receiver.ftp_client import login, reply
from tests.receiver.loopback import run_ftp_scenario
from tests.receiver.sample_jpegs import make_jpeg

COMMANDS = (
    "PORT 127,0,0,300,40,1",
    "EPRT |1|127.0.0.999|40000|",
    "EPRT |1|127.0.0.1|forty|",
    "EPRT |2|::ffff:127.0.0.1|40000|",
    "EPRT |2|::ffff:10.0.0.1|40000|",
)


def _scenario(port: int) -> tuple[list[str], str]:
    client = login(port)
    out = [reply(functools.partial(client.sendcmd, command)) for command in COMMANDS]
    client.set_pasv(True)  # the session goes on: a passive upload still works
    stored = client.storbinary("STOR after.jpg", io.BytesIO(make_jpeg(1)))
    client.quit()
    return out, stored


async def test_active_mode_arguments(tmp_path: Path) -> None:
    """Bad numbers, addresses and ports: 501 saying which; the mapped own address: accepted."""
    (out, stored), running = await run_ftp_scenario(tmp_path, _scenario)
    assert out == [
        "501 PORT numbers must be 0-255",
        "501 EPRT address or port is invalid",
        "501 EPRT address or port is invalid",
        "200 active mode accepted",
        "501 active mode connects only back to your own address",
    ]
    assert stored.startswith("226")
    assert [frame.file_name for frame in running.collected.frames] == ["after.jpg"]
