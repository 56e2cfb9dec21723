"""python -m custom_components.camupload.receiver: run the receiver on its own."""

import asyncio
import signal
import sys

from .command import FramePrinter, config_from, parse
from .errors import ReceiverError
from .server import Receiver


def _say(message: str) -> None:
    """Status lines go to stderr: stdout carries one line per frame."""
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


async def run(argv: list[str] | None = None) -> int:
    """Run until Ctrl-C or SIGTERM; return the exit status."""
    options, accounts = parse(argv)
    printer = FramePrinter(options.out)
    try:
        receiver = Receiver(config_from(options), accounts, printer)
    except ReceiverError as err:
        _say(f"error: {err}")
        return 2
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await receiver.start()
    except ReceiverError as err:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        _say(f"error: {err}")
        return 1
    host = receiver.config.host
    if receiver.ftp_port is not None:
        _say(f"ftp listening on {host}:{receiver.ftp_port}")
    if receiver.http_port is not None:
        _say(f"http listening on {host}:{receiver.http_port}")
    try:
        await stop.wait()
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        await receiver.stop()
        await printer.drain()
    _say("stopped")
    return 0


def main() -> None:
    """Entry point."""
    sys.exit(asyncio.run(run()))


if __name__ == "__main__":
    main()
