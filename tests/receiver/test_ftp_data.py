"""FTP data connections: the passive port range, resets and appends over the limit."""

import asyncio
import io
import socket
import struct
from pathlib import Path

from tests.ports import free_port_pair
from tests.receiver.ftp_client import epsv_port, in_thread, login, reply
from tests.receiver.loopback import run_ftp_scenario, start_receiver
from tests.receiver.sample_jpegs import make_jpeg


async def test_passive_range_skips_taken_ports_and_reuses_freed_ones(tmp_path: Path) -> None:
    """A port held by another program is skipped; when the range is used up: 425; freed: reused."""
    taken_port, taken = free_port_pair()
    started = await start_receiver(
        tmp_path,
        http_port=None,
        passive_ports=range(taken_port, taken_port + 2),
        passive_port_wait=0.2,
    )
    try:

        def scenario() -> list[str]:
            first, second = login(started.ftp_port), login(started.ftp_port)
            out = [epsv_port(first), epsv_port(second)]
            first.storbinary("STOR one.jpg", io.BytesIO(make_jpeg(1)))
            first.quit()
            out.append(epsv_port(second))
            second.storbinary("STOR two.jpg", io.BytesIO(make_jpeg(2)))
            second.quit()
            return out

        out = await in_thread(scenario)
    finally:
        taken.close()
        await started.receiver.stop()
    assert out[0] == str(taken_port + 1)
    assert out[1] == "425 no free passive port, try again"
    # The first session's port went back to the range as soon as its data connection came in.
    assert out[2] == str(taken_port + 1)
    assert [f.file_name for f in started.collected.frames] == ["one.jpg", "two.jpg"]


async def test_reset_mid_transfer_is_not_published_and_the_session_goes_on(
    tmp_path: Path,
) -> None:
    """A data connection reset (RST) mid-upload: 426, nothing published, the next STOR works."""
    jpeg = make_jpeg(3)

    def scenario(port: int) -> str:
        client = login(port)
        data = client.transfercmd("STOR reset.jpg")
        data.sendall(jpeg[:300])
        # Linger with a zero timeout: close() sends RST instead of FIN.
        data.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        data.close()
        lost = reply(client.voidresp)
        client.storbinary("STOR after.jpg", io.BytesIO(jpeg))
        client.quit()
        return lost

    lost, started = await run_ftp_scenario(tmp_path, scenario)
    assert lost == "426 data connection lost, transfer aborted"
    assert [f.file_name for f in started.collected.frames] == ["after.jpg"]


async def test_append_over_the_limit_is_refused(tmp_path: Path) -> None:
    """APPE may add only what is left of the size limit after the existing file."""
    jpeg = make_jpeg(4)
    half = len(jpeg) // 2

    def scenario(port: int) -> list[str]:
        client = login(port)
        out = [client.storbinary("APPE grow.jpg", io.BytesIO(jpeg[:half]))]
        out.append(reply(lambda: client.storbinary("APPE grow.jpg", io.BytesIO(jpeg))))
        out.append(client.storbinary("APPE grow.jpg", io.BytesIO(jpeg[half:])))
        client.quit()
        return out

    out, started = await run_ftp_scenario(tmp_path, scenario, max_upload_size=len(jpeg))
    assert out[0] == "226 appended, JPEG not complete yet"
    assert out[1] == f"552 file larger than {len(jpeg)} bytes, refused"
    assert out[2] == "226 frame received"
    await asyncio.sleep(0)
    assert [f.data for f in started.collected.frames] == [jpeg]
