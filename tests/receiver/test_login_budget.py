"""The failed-login budget: one per address, shared by every connection, FTP and HTTP alike."""

import asyncio
import ftplib
import threading
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp
import pytest

from custom_components.camupload.receiver import FailureLimiter, Receiver
from tests.receiver.loopback import CAMERA, OTHER, Collected, receiver_config
from tests.receiver.sample_jpegs import make_jpeg

WINDOW = 300.0
# Connections opened before any guess: each may try max_login_failures (3) passwords.
FTP_CONNECTIONS = 10
HTTP_GUESSES = 10
WAIT_SECONDS = 30.0
GOOD = aiohttp.BasicAuth(CAMERA.username, CAMERA.password)


@dataclass
class FakeClock:
    """A monotonic clock the test moves by hand."""

    now: float = 1000.0

    def __call__(self) -> float:
        """The current time."""
        return self.now


@dataclass
class Budgeted:
    """A running receiver with its clock and collected results."""

    receiver: Receiver
    collected: Collected
    clock: FakeClock

    @property
    def ftp_port(self) -> int:
        """Bound FTP port."""
        assert self.receiver.ftp_port is not None
        return self.receiver.ftp_port

    def url(self, path: str) -> str:
        """An HTTP URL on the receiver."""
        return f"http://127.0.0.1:{self.receiver.http_port}{path}"


@asynccontextmanager
async def start(budget: int) -> AsyncIterator[Budgeted]:
    """Run a receiver allowing budget failed logins per address in WINDOW seconds."""
    clock = FakeClock()
    collected = Collected()
    receiver = Receiver(
        receiver_config(max_failures_per_address=budget, failure_window=WINDOW),
        [CAMERA, OTHER],
        collected.sink,
        on_auth_failure=collected.on_failure,
        clock=clock,
    )
    await receiver.start()
    try:
        yield Budgeted(receiver, collected, clock)
    finally:
        await receiver.stop()


@pytest.fixture
async def budget_of_4() -> AsyncIterator[Budgeted]:
    """A receiver allowing 4 failed logins per address."""
    async with start(4) as started:
        yield started


def ftp_login(port: int, user: str, password: str) -> str:
    """Connect, log in, quit; return the last reply (or the refusal's text)."""
    client = ftplib.FTP()
    try:
        client.connect("127.0.0.1", port, timeout=WAIT_SECONDS)
        reply = client.login(user, password)
        client.quit()
    except (ftplib.error_perm, ftplib.error_temp) as refused:
        return str(refused)
    finally:
        client.close()
    return reply


async def photo(session: aiohttp.ClientSession, url: str, user: str, password: str) -> int:
    """Upload one JPEG; return the status."""
    login = aiohttp.BasicAuth(user, password)
    async with session.post(url, data=make_jpeg(1), auth=login) as response:
        return response.status


async def test_parallel_connections_share_one_budget() -> None:
    """Connections opened first, FTP and HTTP guessing at once, evaluate budget guesses in all."""
    budget = 5
    barrier = threading.Barrier(FTP_CONNECTIONS)
    ftp_answers: list[str] = []

    def guess_over_ftp(port: int, index: int) -> None:
        client = ftplib.FTP()
        client.connect("127.0.0.1", port, timeout=WAIT_SECONDS)
        # Every connection is greeted while the address is still under budget.
        barrier.wait(timeout=WAIT_SECONDS)
        try:
            for attempt in range(3):
                try:
                    client.login(CAMERA.username, f"guess-{index}-{attempt}")
                except ftplib.error_perm as wrong:
                    ftp_answers.append(str(wrong)[:3])
                except ftplib.error_temp as closed:
                    ftp_answers.append(str(closed))
                    return
        finally:
            client.close()

    async with start(budget) as started:
        loop = asyncio.get_running_loop()
        with ThreadPoolExecutor(FTP_CONNECTIONS) as pool:
            ftp = [
                loop.run_in_executor(pool, guess_over_ftp, started.ftp_port, index)
                for index in range(FTP_CONNECTIONS)
            ]
            async with aiohttp.ClientSession() as session:
                http = [
                    photo(session, started.url(f"/{kind}/{CAMERA.username}"), CAMERA.username, "x")
                    for kind in ("photo", "upload")
                    for _ in range(HTTP_GUESSES // 2)
                ]
                statuses = await asyncio.gather(*http)
                await asyncio.gather(*ftp)
                # Spent: even the right password is not checked now, on either protocol.
                right = started.url(f"/photo/{CAMERA.username}")
                async with session.post(right, data=make_jpeg(1), auth=GOOD) as response:
                    assert response.status == 429
                    assert 1 <= int(response.headers["Retry-After"]) <= WINDOW
        after = await asyncio.to_thread(
            ftp_login, started.ftp_port, CAMERA.username, CAMERA.password
        )
        assert after.startswith("421 too many failed logins from your address")
        assert len(started.collected.failures) == budget
        assert set(statuses) <= {401, 429}
        assert all(a == "530" or a.startswith("421") for a in ftp_answers)
        assert started.collected.frames == []


async def test_connection_opened_under_budget_gets_no_more_guesses(
    budget_of_4: Budgeted,
) -> None:
    """A connection greeted before the budget ran out cannot log in once it has, even rightly."""
    started = budget_of_4
    client = ftplib.FTP()
    await asyncio.to_thread(client.connect, "127.0.0.1", started.ftp_port, WAIT_SECONDS)
    try:
        async with aiohttp.ClientSession() as session:
            url = started.url(f"/photo/{OTHER.username}")
            for _ in range(4):
                assert await photo(session, url, OTHER.username, "wrong") == 401
        with pytest.raises(ftplib.error_temp, match=r"^421 too many failed logins"):
            await asyncio.to_thread(client.login, CAMERA.username, CAMERA.password)
        # ... and is closed.
        with pytest.raises((EOFError, OSError)):
            await asyncio.to_thread(client.voidcmd, "NOOP")
    finally:
        client.close()
    assert len(started.collected.failures) == 4


async def test_a_login_does_not_forgive_other_accounts_failures(budget_of_4: Budgeted) -> None:
    """An attacker's own camera logging in leaves the failures against another camera counted."""
    started = budget_of_4
    ftp_port = started.ftp_port
    async with aiohttp.ClientSession() as session:
        other = started.url(f"/photo/{OTHER.username}")
        own = started.url(f"/photo/{CAMERA.username}")
        for _ in range(3):
            assert await photo(session, other, OTHER.username, "guess") == 401
        # Camera A gets in over FTP and HTTP: B's three failures still count.
        assert (
            await asyncio.to_thread(ftp_login, ftp_port, CAMERA.username, CAMERA.password)
        ).startswith("230")
        assert await photo(session, own, CAMERA.username, CAMERA.password) == 200
        assert await photo(session, other, OTHER.username, "guess") == 401
        assert await photo(session, own, CAMERA.username, CAMERA.password) == 429
    refused = await asyncio.to_thread(ftp_login, ftp_port, CAMERA.username, CAMERA.password)
    assert refused.startswith("421 too many failed logins")


async def test_a_login_forgives_its_own_accounts_failures(budget_of_4: Budgeted) -> None:
    """A camera that failed, then got its password right, no longer weighs on the address."""
    started = budget_of_4
    async with aiohttp.ClientSession() as session:
        own = started.url(f"/photo/{CAMERA.username}")
        other = started.url(f"/upload/{OTHER.username}")
        for _ in range(3):
            assert await photo(session, own, CAMERA.username, "stale") == 401
        assert await photo(session, own, CAMERA.username, CAMERA.password) == 200
        # Only B's failures count from here: three leave the address under budget ...
        for _ in range(3):
            assert await photo(session, other, OTHER.username, "guess") == 401
        assert await photo(session, own, CAMERA.username, CAMERA.password) == 200
        # ... and the fourth spends it.
        assert await photo(session, other, OTHER.username, "guess") == 401
        assert await photo(session, own, CAMERA.username, CAMERA.password) == 429


async def test_budget_reopens_when_its_window_ends(budget_of_4: Budgeted) -> None:
    """Refused until WINDOW seconds after the failures, with Retry-After counting down."""
    started = budget_of_4
    clock = started.clock
    async with aiohttp.ClientSession() as session:
        other = started.url(f"/photo/{OTHER.username}")
        own = started.url(f"/photo/{CAMERA.username}")
        for _ in range(4):
            assert await photo(session, other, OTHER.username, "guess") == 401
        async with session.post(own, data=make_jpeg(1), auth=GOOD) as response:
            assert response.status == 429
            assert response.headers["Retry-After"] == str(int(WINDOW))
        clock.now += WINDOW - 0.5
        async with session.post(own, data=make_jpeg(1), auth=GOOD) as response:
            assert response.status == 429
            assert response.headers["Retry-After"] == "1"
        refused = await asyncio.to_thread(
            ftp_login, started.ftp_port, CAMERA.username, CAMERA.password
        )
        assert refused == "421 too many failed logins from your address, retry in 1 s"
        clock.now += 0.5
        assert await photo(session, own, CAMERA.username, CAMERA.password) == 200
    assert (
        await asyncio.to_thread(ftp_login, started.ftp_port, CAMERA.username, CAMERA.password)
    ).startswith("230")


def test_limiter_keeps_only_addresses_inside_the_window() -> None:
    """Addresses whose failures left the window are forgotten: memory follows recent failures."""
    clock = FakeClock()
    limiter = FailureLimiter(max_failures=2, window=10, clock=clock)
    for index in range(1000):
        limiter.record_failure(f"10.0.{index // 256}.{index % 256}", "cam")
    assert limiter.retry_after("10.0.0.1") == 0
    clock.now += 10
    limiter.record_failure("192.0.2.1", "cam")
    limiter.record_failure("192.0.2.1", "cam")
    assert limiter.retry_after("192.0.2.1") == 10
    assert [limiter.is_blocked(f"10.0.0.{index}") for index in range(3)] == [False] * 3
    assert len(limiter) == 1
