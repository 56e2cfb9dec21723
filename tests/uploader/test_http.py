"""HTTP upload (POST/PUT, Basic auth) against a small aiohttp server on loopback."""

from collections.abc import AsyncIterator

import pytest
from aiohttp import BasicAuth, web

from custom_components.camupload.uploader.errors import (
    AuthenticationError,
    PermissionDeniedError,
    ProtocolError,
    UploadConnectionError,
)
from custom_components.camupload.uploader.http_client import HttpSender
from custom_components.camupload.uploader.model import (
    Destination,
    HttpMethod,
    OutgoingFile,
    Protocol,
    RemoteFile,
)
from custom_components.camupload.uploader.sender import open_sender

JPEG = b"\xff\xd8" + b"pixels" * 100 + b"\xff\xd9"
FILE = OutgoingFile(remote=RemoteFile(directory=("a",), name="m1.jpg"), data=JPEG)


class PhotoServer:
    """Sensr's photo endpoint: Basic auth, the body is the JPEG."""

    def __init__(self) -> None:
        """Start with no uploads and answer 200."""
        self.received: list[tuple[str, str, bytes, str]] = []
        self.status = 200
        self.port = 0

    async def handle(self, request: web.Request) -> web.Response:
        """Check Basic auth and record the upload."""
        auth = BasicAuth.decode(request.headers.get("Authorization", "Basic Og=="))
        if (auth.login, auth.password) != ("cam28", "pw"):
            return web.Response(status=401, text="Unauthorized")
        if self.status != 200:
            return web.Response(status=self.status, text=f"nope {self.status}")
        body = await request.read()
        self.received.append((request.method, request.path, body, request.headers["Content-Type"]))
        return web.Response(text="OK")


@pytest.fixture
async def photo_server() -> AsyncIterator[PhotoServer]:
    """An aiohttp photo server on a free loopback port."""
    server = PhotoServer()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", server.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server.port = runner.addresses[0][1]
    yield server
    await runner.cleanup()


def destination(server: PhotoServer, **kw: object) -> Destination:
    """An HTTP destination for the photo server."""
    values: dict[str, object] = {
        "protocol": Protocol.HTTP,
        "host": "127.0.0.1",
        "port": server.port,
        "username": "cam28",
        "password": "pw",
    }
    values.update(kw)
    return Destination(**values)  # type: ignore[arg-type]


async def test_post_to_sensr_path(photo_server: PhotoServer) -> None:
    """POST goes to /photo/<user> with the JPEG body and its content type."""
    sender = open_sender(destination(photo_server))
    try:
        result = await sender.upload(FILE)
        await sender.upload(FILE)
    finally:
        await sender.close()
    assert photo_server.received[0] == ("POST", "/photo/cam28", JPEG, "image/jpeg")
    assert len(photo_server.received) == 2
    assert result.size == len(JPEG)
    assert result.url.endswith("/photo/cam28")


async def test_put_to_own_path(photo_server: PhotoServer) -> None:
    """PUT goes to the configured path."""
    sender = HttpSender(destination(photo_server, http_method=HttpMethod.PUT, http_path="upload/x"))
    try:
        await sender.upload(FILE)
    finally:
        await sender.close()
    assert photo_server.received[0][:2] == ("PUT", "/upload/x")


@pytest.mark.parametrize(
    ("status", "error"),
    [(403, PermissionDeniedError), (404, ProtocolError), (500, ProtocolError)],
)
async def test_non_2xx_is_a_failure(
    photo_server: PhotoServer, status: int, error: type[Exception]
) -> None:
    """A non-2xx answer raises with its status and text."""
    photo_server.status = status
    sender = HttpSender(destination(photo_server))
    try:
        with pytest.raises(error, match=str(status)) as caught:
            await sender.upload(FILE)
    finally:
        await sender.close()
    assert f"nope {status}" in str(caught.value)


async def test_wrong_password(photo_server: PhotoServer) -> None:
    """A 401 is an AuthenticationError."""
    sender = HttpSender(destination(photo_server, password="bad"))
    try:
        with pytest.raises(AuthenticationError, match="401"):
            await sender.upload(FILE)
    finally:
        await sender.close()


async def test_nobody_listening(unused_tcp_port: int) -> None:
    """A closed port is a connection error."""
    sender = HttpSender(Destination(protocol=Protocol.HTTP, host="127.0.0.1", port=unused_tcp_port))
    try:
        with pytest.raises(UploadConnectionError, match="Cannot send"):
            await sender.upload(FILE)
    finally:
        await sender.close()
