"""The soak benchmark's clients (see bench/soak.py): cameras, and connections that do nothing.

Each client speaks from an address of its own in 127.0.0.0/8, as cameras on a LAN do, so
that the receiver's per-address limits see many devices. The camera clients run in worker
processes (run_worker) and send back what the receiver answered; the idle and slow
connections (HeldConnections) run in the bench's own event loop.
"""

import asyncio
import contextlib
import random
import re
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection

import aiohttp

# A camera's simulated clock starts here; each upload moves it on by camera_interval.
CLOCK_START = datetime(2026, 12, 2, tzinfo=UTC)
# Reply texts become refusal reasons: paths and numbers would split one reason into many.
_PATH = re.compile(r"\S*/\S*")
_NUMBER = re.compile(r"\d+")
_PASV_PORT = re.compile(r"\(\d+,\d+,\d+,\d+,(\d+),(\d+)\)")
_MJPEG_REPLY = re.compile(r"(\d+) frames received, (\d+) dropped")
MJPEG_BOUNDARY = "camupload-soak"
# What a refusal reason keeps of a reply text.
_REASON_LENGTH = 48
_CLOSING = 421
_LOGIN_STEPS = frozenset({"greeting", "USER", "PASS", "TYPE"})
# After a refused connection, a client waits this long before it tries again.
RECONNECT_DELAY = 1.0
# How far (a share of its uploads) one kind may run ahead of the slowest, and its wait.
BALANCE = 0.02
BALANCE_WAIT = 0.05
# How long a worker may overrun its deadline (finishing the uploads in flight).
DEADLINE_GRACE = 30.0


def client_address(block: int, index: int) -> str:
    """The loopback address of client index in a block (one block per kind of client)."""
    return f"127.{block}.{index // 250}.{index % 250 + 1}"


def reason(kind: str, step: str, code: object, text: str = "") -> str:
    """A refusal reason for counting: no paths, numbers or long texts."""
    cleaned = _NUMBER.sub("N", _PATH.sub("PATH", text.strip()))[:_REASON_LENGTH]
    return f"{kind} {step} {code} {cleaned}".rstrip()


@dataclass(frozen=True, slots=True)
class Camera:
    """One client's login and loopback address."""

    username: str
    password: str
    address: str


@dataclass(frozen=True, slots=True)
class LoadPlan:
    """What one worker process sends: its clients, its share of uploads, where to."""

    host: str
    ftp_port: int
    http_port: int
    ftp_cameras: tuple[Camera, ...]
    http_clients: tuple[Camera, ...]
    mjpeg_clients: tuple[Camera, ...]
    ftp_uploads: int
    http_uploads: int
    mjpeg_frames: int
    frames_per_push: int
    camera_interval: int
    images: tuple[bytes, ...]
    reply_timeout: float
    # Seconds a camera waits between its uploads (0: as fast as the receiver answers).
    pause: float = 0.0


@dataclass(slots=True)
class LoadResult:
    """What the receiver answered one worker's clients."""

    # (username, file name) -> size, for every upload answered as accepted.
    accepted: dict[tuple[str, str], int] = field(default_factory=dict)
    # username -> frames the receiver said it received (MJPEG pushes carry no names).
    mjpeg_accepted: Counter[str] = field(default_factory=Counter)
    attempted: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    latencies: dict[str, list[float]] = field(default_factory=dict)
    # Set when the worker stopped at its deadline with uploads still to send.
    cut_by_deadline: bool = False
    errors: list[str] = field(default_factory=list)

    def merge(self, other: "LoadResult") -> None:
        """Add another worker's result to this one."""
        self.accepted.update(other.accepted)
        self.mjpeg_accepted.update(other.mjpeg_accepted)
        self.attempted.update(other.attempted)
        self.refused.update(other.refused)
        for kind, values in other.latencies.items():
            self.latencies.setdefault(kind, []).extend(values)
        self.cut_by_deadline |= other.cut_by_deadline
        self.errors += other.errors


class Quota:
    """Uploads left to send, per kind, shared by a worker's clients; none after the deadline.

    The kinds keep in step: a kind that is ahead of the slowest by more than BALANCE of its
    uploads waits, so that FTP, HTTP and MJPEG run side by side for the whole soak rather
    than the quick kinds finishing first.
    """

    def __init__(self, plan: LoadPlan, deadline: float, result: LoadResult) -> None:
        """Start from the plan's shares; deadline is a time.time() value."""
        self._total = {
            "ftp": plan.ftp_uploads,
            "http": plan.http_uploads,
            "mjpeg": plan.mjpeg_frames,
        }
        self._left = Counter(self._total)
        self._deadline = deadline
        self._result = result

    def _progress(self, kind: str) -> float:
        return 1 - self._left[kind] / self._total[kind]

    def _ahead(self, kind: str) -> bool:
        behind = [self._progress(other) for other in self._total if self._left[other] > 0]
        return self._progress(kind) > min(behind) + BALANCE

    async def take(self, kind: str, most: int = 1) -> int:
        """Take up to most uploads of a kind; 0 when none are left or time is up."""
        while True:
            if self._left[kind] <= 0:
                return 0
            if time.time() >= self._deadline:
                self._result.cut_by_deadline = True
                return 0
            if not self._ahead(kind):
                break
            await asyncio.sleep(BALANCE_WAIT)
        count = min(most, self._left[kind])
        self._left[kind] -= count
        self._result.attempted[kind] += count
        return count


class RefusedError(Exception):
    """The receiver refused an upload."""

    def __init__(self, reason: str, *, session_over: bool = False) -> None:
        """Carry the reason; session_over when the control connection is gone with it."""
        super().__init__(reason)
        self.reason = reason
        self.session_over = session_over


class FtpSession:
    """A camera's FTP control connection: one command, one reply."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, camera: Camera
    ) -> None:
        """Wrap a connected control connection."""
        self.reader = reader
        self.writer = writer
        self.camera = camera

    @classmethod
    async def log_in(cls, host: str, port: int, camera: Camera) -> "FtpSession":
        """Connect from the camera's address and log in; RefusedError if refused."""
        try:
            reader, writer = await asyncio.open_connection(
                host, port, local_addr=(camera.address, 0)
            )
        except OSError as err:
            raise RefusedError(
                reason("ftp", "connect", type(err).__name__), session_over=True
            ) from err
        session = cls(reader, writer, camera)
        try:
            await session.expect(None, 220, "greeting")
            await session.expect(f"USER {camera.username}", 331, "USER")
            await session.expect(f"PASS {camera.password}", 230, "PASS")
            await session.expect("TYPE I", 200, "TYPE")
        except BaseException:
            session.close()
            raise
        return session

    async def reply(self) -> tuple[int, str]:
        """Read one reply (all lines of a multi-line one); ConnectionError at end of input."""
        line = await self.reader.readline()
        if not line.endswith(b"\n"):
            msg = "control connection closed"
            raise ConnectionError(msg)
        text = line.decode("utf-8", "replace").rstrip("\r\n")
        code = text[:3]
        if text[3:4] == "-":
            while not (line := await self.reader.readline()).startswith(f"{code} ".encode()):
                if not line.endswith(b"\n"):
                    msg = "control connection closed"
                    raise ConnectionError(msg)
        return int(code), text[4:]

    async def command(self, line: str) -> tuple[int, str]:
        """Send a command and read its reply."""
        self.writer.write(line.encode() + b"\r\n")
        return await self.reply()

    async def expect(self, line: str | None, wanted: int, step: str) -> str:
        """Send line (None: just read a reply); RefusedError unless the reply is wanted."""
        code, text = await (self.reply() if line is None else self.command(line))
        if code != wanted:
            # 421 closes the session; so does any refusal before the login is done.
            over = code == _CLOSING or step in _LOGIN_STEPS
            raise RefusedError(reason("ftp", step, code, text), session_over=over)
        return text

    async def upload(self, directory: tuple[str, ...], name: str, image: bytes) -> None:
        """Upload as Hikvision does: MKD and CWD level by level, STOR a temporary name, rename."""
        await self.expect("CWD /", 250, "CWD")
        for part in directory:
            code, text = await self.command(f"MKD {part}")
            if code != 257 and not (code == 550 and text.endswith("already exists")):
                raise RefusedError(reason("ftp", "MKD", code, text), session_over=code == _CLOSING)
            await self.expect(f"CWD {part}", 250, "CWD")
        text = await self.expect("PASV", 227, "PASV")
        match = _PASV_PORT.search(text)
        if match is None:
            raise RefusedError(reason("ftp", "PASV", 227, "no port in reply"))
        data_port = int(match[1]) * 256 + int(match[2])
        temporary = f"{name}.tmp"
        host = self.writer.get_extra_info("peername")[0]
        try:
            _, data = await asyncio.open_connection(
                host, data_port, local_addr=(self.camera.address, 0)
            )
        except OSError as err:
            raise RefusedError(reason("ftp", "data connect", type(err).__name__)) from err
        try:
            code, text = await self.command(f"STOR {temporary}")
            if code not in (125, 150):
                raise RefusedError(reason("ftp", "STOR", code, text), session_over=code == _CLOSING)
            data.write(image)
            await data.drain()
        finally:
            data.close()
            with contextlib.suppress(OSError):
                await data.wait_closed()
        await self.expect(None, 226, "STOR")
        await self.expect(f"RNFR {temporary}", 350, "RNFR")
        text = await self.expect(f"RNTO {name}", 250, "RNTO")
        if "frame received" not in text:
            raise RefusedError(reason("ftp", "RNTO", 250, text))

    def close(self) -> None:
        """Drop the control connection."""
        self.writer.close()


def camera_path(camera: Camera, serial: int, interval: int) -> tuple[tuple[str, ...], str]:
    """The dated directory and file name of a camera's upload number serial."""
    moment = CLOCK_START + timedelta(seconds=serial * interval)
    directory = (f"{moment:%Y-%m-%d}", "001", "jpg", f"{moment:%H}", f"{moment:%M}")
    return directory, f"{camera.username}_{moment:%Y%m%d%H%M%S}_{serial:06d}.jpg"


async def camera_pause(plan: LoadPlan, *, first: bool) -> None:
    """Wait before an upload when the plan paces cameras (never in step with each other).

    The first upload comes after up to one pause, so that the cameras do not all start at
    once; the others after 50% to 150% of it.
    """
    if plan.pause:
        share = random.uniform(0, 1) if first else random.uniform(0.5, 1.5)  # noqa: S311 - timing jitter
        await asyncio.sleep(plan.pause * share)


async def ftp_camera(plan: LoadPlan, camera: Camera, quota: Quota, result: LoadResult) -> None:
    """A camera that stays connected and uploads until the quota is used up."""
    session: FtpSession | None = None
    latencies = result.latencies.setdefault("ftp", [])
    serial = 0
    try:
        while await quota.take("ftp"):
            serial += 1
            await camera_pause(plan, first=serial == 1)
            image = plan.images[serial % len(plan.images)]
            directory, name = camera_path(camera, serial, plan.camera_interval)
            began = time.monotonic()
            try:
                async with asyncio.timeout(plan.reply_timeout):
                    if session is None:
                        session = await FtpSession.log_in(plan.host, plan.ftp_port, camera)
                    await session.upload(directory, name, image)
            except RefusedError as refused:
                result.refused[refused.reason] += 1
                if refused.session_over:
                    if session is not None:
                        session.close()
                    session = None
                    await asyncio.sleep(RECONNECT_DELAY)
                continue
            except (OSError, TimeoutError) as err:
                result.refused[reason("ftp", "session", type(err).__name__)] += 1
                if session is not None:
                    session.close()
                session = None
                continue
            latencies.append(time.monotonic() - began)
            result.accepted[camera.username, name] = len(image)
    finally:
        if session is not None:
            session.close()


def http_session(plan: LoadPlan, camera: Camera) -> aiohttp.ClientSession:
    """A keep-alive client from the camera's address with its credentials."""
    connector = aiohttp.TCPConnector(limit=1, local_addr=(camera.address, 0))
    return aiohttp.ClientSession(
        connector=connector,
        auth=aiohttp.BasicAuth(camera.username, camera.password),
        timeout=aiohttp.ClientTimeout(total=plan.reply_timeout),
    )


def http_reason(kind: str, status: int, text: str) -> str:
    """A refusal reason from an HTTP answer."""
    return reason(kind, "POST", status, text.partition("\n")[0])


async def http_camera(plan: LoadPlan, camera: Camera, quota: Quota, result: LoadResult) -> None:
    """A camera posting photos to /photo/<user> over one keep-alive connection."""
    base = f"http://{plan.host}:{plan.http_port}/photo/{camera.username}?name="
    headers = {"Content-Type": "image/jpeg"}
    latencies = result.latencies.setdefault("http", [])
    serial = 0
    async with http_session(plan, camera) as session:
        while await quota.take("http"):
            serial += 1
            await camera_pause(plan, first=serial == 1)
            image = plan.images[serial % len(plan.images)]
            name = f"{camera.username}_{serial:06d}.jpg"
            began = time.monotonic()
            try:
                async with session.post(base + name, data=image, headers=headers) as response:
                    text = await response.text()
            except (aiohttp.ClientError, TimeoutError) as err:
                result.refused[reason("http", "POST", type(err).__name__)] += 1
                await asyncio.sleep(RECONNECT_DELAY)
                continue
            if response.status != 200:
                result.refused[http_reason("http", response.status, text)] += 1
                continue
            latencies.append(time.monotonic() - began)
            result.accepted[camera.username, name] = len(image)


async def mjpeg_body(images: tuple[bytes, ...], count: int) -> AsyncIterator[bytes]:
    """The body of one push: frames as a multipart stream, as ffmpeg -f mpjpeg sends them."""
    head = f"--{MJPEG_BOUNDARY}\r\nContent-Type: image/jpeg\r\n".encode()
    for index in range(count):
        image = images[index % len(images)]
        yield head + f"Content-Length: {len(image)}\r\n\r\n".encode() + image + b"\r\n"


async def mjpeg_camera(plan: LoadPlan, camera: Camera, quota: Quota, result: LoadResult) -> None:
    """A camera pushing MJPEG to /upload/<user>, frames_per_push frames per POST."""
    url = f"http://{plan.host}:{plan.http_port}/upload/{camera.username}"
    headers = {"Content-Type": f"multipart/x-mixed-replace; boundary={MJPEG_BOUNDARY}"}
    latencies = result.latencies.setdefault("mjpeg push", [])
    async with http_session(plan, camera) as session:
        while count := await quota.take("mjpeg", plan.frames_per_push):
            began = time.monotonic()
            try:
                body = mjpeg_body(plan.images, count)
                async with session.post(url, data=body, headers=headers) as response:
                    text = await response.text()
            except (aiohttp.ClientError, TimeoutError) as err:
                result.refused[reason("mjpeg", "POST", type(err).__name__)] += count
                await asyncio.sleep(RECONNECT_DELAY)
                continue
            match = _MJPEG_REPLY.search(text)
            if response.status != 200 or match is None:
                result.refused[http_reason("mjpeg", response.status, text)] += count
                continue
            latencies.append(time.monotonic() - began)
            received = int(match[1])
            result.mjpeg_accepted[camera.username] += received
            if received < count:
                result.refused[reason("mjpeg", "frames", "dropped")] += count - received


async def drive(plan: LoadPlan, deadline: float) -> LoadResult:
    """Run a worker's clients until its uploads are sent or the deadline (time.time()) passes."""
    result = LoadResult()
    quota = Quota(plan, deadline, result)
    clients = [ftp_camera(plan, camera, quota, result) for camera in plan.ftp_cameras]
    clients += [http_camera(plan, camera, quota, result) for camera in plan.http_clients]
    clients += [mjpeg_camera(plan, camera, quota, result) for camera in plan.mjpeg_clients]
    try:
        async with asyncio.timeout(max(deadline - time.time(), 0) + DEADLINE_GRACE):
            outcomes = await asyncio.gather(*clients, return_exceptions=True)
    except TimeoutError:
        result.cut_by_deadline = True
        result.errors.append("clients still busy after the deadline's grace period")
        return result
    result.errors += [repr(error) for error in outcomes if isinstance(error, BaseException)]
    return result


def run_worker(plan: LoadPlan, pipe: Connection) -> None:
    """Worker process entry: say "ready", take the deadline, drive, send the LoadResult back.

    The bench waits for every worker to be ready (imports take a while), so the load
    starts at once for all of them.
    """
    pipe.send("ready")
    deadline: float = pipe.recv()
    try:
        result = asyncio.run(drive(plan, deadline))
    except Exception as err:  # noqa: BLE001 - reported by the bench as a harness error
        result = LoadResult(errors=[repr(err)])
    pipe.send(result)
    pipe.close()


@dataclass(slots=True)
class HeldStats:
    """Connections of one kind that send nothing or next to nothing."""

    opened: int = 0
    refused: int = 0
    closed_by_server: int = 0
    open_now: int = 0
    # Seconds each connection the server closed had been open.
    lifetimes: list[float] = field(default_factory=list)


class HeldConnections:
    """Keep count connections open to a port, each from its own address, until stopped.

    Idle ones send prefix (maybe nothing) and then nothing; slow ones then send one byte of
    trickle every interval. A connection the server closes is opened again.
    """

    def __init__(  # noqa: PLR0913 - one connection shape per argument
        self,
        host: str,
        port: int,
        addresses: list[str],
        *,
        prefix: bytes = b"",
        trickle: bytes = b"",
        interval: float = 1.0,
    ) -> None:
        """Describe the connections; start() opens them."""
        self.stats = HeldStats()
        self._host = host
        self._port = port
        self._addresses = addresses
        self._prefix = prefix
        self._trickle = trickle
        self._interval = interval
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        """Open the connections (in the background)."""
        self._tasks = [asyncio.create_task(self._hold(address)) for address in self._addresses]

    async def stop(self) -> None:
        """Close them all."""
        self._stop.set()
        await asyncio.gather(*self._tasks)

    async def _hold(self, address: str) -> None:
        while not self._stop.is_set():
            try:
                reader, writer = await asyncio.open_connection(
                    self._host, self._port, local_addr=(address, 0)
                )
            except OSError:
                self.stats.refused += 1
                await self._pause(RECONNECT_DELAY)
                continue
            self.stats.opened += 1
            self.stats.open_now += 1
            began = time.monotonic()
            try:
                closed = await self._keep(reader, writer)
            finally:
                self.stats.open_now -= 1
                writer.close()
            if closed:
                self.stats.closed_by_server += 1
                self.stats.lifetimes.append(time.monotonic() - began)
                await self._pause(RECONNECT_DELAY)

    async def _keep(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Hold one connection; True if the server closed it, False when stopped."""
        stopped = asyncio.create_task(self._stop.wait())
        loop = asyncio.get_running_loop()
        next_byte = loop.time() + self._interval
        position = 0
        try:
            writer.write(self._prefix)
            while not stopped.done():
                # Whatever the server says (a greeting, a 408) is read and dropped.
                reading = asyncio.ensure_future(reader.read(65536))
                wait = max(next_byte - loop.time(), 0) if self._trickle else None
                done, _ = await asyncio.wait(
                    (reading, stopped), timeout=wait, return_when=asyncio.FIRST_COMPLETED
                )
                if reading not in done:
                    reading.cancel()
                elif not reading.result():
                    return True
                if self._trickle and loop.time() >= next_byte and not stopped.done():
                    writer.write(self._trickle[position % len(self._trickle) :][:1])
                    position += 1
                    next_byte += self._interval
        except OSError:
            return True
        finally:
            stopped.cancel()
        return False

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._stop.wait()
