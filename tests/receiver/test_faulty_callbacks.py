"""A receiver whose sink or failed-login callback raises, or that has no callback at all.

The program embedding the receiver (Home Assistant, the command) may have a bug; a camera must
not pay for it. Uploads are still answered and counted, logins still refused, and the next
upload goes through. Real ftplib and aiohttp clients on loopback.
"""

import ftplib
import io
import logging
from collections.abc import AsyncIterator

import aiohttp
import pytest

from custom_components.camupload.receiver import ReceivedFile, ReceivedFrame, Receiver
from tests.receiver.ftp_client import connect, in_thread, login
from tests.receiver.loopback import CAMERA, receiver_config
from tests.receiver.sample_jpegs import make_jpeg


class FaultySink:
    """Keeps what it is given, raising for the first `faults` items."""

    def __init__(self, faults: int) -> None:
        """Fail the first `faults` deliveries."""
        self.faults = faults
        self.items: list[ReceivedFrame | ReceivedFile] = []

    def __call__(self, item: ReceivedFrame | ReceivedFile) -> None:
        """Take an item, or raise as a buggy program would."""
        if self.faults:
            self.faults -= 1
            msg = "the embedding program has a bug"
            raise RuntimeError(msg)
        self.items.append(item)


def _failing_callback(username: str, address: str, source: str) -> None:
    msg = f"cannot note the failure of {username} from {address} over {source}"
    raise RuntimeError(msg)


@pytest.fixture
async def faulty() -> AsyncIterator[tuple[Receiver, FaultySink]]:
    """A receiver whose sink fails once and whose failed-login callback always fails."""
    sink = FaultySink(faults=1)
    receiver = Receiver(receiver_config(), [CAMERA], sink, on_auth_failure=_failing_callback)
    await receiver.start()
    try:
        yield receiver, sink
    finally:
        await receiver.stop()


async def test_sink_raising_does_not_cost_the_camera_its_upload(
    faulty: tuple[Receiver, FaultySink], caplog: pytest.LogCaptureFixture
) -> None:
    """The upload the sink failed on is answered and counted; the next one is delivered."""
    receiver, sink = faulty
    first, second = make_jpeg(1), make_jpeg(2)
    url = f"http://127.0.0.1:{receiver.http_port}/photo/{CAMERA.username}"
    credentials = aiohttp.BasicAuth(CAMERA.username, CAMERA.password)
    with caplog.at_level(logging.ERROR):
        async with aiohttp.ClientSession() as session:
            for jpeg in (first, second):
                async with session.post(url, data=jpeg, auth=credentials) as response:
                    assert response.status == 200
    assert [item.data for item in sink.items] == [second]
    assert receiver.stats(CAMERA.username).frames == 2
    record = next(r for r in caplog.records if "sink raised" in r.getMessage())
    assert record.getMessage() == f"receiver sink raised for {CAMERA.username}"


async def test_failed_login_callback_raising_still_refuses(
    faulty: tuple[Receiver, FaultySink], caplog: pytest.LogCaptureFixture
) -> None:
    """A wrong password is refused as usual; the right one then logs in and uploads."""
    receiver, sink = faulty
    assert receiver.ftp_port is not None
    port = receiver.ftp_port

    def scenario() -> str:
        client = connect(port)
        try:
            client.login(CAMERA.username, "wrong")
        except ftplib.error_perm as err:
            refused = str(err)
        client.close()
        camera = login(port)
        camera.storbinary("STOR a.jpg", io.BytesIO(make_jpeg(3)))
        camera.storbinary("STOR b.jpg", io.BytesIO(make_jpeg(4)))  # the sink failed on a.jpg
        camera.quit()
        return refused

    with caplog.at_level(logging.ERROR):
        refused = await in_thread(scenario)
    assert refused == "530 login incorrect"
    assert [getattr(item, "file_name", None) for item in sink.items] == ["b.jpg"]
    assert any("auth failure callback raised" in r.getMessage() for r in caplog.records)


async def test_without_a_failed_login_callback() -> None:
    """A receiver nobody asked to report failed logins still refuses them."""
    sink = FaultySink(faults=0)
    receiver = Receiver(receiver_config(), [CAMERA], sink)
    await receiver.start()
    try:
        assert receiver.ftp_port is not None
        port = receiver.ftp_port

        def scenario() -> str:
            client = connect(port)
            try:
                client.login(CAMERA.username, "wrong")
            except ftplib.error_perm as err:
                return str(err)
            finally:
                client.close()
            return "logged in"

        assert await in_thread(scenario) == "530 login incorrect"
    finally:
        await receiver.stop()
    assert sink.items == []
