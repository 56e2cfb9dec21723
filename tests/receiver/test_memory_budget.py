"""One memory budget: every HTTP body, form and MJPEG frame draws from it; past it, 503."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from custom_components.camupload.receiver import Receiver
from custom_components.camupload.receiver.command import config_from, parse
from custom_components.camupload.receiver.form_data import MAX_PART_HEAD_SIZE
from custom_components.camupload.receiver.memory_budget import (
    RETRY_AFTER_SECONDS,
    MemoryBudget,
    MemoryBudgetError,
    MemoryUse,
)
from custom_components.camupload.receiver.model import DEFAULT_MEMORY_BUDGET
from tests.receiver.loopback import CAMERA, Running, receiver_config, start_receiver, wait_until
from tests.receiver.raw_clients import auth, exchange
from tests.receiver.sample_jpegs import large_jpeg, make_jpeg

WAIT_SECONDS = 10.0
KIB = 1024
MIB = 1024 * KIB
MAX_UPLOAD = 512 * KIB
BUDGET = 1024 * KIB
# Each stalled upload holds this much: two leave less than a photo of NEW_PHOTO bytes.
HELD = 400 * KIB
NEW_PHOTO = 250 * KIB
BOUNDARY = "XX"
_AUTH = auth(CAMERA.username, CAMERA.password)["Authorization"]


def test_budget_and_leases_at_the_edges() -> None:
    """Leases together hold up to the limit, not a byte more; released bytes come back."""
    budget = MemoryBudget(100)
    first, second = budget.lease(), budget.lease()
    assert first.try_grow(60)
    assert second.try_grow(40)
    assert budget.available == 0
    assert not second.try_grow(1)
    with pytest.raises(MemoryBudgetError, match=r"memory budget spent \(0\.0 of 0\.0 MiB"):
        first.grow(1)
    assert (first.held, second.held) == (60, 40)
    first.resize(10)
    second.release()
    second.release()
    assert not second.try_grow(1)
    with budget.lease() as third:
        third.grow(90)
        assert budget.available == 0
    assert budget.used == 10
    first.shrink(1000)
    budget.ensure_room(100)
    with pytest.raises(MemoryBudgetError):
        budget.ensure_room(101)
    assert budget.snapshot() == MemoryUse(limit=100, used=0, peak=100, leases=1, refusals=3)
    first.release()
    assert budget.snapshot().leases == 0
    with pytest.raises(ValueError, match="at least 1 byte"):
        MemoryBudget(0)


@contextlib.asynccontextmanager
async def budget_receiver(tmp_path: Path, **overrides: object) -> AsyncIterator[Running]:
    """An HTTP-only receiver with a small upload limit and budget."""
    values: dict[str, object] = {
        "ftp_port": None,
        "max_upload_size": MAX_UPLOAD,
        "memory_budget": BUDGET,
        "stall_timeout": WAIT_SECONDS * 3,
    }
    values.update(overrides)
    started = await start_receiver(tmp_path, **values)
    try:
        yield started
    finally:
        await started.receiver.stop()


def request_head(path: str, content_type: str, length: int | None) -> bytes:
    """A request head with the camera's credentials."""
    size = f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked"
    return (
        f"POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: {_AUTH}\r\n"
        f"Content-Type: {content_type}\r\n{size}\r\n\r\n"
    ).encode()


def file_part_start() -> bytes:
    """The start of a form's file part, up to its content."""
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()


def stalled_upload(kind: str, held: int) -> bytes:
    """What a camera sends of an upload before it stalls: head and held bytes of body."""
    image = large_jpeg(2 * held)
    if kind == "photo":
        return request_head(f"/photo/{CAMERA.username}", "image/jpeg", MAX_UPLOAD) + image[:held]
    if kind == "form":
        start = file_part_start()
        head = request_head(
            f"/photo/{CAMERA.username}", f"multipart/form-data; boundary={BOUNDARY}", MAX_UPLOAD
        )
        return head + start + image[: held - len(start)]
    # An MJPEG push: a frame being put together is held by the splitter.
    return request_head(f"/upload/{CAMERA.username}", "image/jpeg", 10 * MAX_UPLOAD) + image[:held]


async def post_photo(running: Running, photo: bytes) -> tuple[int, str, str | None]:
    """Upload a photo with aiohttp; (status, text, Retry-After)."""
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            running.url(f"/photo/{CAMERA.username}"), data=photo, headers={"Authorization": _AUTH}
        ) as response,
    ):
        return response.status, await response.text(), response.headers.get("Retry-After")


@pytest.mark.parametrize("kind", ["photo", "form", "mjpeg"])
async def test_stalled_uploads_past_the_budget_refuse_new_ones(tmp_path: Path, kind: str) -> None:
    """Stalled uploads hold what they sent; a photo that does not fit gets 503 until they end."""
    photo = large_jpeg(NEW_PHOTO)
    assert NEW_PHOTO <= len(photo) <= MAX_UPLOAD
    async with budget_receiver(tmp_path) as running:
        memory = running.receiver.memory
        stalled = []
        for _ in range(2):
            _, writer = await asyncio.open_connection("127.0.0.1", running.http_port)
            writer.write(stalled_upload(kind, HELD))
            stalled.append(writer)
        try:
            await wait_until(lambda: memory.used == 2 * HELD)
            status, text, retry_after = await post_photo(running, photo)
            assert (status, retry_after) == (503, str(RETRY_AFTER_SECONDS))
            assert "memory budget spent" in text
            assert memory.snapshot().refusals >= 1
        finally:
            for writer in stalled:
                writer.close()
        await wait_until(lambda: memory.used == 0)
        assert (await post_photo(running, photo))[0] == 200
        assert [frame.data for frame in running.collected.frames] == [photo]


async def test_body_without_length_is_refused_when_the_budget_runs_out(tmp_path: Path) -> None:
    """A chunked photo is read until the budget has no room left, then 503 and closed."""
    async with budget_receiver(tmp_path) as running:
        memory = running.receiver.memory
        _, writer = await asyncio.open_connection("127.0.0.1", running.http_port)
        writer.write(stalled_upload("photo", HELD))
        _, other = await asyncio.open_connection("127.0.0.1", running.http_port)
        other.write(stalled_upload("photo", HELD))
        try:
            await wait_until(lambda: memory.used == 2 * HELD)
            chunk = large_jpeg(NEW_PHOTO)[: BUDGET - 2 * HELD + KIB]
            request = request_head(f"/photo/{CAMERA.username}", "image/jpeg", None)
            request += f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
            answer = await exchange(running.http_port, request)
        finally:
            writer.close()
            other.close()
        assert answer.startswith(b"HTTP/1.1 503 ")
        assert f"\r\nRetry-After: {RETRY_AFTER_SECONDS}\r\n".encode() in answer
        await wait_until(lambda: memory.used == 0)


async def test_request_heads_draw_from_the_budget(tmp_path: Path) -> None:
    """With the budget all but spent, even a request head is refused with 503."""
    async with budget_receiver(tmp_path) as running:
        memory = running.receiver.memory
        held = BUDGET // 2 - 100
        stalled = []
        for _ in range(2):
            _, writer = await asyncio.open_connection("127.0.0.1", running.http_port)
            writer.write(stalled_upload("photo", held))
            stalled.append(writer)
        try:
            await wait_until(lambda: memory.used == 2 * held)
            answer = await exchange(
                running.http_port, b"GET /nowhere HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"p" * 300
            )
            assert answer.startswith(b"HTTP/1.1 503 Service Unavailable\r\n")
            assert answer.endswith(b"receiver memory budget spent, try again later\n")
        finally:
            for writer in stalled:
                writer.close()
        await wait_until(lambda: memory.used == 0)


def form_body(*fields: tuple[str, bytes], file: bytes) -> bytes:
    """A form of text fields and one file field, closed."""
    body = b"".join(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        + value
        + b"\r\n"
        for name, value in fields
    )
    return body + file_part_start() + file + f"\r\n--{BOUNDARY}--\r\n".encode()


async def post_chunked_form(running: Running, body: bytes) -> tuple[int, str]:
    """Send a form with no Content-Length (chunked), as streaming clients do."""

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 64 * KIB):
            yield body[start : start + 64 * KIB]

    status, text = 0, ""
    with contextlib.suppress(aiohttp.ClientError):
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                running.url(f"/photo/{CAMERA.username}"),
                data=chunks(),
                headers={
                    "Authorization": _AUTH,
                    "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
                },
            ) as response,
        ):
            status, text = response.status, await response.text()
    return status, text


@pytest.mark.parametrize(("extra", "status"), [(0, 200), (1, 413)])
async def test_text_fields_count_against_the_size_limit(
    tmp_path: Path, extra: int, status: int
) -> None:
    """The whole form counts: a form of exactly max_upload_size passes, one byte more is 413."""
    jpeg = make_jpeg(5)
    padding = MAX_UPLOAD - len(form_body(("note", b""), file=jpeg)) + extra
    body = form_body(("note", b"n" * padding), file=jpeg)
    assert len(body) == MAX_UPLOAD + extra
    async with budget_receiver(tmp_path) as running:
        answer_status, _ = await post_chunked_form(running, body)
        assert running.receiver.memory.used == 0
    assert answer_status == status


async def test_a_part_head_over_its_limit_is_400(tmp_path: Path) -> None:
    """Header lines piled into one part are refused, not collected."""
    pile = b"".join(b"X-Pile: " + b"p" * 100 + b"\r\n" for _ in range(MAX_PART_HEAD_SIZE // 100))
    body = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="note"\r\n'.encode()
        + pile
        + b"\r\nhello\r\n"
        + form_body(file=make_jpeg(6))
    )
    async with budget_receiver(tmp_path) as running:
        status, text = await post_chunked_form(running, body)
    assert status == 400
    assert f"a part's head is over {MAX_PART_HEAD_SIZE} bytes" in text


async def test_a_stalled_text_field_times_out(tmp_path: Path) -> None:
    """A form whose text field stops arriving gets 408 after the stall timeout."""
    async with budget_receiver(tmp_path, stall_timeout=0.3) as running:
        head = request_head(
            f"/photo/{CAMERA.username}", f"multipart/form-data; boundary={BOUNDARY}", 1000
        )
        start = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhel'.encode()
        reader, writer = await asyncio.open_connection("127.0.0.1", running.http_port)
        try:
            writer.write(head + start)
            async with asyncio.timeout(WAIT_SECONDS):
                answer = await reader.read()
        finally:
            writer.close()
        assert running.receiver.memory.used == 0
    assert answer.startswith(b"HTTP/1.1 408 ")


def test_budget_option_of_the_command_and_its_floor() -> None:
    """--memory-budget-mb sets the budget (1 at least); it never holds less than one upload."""
    options, _ = parse(["--camera", "cam28:pw", "--memory-budget-mb", "1"])
    assert config_from(options).memory_budget == MIB
    with pytest.raises(SystemExit):
        parse(["--camera", "cam28:pw", "--memory-budget-mb", "0"])
    assert config_from(parse(["--camera", "cam28:pw"])[0]).memory_budget == DEFAULT_MEMORY_BUDGET
    config = receiver_config(memory_budget=MIB, max_upload_size=2 * MIB)
    assert Receiver(config, [CAMERA], lambda _: None).memory.limit == 2 * MIB
