"""The receiver's command line: options, account files and the frame writer."""

import argparse
import asyncio
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import TextIO

import yaml  # type: ignore[import-untyped]  # the venvs have no types-PyYAML

from .errors import AccountError
from .model import (
    DEFAULT_FTP_PORT,
    DEFAULT_HOST,
    DEFAULT_HTTP_PORT,
    DEFAULT_MAX_UPLOAD_SIZE,
    DEFAULT_MEMORY_BUDGET,
    Account,
    ReceivedFile,
    ReceivedFrame,
    ReceiverConfig,
    escape_unprintable,
    safe_name,
)

_MIB = 1024 * 1024


def _camera(value: str) -> Account:
    username, colon, password = value.partition(":")
    if not colon or not username or not password:
        msg = f"expected USER:PASSWORD, got {value!r}"
        raise argparse.ArgumentTypeError(msg)
    return Account(username, password, username)


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        msg = f"expected a whole number of at least 1, got {value!r}"
        raise argparse.ArgumentTypeError(msg)
    return number


def _port_range(value: str) -> range:
    low, dash, high = value.partition("-")
    try:
        first, last = int(low), int(high)
    except ValueError:
        first = last = -1
    if not dash or not 0 < first <= last <= 65535:  # noqa: PLR2004 - highest TCP port
        msg = f"expected LOW-HIGH ports, got {value!r}"
        raise argparse.ArgumentTypeError(msg)
    return range(first, last + 1)


def build_parser() -> argparse.ArgumentParser:
    """Describe the command's options."""
    parser = argparse.ArgumentParser(
        prog="python -m custom_components.camupload.receiver",
        description="Receive camera images over FTP, HTTP photo upload and MJPEG push "
        "(Sensr back-end contract). Prints one line per frame.",
    )
    parser.add_argument(
        "--camera", action="append", type=_camera, default=[], metavar="USER:PASSWORD",
        help="a camera login (repeatable)",
    )  # fmt: skip
    parser.add_argument(
        "--accounts", type=Path, metavar="FILE.yaml",
        help="YAML mapping username: password (or {password, camera_id})",
    )  # fmt: skip
    parser.add_argument("--host", default=DEFAULT_HOST, help="address to listen on (%(default)s)")
    parser.add_argument("--ftp-port", type=int, default=DEFAULT_FTP_PORT,
                        help="FTP port, 0 turns FTP off (%(default)s)")  # fmt: skip
    parser.add_argument("--http-port", type=int, default=DEFAULT_HTTP_PORT,
                        help="HTTP port, 0 turns HTTP off (%(default)s)")  # fmt: skip
    parser.add_argument("--passive-ports", type=_port_range, metavar="LOW-HIGH",
                        help="FTP passive port range (default: any free port)")  # fmt: skip
    parser.add_argument("--public-address", metavar="ADDR",
                        help="IPv4 address announced in PASV replies (Docker, NAT)")  # fmt: skip
    parser.add_argument("--max-size", type=int, default=DEFAULT_MAX_UPLOAD_SIZE, metavar="BYTES",
                        help="largest accepted upload or frame (%(default)s)")  # fmt: skip
    parser.add_argument("--memory-budget-mb", type=_positive, default=DEFAULT_MEMORY_BUDGET // _MIB,
                        metavar="MIB", help="memory for all client buffers together; past it an "
                        "upload is refused: HTTP 503, FTP 452 or 451 (%(default)s)")  # fmt: skip
    parser.add_argument(
        "--out", type=Path, metavar="DIR",
        help="save frames as DIR/<username>/<time>.jpg, "
        "files as DIR/<username>/files/<time>-<name>",
    )  # fmt: skip
    return parser


def load_accounts(path: Path) -> list[Account]:
    """Read accounts from a YAML mapping."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        msg = f"{path}: expected a mapping of username: password"
        raise AccountError(msg)
    accounts = []
    for username, value in data.items():
        if isinstance(value, dict):
            password, camera_id = value.get("password"), value.get("camera_id", username)
        else:
            password, camera_id = value, username
        if not isinstance(password, str | int):
            msg = f"{path}: no password for {username!r}"
            raise AccountError(msg)
        accounts.append(Account(str(username), str(password), str(camera_id)))
    return accounts


def config_from(options: argparse.Namespace) -> ReceiverConfig:
    """Turn parsed options into a receiver config (port 0 turns a protocol off)."""
    return ReceiverConfig(
        host=options.host,
        ftp_port=options.ftp_port or None,
        http_port=options.http_port or None,
        passive_ports=options.passive_ports,
        public_address=options.public_address,
        max_upload_size=options.max_size,
        memory_budget=options.memory_budget_mb * _MIB,
    )


def saved_name(item: ReceivedFrame | ReceivedFile, number: int = 0) -> PurePosixPath:
    r"""Where --out keeps an item, relative to DIR: a name of its own inside the camera's folder.

    Frames are named by the time they arrived; files by that time and the safe form of the
    name they came with (see model.safe_name: "x\..", "../a", control characters and long
    names all become one plain name). number tells apart items of a camera that arrived in
    the same microsecond.
    """
    stamp = f"{item.received_at:%Y%m%dT%H%M%S.%fZ}" + (f"-{number}" if number else "")
    folder = PurePosixPath(safe_name(item.username, default="camera"))
    if isinstance(item, ReceivedFrame):
        return folder / f"{stamp}.jpg"
    return folder / "files" / safe_name(f"{stamp}-{safe_name(item.file_name)}")


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Exclusive: a name taken already is an error to report, never a file overwritten.
    with path.open("xb") as stream:
        stream.write(data)


class FramePrinter:
    """The command's sink: print a line per item, optionally save it (off the event loop)."""

    def __init__(
        self, out: Path | None, stream: TextIO = sys.stdout, errors: TextIO = sys.stderr
    ) -> None:
        """Print to stream; save below out when given, reporting failed saves to errors."""
        self._out = out
        self._stream = stream
        self._errors = errors
        self._writes: set[asyncio.Task[None]] = set()
        # Per camera: the last arrival time named, and how many items had it.
        self._last: dict[str, tuple[datetime, int]] = {}

    def __call__(self, item: ReceivedFrame | ReceivedFile) -> None:
        """Handle one frame or file."""
        kind = "frame" if isinstance(item, ReceivedFrame) else "file"
        user, name = escape_unprintable(item.username), escape_unprintable(item.file_name or "-")
        line = f"{item.received_at.isoformat()} {item.source} {user} {kind} {len(item.data)} {name}"
        if self._out is not None:
            target = self._out / self._name(item)
            line += f" {target}"
            task = asyncio.get_running_loop().create_task(
                asyncio.to_thread(_write, target, item.data)
            )
            self._writes.add(task)
            task.add_done_callback(lambda done: self._written(done, target))
        self._stream.write(line + "\n")
        self._stream.flush()

    def _name(self, item: ReceivedFrame | ReceivedFile) -> PurePosixPath:
        last_at, count = self._last.get(item.username, (None, 0))
        number = count + 1 if last_at == item.received_at else 0
        self._last[item.username] = (item.received_at, number)
        return saved_name(item, number)

    def _written(self, task: asyncio.Task[None], target: Path) -> None:
        self._writes.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            self._errors.write(f"error: could not save {target}: {error}\n")
            self._errors.flush()

    async def drain(self) -> None:
        """Wait for pending writes (a failed one is reported, not raised)."""
        if self._writes:
            await asyncio.gather(*self._writes, return_exceptions=True)


def parse(argv: Sequence[str] | None = None) -> tuple[argparse.Namespace, list[Account]]:
    """Parse argv; exits with a usage error when no camera is given."""
    parser = build_parser()
    options = parser.parse_args(argv)
    accounts: list[Account] = list(options.camera)
    if options.accounts is not None:
        try:
            accounts += load_accounts(options.accounts)
        except (OSError, yaml.YAMLError, AccountError) as err:
            parser.error(str(err))
    if not accounts:
        parser.error("give at least one --camera USER:PASSWORD or --accounts FILE.yaml")
    return options, accounts
