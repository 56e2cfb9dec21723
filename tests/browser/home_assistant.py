"""A real Home Assistant process for the browser tests: started, onboarded over REST, stopped."""

import asyncio
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any

import aiohttp

REPOSITORY = Path(__file__).parent.parent.parent
START_TIMEOUT = 60.0  # seconds until /api/onboarding answers (about 6 s here)
STOP_TIMEOUT = 20.0
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=15)

OWNER_NAME = "Browser Test"
OWNER_USERNAME = "owner"
OWNER_PASSWORD = "browser-test-password"

# Only what the frontend and camupload need: start-up stays fast and offline.
CONFIGURATION = """\
homeassistant:
  name: Browser test
  time_zone: UTC
  country: DE
  unit_system: metric
frontend:
config:
http:
  server_host: 127.0.0.1
  server_port: {port}
logger:
  default: warning
  logs:
    custom_components.camupload: debug
"""


class HomeAssistantError(Exception):
    """Home Assistant did not start, or refused a request."""


@dataclass(frozen=True, kw_only=True)
class Tokens:
    """The owner's tokens, as the frontend keeps them in localStorage["hassTokens"]."""

    access_token: str
    refresh_token: str
    expires_in: int

    def frontend_storage(self, url: str) -> str:
        """The JSON the frontend reads from localStorage["hassTokens"] to skip the login page."""
        return json.dumps(
            {
                "access_token": self.access_token,
                "token_type": "Bearer",
                "expires_in": self.expires_in,
                "refresh_token": self.refresh_token,
                "hassUrl": url,
                "clientId": f"{url}/",
                "expires": int(time.time() * 1000) + self.expires_in * 1000,
            }
        )


class HomeAssistantProcess:
    """`python -m homeassistant` on a loopback port with camupload loaded from this tree."""

    def __init__(self, config_dir: Path, port: int) -> None:
        """Prepare a configuration folder; start() runs it."""
        self.config_dir = config_dir
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = config_dir / "home-assistant.out"
        self._process: subprocess.Popen[bytes] | None = None
        self._tokens: Tokens | None = None

    @property
    def tokens(self) -> Tokens:
        """The owner's tokens (after onboard())."""
        if self._tokens is None:
            msg = "not onboarded yet"
            raise HomeAssistantError(msg)
        return self._tokens

    def start(self) -> None:
        """Write the configuration and start Home Assistant (it answers a few seconds later)."""
        self.config_dir.mkdir(parents=True, exist_ok=True)
        (self.config_dir / "configuration.yaml").write_text(
            CONFIGURATION.format(port=self.port), encoding="utf-8"
        )
        env = {**os.environ, "PYTHONPATH": str(REPOSITORY)}
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "homeassistant",
                    "--config",
                    str(self.config_dir),
                    "--skip-pip",  # everything needed is installed; never reach the network
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=self.config_dir,
            )

    def stop(self) -> None:
        """Stop Home Assistant (SIGTERM, then SIGKILL if it hangs)."""
        if self._process is None or self._process.poll() is not None:
            return
        self._process.terminate()
        try:
            self._process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(STOP_TIMEOUT)

    def deprecations(self) -> list[str]:
        """Lines where Home Assistant reported camupload using something deprecated."""
        if not self.log_path.exists():
            return []
        text = self.log_path.read_text(errors="replace")
        return [
            line
            for line in text.splitlines()
            if "deprecat" in line.lower() and "camupload" in line.lower()
        ]

    def log_tail(self, lines: int = 40) -> str:
        """The end of Home Assistant's output, for failure messages."""
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    async def wait_until_up(self, session: aiohttp.ClientSession) -> None:
        """Wait until onboarding answers (the frontend is served from then on)."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                msg = f"Home Assistant exited with {self._process.returncode}:\n{self.log_tail()}"
                raise HomeAssistantError(msg)
            try:
                async with session.get(f"{self.url}/api/onboarding") as response:
                    if response.status == HTTPStatus.OK:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.25)
        msg = f"Home Assistant did not answer within {START_TIMEOUT} s:\n{self.log_tail()}"
        raise HomeAssistantError(msg)

    async def onboard(self, session: aiohttp.ClientSession) -> Tokens:
        """Every onboarding step over REST, as the onboarding pages do; returns the tokens."""
        client_id = f"{self.url}/"
        user = await self._post(
            session,
            "/api/onboarding/users",
            {
                "client_id": client_id,
                "name": OWNER_NAME,
                "username": OWNER_USERNAME,
                "password": OWNER_PASSWORD,
                "language": "en",
            },
        )
        self._tokens = await self._token(session, client_id, user["auth_code"])
        await self._post(session, "/api/onboarding/core_config", {})
        await self._post(session, "/api/onboarding/analytics", {})
        await self._post(
            session,
            "/api/onboarding/integration",
            {"client_id": client_id, "redirect_uri": f"{self.url}/?auth_callback=1"},
        )
        return self._tokens

    async def _token(self, session: aiohttp.ClientSession, client_id: str, code: str) -> Tokens:
        form = {"grant_type": "authorization_code", "code": code, "client_id": client_id}
        async with session.post(f"{self.url}/auth/token", data=form) as response:
            body = await response.json()
            if response.status != HTTPStatus.OK:
                msg = f"/auth/token answered {response.status}: {body}"
                raise HomeAssistantError(msg)
        return Tokens(
            access_token=body["access_token"],
            refresh_token=body["refresh_token"],
            expires_in=int(body["expires_in"]),
        )

    def _headers(self) -> dict[str, str]:
        if self._tokens is None:
            return {}
        return {"Authorization": f"Bearer {self._tokens.access_token}"}

    async def _post(self, session: aiohttp.ClientSession, path: str, data: Any) -> Any:  # noqa: ANN401 - JSON
        async with session.post(
            f"{self.url}{path}", json=data, headers=self._headers()
        ) as response:
            if response.status != HTTPStatus.OK:
                msg = f"{path} answered {response.status}: {await response.text()}"
                raise HomeAssistantError(msg)
            return await response.json()

    async def get(self, session: aiohttp.ClientSession, path: str) -> Any:  # noqa: ANN401 - JSON
        """GET a REST API path as the owner."""
        async with session.get(f"{self.url}{path}", headers=self._headers()) as response:
            if response.status != HTTPStatus.OK:
                msg = f"{path} answered {response.status}: {await response.text()}"
                raise HomeAssistantError(msg)
            return await response.json()

    async def websocket(self, session: aiohttp.ClientSession, command: dict[str, Any]) -> Any:  # noqa: ANN401 - JSON
        """Send one websocket API command as the owner and return its result."""
        async with session.ws_connect(f"{self.url}/api/websocket") as socket:
            await socket.receive_json()  # auth_required
            await socket.send_json({"type": "auth", "access_token": self.tokens.access_token})
            if (auth := await socket.receive_json())["type"] != "auth_ok":
                msg = f"websocket authentication failed: {auth}"
                raise HomeAssistantError(msg)
            await socket.send_json({"id": 1, **command})
            reply = await socket.receive_json()
        if not reply.get("success"):
            msg = f"{command['type']} failed: {reply.get('error')}"
            raise HomeAssistantError(msg)
        return reply["result"]
