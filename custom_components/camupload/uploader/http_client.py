"""HTTP upload: the JPEG as the body of a POST (or PUT) with Basic auth, Sensr-style."""

import time

import aiohttp

from .errors import AuthenticationError, PermissionDeniedError, ProtocolError, UploadConnectionError
from .model import Destination, OutgoingFile, UploadResult

DEFAULT_HTTP_TIMEOUT = 30.0
MAX_ERROR_TEXT = 200  # characters of the server's answer kept in an error

_UNAUTHORIZED = 401
_FORBIDDEN = 403


def _url(destination: Destination) -> str:
    return (
        f"{destination.protocol}://{destination.host}:{destination.effective_port}"
        f"{destination.effective_http_path}"
    )


class HttpSender:
    """Sends each file as one HTTP request; reuses one aiohttp session (keep-alive)."""

    def __init__(
        self,
        destination: Destination,
        *,
        session: aiohttp.ClientSession | None = None,
        timeout: float = DEFAULT_HTTP_TIMEOUT,
    ) -> None:
        """Use the caller's aiohttp session if given (Home Assistant shares one), else own one."""
        self.destination = destination
        self.timeout = timeout
        self._session = session
        self._owns_session = session is None

    async def upload(self, file: OutgoingFile) -> UploadResult:
        """Send the file; a non-2xx answer raises an UploadError with status and text."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
        destination = self.destination
        url = _url(destination)
        auth = (
            aiohttp.BasicAuth(destination.username, destination.password)
            if destination.username
            else None
        )
        headers = {
            "Content-Type": file.content_type,
            "Content-Disposition": f'attachment; filename="{file.remote.name}"',
        }
        started = time.monotonic()
        try:
            async with self._session.request(
                destination.http_method.value,
                url,
                data=file.data,
                headers=headers,
                auth=auth,
                ssl=destination.verify_tls,
                timeout=aiohttp.ClientTimeout(total=self.timeout),
            ) as response:
                text = (await response.text(errors="replace"))[:MAX_ERROR_TEXT].strip()
                status = response.status
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            msg = f"Cannot send to {url}: {exc or type(exc).__name__}"
            raise UploadConnectionError(msg) from exc
        reply = f"{status} {text}".strip()
        if status == _UNAUTHORIZED:
            msg = f"The server rejected the login of user {destination.username!r}"
            raise AuthenticationError(msg, server_reply=reply)
        if status == _FORBIDDEN:
            msg = "The server refused the upload"
            raise PermissionDeniedError(msg, server_reply=reply)
        if not 200 <= status < 300:  # noqa: PLR2004
            msg = f"The server answered HTTP {status}"
            raise ProtocolError(msg, server_reply=reply)
        return UploadResult(
            path=file.remote.path,
            size=len(file.data),
            seconds=time.monotonic() - started,
            url=url,
        )

    async def close(self) -> None:
        """Close the aiohttp session if this sender created it."""
        if self._owns_session and self._session is not None:
            await self._session.close()
        self._session = None
