"""Receiver soak benchmark (run by hand): many uploads, many clients, RSS sampled throughout.

    .venv/bin/python bench/soak.py [--quick] [--uploads 100000] [--max-seconds 900]

Starts the receiver command (`python -m custom_components.camupload.receiver`) as a process
of its own on loopback, with a passive port range smaller than the number of FTP cameras,
and loads it from worker processes:

- FTP cameras that stay connected and, per upload, MKD and CWD a dated directory level by
  level (`2026-12-02/001/jpg/14/05`, a new leaf per upload by default), STOR under a
  temporary name, then RNFR/RNTO to the final name;
- HTTP photo uploads (`POST /photo/<user>?name=...`) over keep-alive connections;
- MJPEG pushes (`POST /upload/<user>`, multipart, a number of frames per POST);
- idle connections (open, send nothing) and slow ones (a header byte now and then), on the
  FTP port and on the HTTP port, each reopened when the receiver closes it.

Every client speaks from its own 127.x.y.z address. The receiver prints a line per frame:
every upload it answered as accepted (RNTO 250 after STOR 226, HTTP 200, the frame count in
an MJPEG push's 200) must be there exactly once. The receiver's VmRSS is read from /proc
every second: at a fresh start, after warm-up (a share of the uploads published), at its
peak, and at the end, after the load stops and the receiver settles. Prints a table; exits
non-zero only when the harness itself fails, never because of the figures.
"""

import argparse
import asyncio
import contextlib
import math
import multiprocessing
import multiprocessing.connection
import multiprocessing.process
import random
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.receiver import (  # noqa: E402
    free_port,
    jpeg_of_size,
    process_cpu_seconds,
)
from bench.soak_clients import (  # noqa: E402
    DEADLINE_GRACE,
    Camera,
    HeldConnections,
    HeldStats,
    LoadPlan,
    LoadResult,
    client_address,
    run_worker,
)

HOST = "127.0.0.1"
DEFAULT_UPLOADS = 100_000
QUICK_UPLOADS = 5_000
DEFAULT_MAX_SECONDS = 900.0
# Shares of the uploads; MJPEG frames get the rest.
FTP_SHARE = 0.6
HTTP_SHARE = 0.25
# Image sizes the cameras send, in turn (real JPEGs of noise, 10 to 100 KB).
IMAGE_SIZES = (10_000, 20_000, 35_000, 50_000, 75_000, 100_000)
# The target: RSS at the end within this much of RSS after warm-up.
RSS_TARGET_MIB = 20.0
SAMPLE_SECONDS = 1.0
PROGRESS_SECONDS = 15.0
# One address block (the second byte of 127.x.y.z) per kind of client.
BLOCK_FTP, BLOCK_HTTP, BLOCK_MJPEG = 10, 11, 12
BLOCK_FTP_IDLE, BLOCK_FTP_SLOW, BLOCK_HTTP_IDLE, BLOCK_HTTP_SLOW = 13, 14, 15, 16
PASSWORD = "soak-pw"
RECEIVER_START_SECONDS = 10.0
# Where the passive range starts: below Linux's ephemeral ports (32768 and up by default).
PASSIVE_PORTS_FROM = (20_000, 30_000)
RECEIVER_STOP_SECONDS = 30.0
WORKER_START_SECONDS = 60.0
# After the deadline and the workers' own grace, a worker still running is killed.
WORKER_BACKSTOP_SECONDS = 30.0
MIB = 1024 * 1024


class _HelpFormatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """The docstring as written, and every option's default."""


def parse_options() -> argparse.Namespace:
    """The bench's options."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=_HelpFormatter)
    add = parser.add_argument
    add("--uploads", type=int, default=DEFAULT_UPLOADS, help="FTP, HTTP and MJPEG frames in all")
    add("--quick", action="store_true", help=f"{QUICK_UPLOADS} uploads, to try the bench out")
    add("--max-seconds", type=float, default=DEFAULT_MAX_SECONDS, help="no upload starts later")
    add("--ftp-cameras", type=int, default=100, help="FTP cameras that stay connected")
    add("--passive-ports", type=int, default=20, help="size of the passive port range")
    add("--http-clients", type=int, default=20, help="HTTP photo clients")
    add("--mjpeg-streams", type=int, default=8, help="MJPEG push clients")
    add("--frames-per-push", type=int, default=100, help="MJPEG frames per POST")
    add("--idle", type=int, default=10, help="idle connections on each of FTP and HTTP")
    add("--slow", type=int, default=10, help="slow connections on each of FTP and HTTP")
    add("--trickle-seconds", type=float, default=1.0, help="a slow connection's byte interval")
    add(
        "--camera-interval", type=int, default=60,
        help="simulated seconds between a camera's uploads; the leaf directory is the minute, "
        "so 60 makes a new one per upload",
    )  # fmt: skip
    add(
        "--pause", type=float, default=0.0,
        help="seconds (50%% to 150%%) an FTP or HTTP camera waits between uploads; 0 sends "
        "as fast as the receiver answers",
    )  # fmt: skip
    add("--workers", type=int, default=2, help="client processes")
    add("--warm-up", type=float, default=0.05, help="share of uploads printed at warm-up")
    add("--settle", type=float, default=10.0, help="seconds after the load before the end RSS")
    add("--reply-timeout", type=float, default=60.0, help="longest wait for one upload")
    add("--receiver-args", default="", metavar="ARGS", help="more receiver options, one string")
    add("--samples", type=Path, metavar="FILE.csv", help="write the RSS samples as CSV")
    options = parser.parse_args()
    if options.quick:
        options.uploads = QUICK_UPLOADS
    return options


class FrameTally:
    """The receiver's stdout, a line per frame, counted as it comes (drained by a thread)."""

    def __init__(self, stream: IO[str]) -> None:
        """Start draining stream at once, so that the receiver never blocks on the pipe."""
        self.lines = 0
        self.by_name: Counter[tuple[str, str]] = Counter()
        self.sizes: dict[tuple[str, str], int] = {}
        self.mjpeg: Counter[str] = Counter()
        self.temporary = 0
        self.not_frames: list[str] = []
        self._thread = threading.Thread(target=self._drain, args=(stream,), daemon=True)
        self._thread.start()

    def _drain(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines += 1
            # <time> <source> <username> <frame|file> <size> <name or ->
            parts = line.split()
            if len(parts) < 6 or parts[3] != "frame":
                self.not_frames.append(line.rstrip())
                continue
            _, source, username, _, size, name = parts[:6]
            if source == "mjpeg":
                self.mjpeg[username] += 1
                continue
            if name.endswith(".tmp"):
                self.temporary += 1
            key = (username, name)
            self.by_name[key] += 1
            self.sizes[key] = int(size)

    def join(self) -> None:
        """Wait for the end of the stream."""
        self._thread.join()


@dataclass
class RssSample:
    """One reading of the receiver's memory."""

    seconds: float
    mib: float
    frames: int


@dataclass
class RssLog:
    """Every sample, and the fixed points the table reports."""

    fresh: float = math.nan
    samples: list[RssSample] = field(default_factory=list)
    end: float = math.nan
    # Open files of the receiver: fresh, at the end (idle and slow clients still there),
    # and once every client has gone.
    files: tuple[int, int, int] = (0, 0, 0)

    def first_at(self, frames: int) -> RssSample | None:
        """The first sample taken once frames had been printed."""
        return next((sample for sample in self.samples if sample.frames >= frames), None)

    @property
    def peak(self) -> float:
        """Highest RSS seen."""
        return max([self.fresh, self.end, *(sample.mib for sample in self.samples)])


class ReceiverProcess:
    """The receiver command, with its stdout tallied and its stderr kept in a file."""

    def __init__(self, arguments: list[str], log: Path) -> None:
        """Start the command."""
        self.log = log
        self._log_file = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "custom_components.camupload.receiver", *arguments],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=self._log_file,
            text=True,
        )
        assert self.process.stdout is not None  # noqa: S101 - asked for above
        self.tally = FrameTally(self.process.stdout)

    async def listening(self, *ports: int) -> bool:
        """Wait until the receiver accepts on every port; False if it ends or takes too long."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(RECEIVER_START_SECONDS):
                for port in ports:
                    while self.process.poll() is None:
                        try:
                            _, writer = await asyncio.open_connection(HOST, port)
                        except OSError:
                            await asyncio.sleep(0.05)
                            continue
                        writer.close()
                        break
                return self.process.poll() is None
        return False

    def rss_mib(self) -> float:
        """Resident set size, from /proc; NaN once the process is gone."""
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return math.nan

    def open_files(self) -> int:
        """File descriptors held (sockets included), from /proc; -1 once the process is gone."""
        try:
            return sum(1 for _ in Path(f"/proc/{self.process.pid}/fd").iterdir())
        except OSError:
            return -1

    def cpu_seconds(self) -> float:
        """CPU time used so far; NaN once the process is gone."""
        try:
            return process_cpu_seconds(self.process.pid)
        except OSError:
            return math.nan

    def stop(self) -> str:
        """SIGTERM, wait, read the rest of stdout; say how it ended."""
        began = time.monotonic()
        if self.process.poll() is not None:
            ended = f"ended by itself during the soak, exit status {self.process.returncode}"
        else:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(RECEIVER_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                ended = f"still running {RECEIVER_STOP_SECONDS:.0f} s after SIGTERM, killed"
            else:
                took = time.monotonic() - began
                ended = f"exit status {self.process.returncode}, {took:.1f} s after SIGTERM"
        self.tally.join()
        self._log_file.close()
        return ended

    def log_summary(self) -> tuple[int, int]:
        """Lines in the receiver's log, and tracebacks among them."""
        text = self.log.read_text(errors="replace")
        return text.count("\n"), text.count("Traceback (most recent call last)")


def free_port_range(size: int) -> range:
    """A range of consecutive ports, all free now (checked by binding each).

    Taken below the kernel's ephemeral ports, which clients get for their own end.
    """
    for _ in range(100):
        first = random.randrange(*PASSIVE_PORTS_FROM)  # noqa: S311 - not a secret
        ports = range(first, first + size)
        sockets: list[socket.socket] = []
        try:
            for port in ports:
                sock = socket.socket()
                sockets.append(sock)
                sock.bind((HOST, port))
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
        return ports
    msg = f"no {size} consecutive free ports"
    raise RuntimeError(msg)


@dataclass
class Setup:
    """Who connects, and how the uploads are shared."""

    ftp: list[Camera]
    http: list[Camera]
    mjpeg: list[Camera]
    ftp_uploads: int
    http_uploads: int
    mjpeg_frames: int


def make_setup(options: argparse.Namespace) -> Setup:
    """Accounts and addresses of every camera, and the uploads of each kind."""

    def cameras(prefix: str, count: int, block: int) -> list[Camera]:
        return [
            Camera(f"{prefix}{index:03d}", PASSWORD, client_address(block, index))
            for index in range(count)
        ]

    ftp = round(options.uploads * FTP_SHARE) if options.ftp_cameras else 0
    http = round(options.uploads * HTTP_SHARE) if options.http_clients else 0
    mjpeg = options.uploads - ftp - http if options.mjpeg_streams else 0
    return Setup(
        ftp=cameras("ftp", options.ftp_cameras, BLOCK_FTP),
        http=cameras("http", options.http_clients, BLOCK_HTTP),
        mjpeg=cameras("mjpeg", options.mjpeg_streams, BLOCK_MJPEG),
        ftp_uploads=ftp,
        http_uploads=http,
        mjpeg_frames=mjpeg,
    )


def share(total: int, index: int, parts: int) -> int:
    """Part number index of total split as evenly as possible into parts."""
    return total // parts + (1 if index < total % parts else 0)


def worker_plans(
    setup: Setup,
    options: argparse.Namespace,
    ports: tuple[int, int],
    images: tuple[bytes, ...],
) -> list[LoadPlan]:
    """Split the clients round robin over the workers, each with its clients' uploads."""
    workers = max(options.workers, 1)
    ftp_port, http_port = ports

    def uploads(total: int, clients: int, worker: int) -> int:
        # Each client's share, summed over the clients the worker gets.
        return sum(share(total, index, clients) for index in range(worker, clients, workers))

    return [
        LoadPlan(
            host=HOST,
            ftp_port=ftp_port,
            http_port=http_port,
            ftp_cameras=tuple(setup.ftp[worker::workers]),
            http_clients=tuple(setup.http[worker::workers]),
            mjpeg_clients=tuple(setup.mjpeg[worker::workers]),
            ftp_uploads=uploads(setup.ftp_uploads, len(setup.ftp), worker),
            http_uploads=uploads(setup.http_uploads, len(setup.http), worker),
            mjpeg_frames=uploads(setup.mjpeg_frames, len(setup.mjpeg), worker),
            frames_per_push=options.frames_per_push,
            camera_interval=options.camera_interval,
            images=images,
            reply_timeout=options.reply_timeout,
            pause=options.pause,
        )
        for worker in range(workers)
    ]


def accounts_yaml(setup: Setup) -> str:
    """The receiver's --accounts file."""
    cameras = setup.ftp + setup.http + setup.mjpeg
    return "".join(f'"{camera.username}": "{camera.password}"\n' for camera in cameras)


class Workers:
    """The client processes: started, told when to begin, their results merged."""

    def __init__(self, plans: list[LoadPlan]) -> None:
        """Start one process per plan (spawned: no fork of a process with threads)."""
        context = multiprocessing.get_context("spawn")
        self._pipes: list[multiprocessing.connection.Connection] = []
        self._processes: list[multiprocessing.process.BaseProcess] = []
        for plan in plans:
            mine, theirs = context.Pipe()
            process = context.Process(target=run_worker, args=(plan, theirs), daemon=True)
            process.start()
            theirs.close()
            self._pipes.append(mine)
            self._processes.append(process)

    async def ready(self) -> None:
        """Wait until every worker has imported what it needs; RuntimeError if one cannot."""
        try:
            async with asyncio.timeout(WORKER_START_SECONDS):
                for pipe in self._pipes:
                    if await asyncio.to_thread(pipe.recv) != "ready":
                        msg = "a worker did not say ready"
                        raise RuntimeError(msg)
        except (TimeoutError, EOFError) as err:
            self.kill()
            msg = f"workers did not start: {err!r}"
            raise RuntimeError(msg) from err

    def go(self, deadline: float) -> None:
        """Begin; no upload starts after deadline (a time.time() value)."""
        for pipe in self._pipes:
            pipe.send(deadline)

    async def results(self, deadline: float) -> tuple[LoadResult, list[str]]:
        """Merge the workers' results; harness problems come back as text."""
        merged = LoadResult()
        problems: list[str] = []
        # Workers stop by themselves at the deadline (plus their grace); this is the backstop.
        backstop = deadline + DEADLINE_GRACE + WORKER_BACKSTOP_SECONDS
        for process, pipe in zip(self._processes, self._pipes, strict=True):
            try:
                async with asyncio.timeout(max(backstop - time.time(), 0)):
                    result: LoadResult = await asyncio.to_thread(pipe.recv)
            except TimeoutError:
                problems.append(f"worker {process.pid} sent no result in time, killed")
                process.kill()
            except EOFError:
                problems.append(f"worker {process.pid} ended without a result")
            else:
                merged.merge(result)
            await asyncio.to_thread(process.join, WORKER_BACKSTOP_SECONDS)
        problems += [f"worker error: {error}" for error in merged.errors]
        return merged, problems

    def kill(self) -> None:
        """Stop every worker still running."""
        for process in self._processes:
            if process.is_alive():
                process.kill()


async def sample_rss(receiver: ReceiverProcess, log: RssLog, began: float) -> None:
    """Sample the receiver's RSS every second until cancelled."""
    while True:
        sample = RssSample(time.monotonic() - began, receiver.rss_mib(), receiver.tally.lines)
        log.samples.append(sample)
        await asyncio.sleep(SAMPLE_SECONDS)


async def report_progress(tally: FrameTally, log: RssLog, target: int, began: float) -> None:
    """A line on stderr now and then, so that a long run shows it is alive."""
    while True:
        await asyncio.sleep(PROGRESS_SECONDS)
        rss = log.samples[-1].mib if log.samples else 0.0
        elapsed = time.monotonic() - began
        print(
            f"  {elapsed:5.0f} s: {tally.lines}/{target} frames printed, RSS {rss:.1f} MiB",
            file=sys.stderr,
        )


@dataclass
class Outcome:
    """Everything the table reports."""

    options: argparse.Namespace
    setup: Setup
    passive: range
    load: LoadResult
    rss: RssLog
    held: dict[str, HeldStats]
    load_seconds: float
    cpu_seconds: float
    tally: FrameTally
    receiver_ended: str
    log_lines: int
    tracebacks: int


def held_connections(
    options: argparse.Namespace, ftp_port: int, http_port: int
) -> dict[str, HeldConnections]:
    """Idle and slow connections on both ports."""

    def addresses(block: int, count: int) -> list[str]:
        return [client_address(block, index) for index in range(count)]

    slow_request = b"POST /photo/http000 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Trickle: "
    interval = options.trickle_seconds
    return {
        "FTP idle": HeldConnections(HOST, ftp_port, addresses(BLOCK_FTP_IDLE, options.idle)),
        "FTP slow": HeldConnections(
            HOST,
            ftp_port,
            addresses(BLOCK_FTP_SLOW, options.slow),
            prefix=b"USER ",
            trickle=b"slowcamera",
            interval=interval,
        ),
        "HTTP idle": HeldConnections(HOST, http_port, addresses(BLOCK_HTTP_IDLE, options.idle)),
        "HTTP slow": HeldConnections(
            HOST,
            http_port,
            addresses(BLOCK_HTTP_SLOW, options.slow),
            prefix=slow_request,
            trickle=b"abcdefgh",
            interval=interval,
        ),
    }


async def soak(options: argparse.Namespace) -> tuple[Outcome, list[str]]:
    """Start the receiver, load it, measure; return the figures and any harness problems."""
    setup = make_setup(options)
    images = tuple(jpeg_of_size(size) for size in IMAGE_SIZES)
    ftp_port = http_port = free_port()
    while http_port == ftp_port:
        http_port = free_port()
    passive = free_port_range(options.passive_ports)
    with tempfile.TemporaryDirectory(prefix="camupload-soak-") as directory:
        accounts = Path(directory) / "accounts.yaml"
        accounts.write_text(accounts_yaml(setup))
        arguments = [
            "--accounts", str(accounts), "--host", HOST,
            "--ftp-port", str(ftp_port), "--http-port", str(http_port),
            "--passive-ports", f"{passive.start}-{passive.stop - 1}",
            *shlex.split(options.receiver_args),
        ]  # fmt: skip
        receiver = ReceiverProcess(arguments, Path(directory) / "receiver.log")
        try:
            return await measure(options, setup, images, receiver, (ftp_port, http_port, passive))
        finally:
            if receiver.process.poll() is None:
                receiver.stop()


async def measure(
    options: argparse.Namespace,
    setup: Setup,
    images: tuple[bytes, ...],
    receiver: ReceiverProcess,
    ports: tuple[int, int, range],
) -> tuple[Outcome, list[str]]:
    """Load a started receiver and take its figures."""
    ftp_port, http_port, passive = ports
    if not await receiver.listening(ftp_port, http_port):
        receiver.stop()
        msg = f"receiver did not start:\n{receiver.log.read_text()}"
        raise RuntimeError(msg)
    workers = Workers(worker_plans(setup, options, (ftp_port, http_port), images))
    try:
        await workers.ready()
        rss = RssLog(fresh=receiver.rss_mib())
        files_fresh = receiver.open_files()
        cpu_before = receiver.cpu_seconds()
        began = time.monotonic()
        background = [
            asyncio.create_task(sample_rss(receiver, rss, began)),
            asyncio.create_task(report_progress(receiver.tally, rss, options.uploads, began)),
        ]
        held = held_connections(options, ftp_port, http_port)
        for connections in held.values():
            connections.start()
        deadline = time.time() + options.max_seconds
        workers.go(deadline)
        load, problems = await workers.results(deadline)
    finally:
        workers.kill()
    load_seconds = time.monotonic() - began
    await asyncio.sleep(options.settle)
    rss.end = receiver.rss_mib()
    files_end = receiver.open_files()
    cpu_seconds = receiver.cpu_seconds() - cpu_before
    held_stats = {name: connections.stats for name, connections in held.items()}
    # What was still open at the end of the load and the settle, before the bench closes it.
    open_at_end = {name: stats.open_now for name, stats in held_stats.items()}
    for connections in held.values():
        await connections.stop()
    for name, stats in held_stats.items():
        stats.open_now = open_at_end[name]
    await asyncio.sleep(SAMPLE_SECONDS)
    rss.files = (files_fresh, files_end, receiver.open_files())
    for task in background:
        task.cancel()
    ended = receiver.stop()
    log_lines, tracebacks = receiver.log_summary()
    outcome = Outcome(
        options=options,
        setup=setup,
        passive=passive,
        load=load,
        rss=rss,
        held=held_stats,
        load_seconds=load_seconds,
        cpu_seconds=cpu_seconds,
        tally=receiver.tally,
        receiver_ended=ended,
        log_lines=log_lines,
        tracebacks=tracebacks,
    )
    return outcome, problems


def percentile(values: list[float], share: float) -> float:
    """A percentile of values (0 if none)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(int(share * len(ordered)), len(ordered) - 1)]


@dataclass
class Check:
    """What the receiver's output says about the accepted uploads."""

    lost: int
    duplicates: int
    wrong_size: int
    unanswered: int
    mjpeg_lost: int
    mjpeg_extra: int


def check(outcome: Outcome) -> Check:
    """Compare what the receiver accepted with what it printed."""
    accepted = outcome.load.accepted
    printed = outcome.tally.by_name
    sizes = outcome.tally.sizes
    mjpeg_lost = mjpeg_extra = 0
    for username in set(outcome.load.mjpeg_accepted) | set(outcome.tally.mjpeg):
        difference = outcome.load.mjpeg_accepted[username] - outcome.tally.mjpeg[username]
        mjpeg_lost += max(difference, 0)
        mjpeg_extra += max(-difference, 0)
    return Check(
        lost=sum(1 for key in accepted if key not in printed),
        duplicates=sum(count - 1 for count in printed.values() if count > 1),
        wrong_size=sum(1 for key, size in accepted.items() if key in sizes and sizes[key] != size),
        unanswered=sum(1 for key in printed if key not in accepted),
        mjpeg_lost=mjpeg_lost,
        mjpeg_extra=mjpeg_extra,
    )


def verdict(met: bool) -> str:  # noqa: FBT001 - a yes/no cell
    """A cell for the target column."""
    return "met" if met else "MISSED"


def rss_rows(rss: RssLog, warm_up_frames: int, uploads: int) -> list[tuple[str, str, str]]:
    """RSS at the fixed points of the run."""
    rows = [("RSS, fresh start (listening, no client yet)", f"{rss.fresh:.1f} MiB", "-")]
    warm = rss.first_at(warm_up_frames)
    for quarter in (0.25, 0.5, 0.75):
        sample = rss.first_at(int(uploads * quarter))
        if sample is not None:
            rows.append((f"RSS at {quarter:.0%} of the uploads", f"{sample.mib:.1f} MiB", "-"))
    rows.append(("RSS peak", f"{rss.peak:.1f} MiB", "-"))
    rows.append(("RSS at the end (after settle)", f"{rss.end:.1f} MiB", "-"))
    rows.append(("RSS end - fresh start", f"{rss.end - rss.fresh:+.1f} MiB", "-"))
    if warm is None:
        rows.insert(1, ("RSS after warm-up", "warm-up never reached", "-"))
        rows.append(("RSS end - warm-up", "n/a", f"<= {RSS_TARGET_MIB:.0f} MiB: n/a"))
    else:
        label = f"RSS after warm-up ({warm_up_frames} frames, {warm.seconds:.0f} s)"
        rows.insert(1, (label, f"{warm.mib:.1f} MiB", "-"))
        growth = rss.end - warm.mib
        rows.append(
            (
                "RSS end - warm-up",
                f"{growth:+.1f} MiB",
                f"<= {RSS_TARGET_MIB:.0f} MiB: {verdict(growth <= RSS_TARGET_MIB)}",
            )
        )
    return rows


def table_rows(outcome: Outcome) -> list[tuple[str, str, str]]:
    """The table, row by row: measure, result, target."""
    options, setup, load = outcome.options, outcome.setup, outcome.load
    found = check(outcome)
    accepted_ftp = sum(1 for key in load.accepted if key[0].startswith("ftp"))
    accepted_http = len(load.accepted) - accepted_ftp
    accepted_mjpeg = sum(load.mjpeg_accepted.values())
    accepted = len(load.accepted) + accepted_mjpeg
    attempted = sum(load.attempted.values())
    refused = sum(load.refused.values())
    rate = accepted / outcome.load_seconds if outcome.load_seconds else 0.0
    rows = [
        (
            "clients",
            (
                f"{len(setup.ftp)} FTP cameras on {len(outcome.passive)} passive ports, "
                f"{len(setup.http)} HTTP, {len(setup.mjpeg)} MJPEG; idle {options.idle} + "
                f"slow {options.slow} on each port; {options.workers} client processes"
            ),
            "-",
        ),
        (
            "uploads attempted",
            f"{attempted} of {options.uploads} (FTP {load.attempted['ftp']}, "
            f"HTTP {load.attempted['http']}, MJPEG frames {load.attempted['mjpeg']})"
            + (", cut by --max-seconds" if load.cut_by_deadline else ""),
            "-",
        ),
        (
            "uploads accepted",
            f"{accepted} (FTP {accepted_ftp}, HTTP {accepted_http}, MJPEG {accepted_mjpeg})",
            "-",
        ),
        (
            "load time, accepted uploads/s",
            (
                f"{outcome.load_seconds:.0f} s, {rate:.0f}/s (receiver CPU "
                f"{outcome.cpu_seconds:.0f} s, "
                f"{outcome.cpu_seconds * 1000 / max(accepted, 1):.2f} ms per upload)"
            ),
            "-",
        ),
        ("refused", f"{refused}", f"0: {verdict(refused == 0)}"),
    ]
    rows += [
        (f"  {why}", str(count), "-") for why, count in sorted(load.refused.items(), key=_by_count)
    ]
    lost = found.lost + found.mjpeg_lost
    rows += [
        ("accepted but not printed (lost)", str(lost), f"0: {verdict(lost == 0)}"),
        (
            "printed more than once",
            str(found.duplicates + found.mjpeg_extra),
            f"0: {verdict(found.duplicates == 0)}",
        ),
        ("printed with another size", str(found.wrong_size), f"0: {verdict(not found.wrong_size)}"),
        ("temporary names printed", str(outcome.tally.temporary), "0"),
        ("printed, not answered as accepted", str(found.unanswered), "-"),
    ]
    if outcome.tally.not_frames:
        rows.append(("other output lines", str(len(outcome.tally.not_frames)), "0"))
    for kind in ("ftp", "http", "mjpeg push"):
        values = load.latencies.get(kind, [])
        if values:
            rows.append(
                (
                    f"{kind} latency p50 / p99 / max",
                    " / ".join(
                        f"{value * 1000:.0f}"
                        for value in (percentile(values, 0.5), percentile(values, 0.99))
                    )
                    + f" / {max(values) * 1000:.0f} ms",
                    "-",
                )
            )
    rows += rss_rows(outcome.rss, int(options.uploads * options.warm_up), options.uploads)
    for name, stats in outcome.held.items():
        lifetime = (
            f", after {statistics.median(stats.lifetimes):.0f} s (median)"
            if stats.lifetimes
            else ""
        )
        rows.append(
            (
                f"{name} connections",
                f"opened {stats.opened}, closed by the receiver {stats.closed_by_server}"
                f"{lifetime}, open at the end {stats.open_now}"
                + (f", connect refused {stats.refused}" if stats.refused else ""),
                "-",
            )
        )
    fresh, end, gone = outcome.rss.files
    rows.append(
        (
            "receiver open files",
            f"fresh {fresh}, at the end {end}, once every client left {gone}",
            "-",
        )
    )
    rows.append(("receiver stop", outcome.receiver_ended, "-"))
    rows.append(
        (
            "receiver log (stderr)",
            f"{outcome.log_lines} lines, {outcome.tracebacks} tracebacks",
            "-",
        )
    )
    return rows


def _by_count(item: tuple[str, int]) -> tuple[int, str]:
    return -item[1], item[0]


def print_table(rows: list[tuple[str, str, str]]) -> None:
    """Print rows as a Markdown table."""
    header = ("measure", "result", "target")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(3)]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")


def write_samples(path: Path, rss: RssLog) -> None:
    """The RSS samples as CSV."""
    lines = ["seconds,rss_mib,frames_printed"]
    lines += [f"{s.seconds:.1f},{s.mib:.2f},{s.frames}" for s in rss.samples]
    path.write_text("\n".join(lines) + "\n")


def main() -> int:
    """Run the soak and print the table; 1 on a harness error."""
    options = parse_options()
    try:
        outcome, problems = asyncio.run(soak(options))
    except (RuntimeError, OSError) as err:
        print(f"harness error: {err}", file=sys.stderr)
        return 1
    print_table(table_rows(outcome))
    if options.samples is not None:
        write_samples(options.samples, outcome.rss)
    for problem in problems:
        print(f"harness error: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
