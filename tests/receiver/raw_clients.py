"""Clients that write bytes by hand: raw exchanges, idle connections, Basic auth headers."""

import asyncio
import base64

from tests.receiver.loopback import WAIT_SECONDS


def auth(user: str, password: str) -> dict[str, str]:
    """A Basic Authorization header."""
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


async def exchange(port: int, data: bytes) -> bytes:
    """Send raw bytes, return everything the server answers before it closes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        await writer.drain()
        async with asyncio.timeout(WAIT_SECONDS):
            return await reader.read()
    finally:
        writer.close()


async def idle_connections(port: int, count: int) -> list[asyncio.StreamWriter]:
    """Open count connections that send nothing."""
    writers = []
    for _ in range(count):
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        writers.append(writer)
    return writers
