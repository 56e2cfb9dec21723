"""Command line: `python -m custom_components.camupload.uploader --url URL [options] FILE...`."""

import argparse
import asyncio
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .dispatcher import Dispatcher
from .errors import TemplateError, UploadError
from .model import Destination, OutgoingFile, Protocol, UploadProfile
from .network_test import run_network_test
from .sender import open_sender
from .spool import DEFAULT_MAX_BYTES, SpoolQueue
from .templates import NamingContext, render_destination

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def parse_url(url: str, *, active: bool = False, verify_tls: bool = True) -> Destination:
    """Turn `ftp://USER:PASS@HOST:PORT/`, `ftps://...` or `http://USER:PASS@HOST/photo/USER`."""
    parts = urlsplit(url)
    try:
        protocol = Protocol(parts.scheme.lower())
    except ValueError:
        msg = f"unsupported URL scheme {parts.scheme!r}: use ftp, ftps, http or https"
        raise ValueError(msg) from None
    if not parts.hostname:
        msg = f"no host in URL {url!r}"
        raise ValueError(msg)
    return Destination(
        protocol=protocol,
        host=parts.hostname,
        port=parts.port,
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        passive=not active,
        verify_tls=verify_tls,
        http_path="" if protocol.is_ftp else parts.path,
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m custom_components.camupload.uploader",
        description="Upload files MOBOTIX-style over FTP, FTPS (explicit TLS) or HTTP.",
    )
    parser.add_argument("--url", required=True, help="ftp://USER:PASS@HOST:PORT/, ftps://..., "
                        "or http://USER:PASS@HOST:PORT/photo/USER")  # fmt: skip
    parser.add_argument("--active", action="store_true", help="active FTP (default: passive)")
    parser.add_argument("--no-verify", action="store_true", help="accept any TLS certificate")
    parser.add_argument("--directory", default="", help="directory template, e.g. $(TEXT.FTPDIR)")
    parser.add_argument("--file-name", default="", help="file name template (default: the "
                        "local file's name), e.g. $(TEXT.FTPFILE).jpg")  # fmt: skip
    parser.add_argument("--camera-name", default="camera", help="for $(ID.NAM), $(TEXT.FTPDIR)")
    parser.add_argument("--profile-number", type=int, default=1)
    parser.add_argument("--temporary-name", action="store_true", help="store, then rename")
    parser.add_argument("--delete-before-rename", action="store_true")
    parser.add_argument("--event-directory", action="store_true")
    parser.add_argument("--event", type=int, default=0, help="event number for $(FPR.ENO)")
    parser.add_argument("--streaming", action="store_true", help="one connection for all files")
    parser.add_argument("--spool", type=Path, help="spool directory for undelivered files")
    parser.add_argument("--spool-max-bytes", type=int, default=DEFAULT_MAX_BYTES)
    parser.add_argument("--test", action="store_true", help="print the network test log")
    parser.add_argument("files", nargs="*", type=Path, metavar="FILE")
    return parser


async def _network_test(destination: Destination, directory: tuple[str, ...]) -> int:
    log = await run_network_test(destination, directory)
    for line in log.lines():
        print(line)  # noqa: T201
    return EXIT_OK if log.ok else EXIT_FAILED


async def _upload(args: argparse.Namespace, destination: Destination) -> int:
    context = NamingContext(
        camera_name=args.camera_name, when=datetime.now().astimezone(), event=args.event
    )
    sender = open_sender(destination, streaming=args.streaming)
    spool = SpoolQueue(args.spool, max_bytes=args.spool_max_bytes) if args.spool else None
    dispatcher = Dispatcher(sender, spool) if spool is not None else None
    failed = 0
    try:
        if dispatcher is not None:
            await dispatcher.spool.open()
            failed += await _flush_spool(dispatcher)
        for frame, path in enumerate(args.files, start=1):
            profile = UploadProfile(
                number=args.profile_number,
                directory=args.directory,
                file_name=args.file_name or path.name,
                temporary_name=args.temporary_name,
                delete_before_rename=args.delete_before_rename,
                event_directory=args.event_directory,
            )
            frame_context = NamingContext(
                camera_name=context.camera_name,
                when=datetime.now().astimezone(),
                event=context.event,
                frame=frame,
            )
            file = OutgoingFile(
                remote=render_destination(profile, frame_context),
                data=await asyncio.to_thread(path.read_bytes),
            )
            failed += await _send_one(sender, dispatcher, path, file)
    finally:
        await sender.close()
    return EXIT_OK if failed == 0 else EXIT_FAILED


async def _flush_spool(dispatcher: Dispatcher) -> int:
    """Deliver what an earlier run spooled, oldest first; stop at the first failure."""
    while (entry := await dispatcher.spool.peek()) is not None:
        try:
            result = await dispatcher.sender.upload(entry.file)
        except UploadError as err:
            print(f"SPOOLED {entry.file.remote.path}: {err}")  # noqa: T201
            return 1
        await dispatcher.spool.remove(entry)
        print(f"OK {result.url} {result.size} bytes {result.seconds:.3f} s (from spool)")  # noqa: T201
    return 0


async def _send_one(
    sender: object, dispatcher: Dispatcher | None, path: Path, file: OutgoingFile
) -> int:
    try:
        if dispatcher is not None:
            result = await dispatcher.submit(file)
        else:
            result = await sender.upload(file)  # type: ignore[attr-defined]
    except UploadError as err:
        print(f"FAILED {path}: {err}")  # noqa: T201
        return 1
    if result is None:
        error = dispatcher.last_error if dispatcher is not None else None
        print(f"SPOOLED {path} -> {file.remote.path}: {error or 'queued behind the spool'}")  # noqa: T201
        return 1
    print(f"OK {path} -> {result.url} {result.size} bytes {result.seconds:.3f} s")  # noqa: T201
    return 0


async def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; return the exit code (0 only when everything was delivered)."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        destination = parse_url(args.url, active=args.active, verify_tls=not args.no_verify)
        if args.test:
            probe = UploadProfile(directory=args.directory, file_name="probe")
            context = NamingContext(camera_name=args.camera_name, when=datetime.now().astimezone())
            directory = render_destination(probe, context).directory
            return await _network_test(destination, directory)
        if not args.files:
            parser.error("give at least one FILE (or --test)")
        return await _upload(args, destination)
    except (ValueError, TemplateError) as err:
        print(f"error: {err}", file=sys.stderr)  # noqa: T201
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
