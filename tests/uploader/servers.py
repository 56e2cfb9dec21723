"""Real FTP servers (vsftpd, pure-ftpd, proftpd) on 127.0.0.1, each with a config of its own.

The servers are unpacked by scripts/setup under `.servers/root` (never installed as services).
Every server runs as a subprocess with files only under the test's tmp directory:

- vsftpd: anonymous login (vsftpd checks passwords only through PAM, which reads its service
  files from /etc/pam.d; anonymous needs no system change). Files are written as user `daemon`
  below `incoming/` (vsftpd refuses a writable chroot root for anonymous sessions). A password
  listed in its banned-e-mail file is refused, which gives a login failure to test.
- pure-ftpd: a virtual user in its own puredb file made with pure-pw.
- proftpd: a virtual user in its own AuthUserFile (openssl passwd hash).
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from custom_components.camupload.uploader.model import Destination, Protocol
from tests.ports import free_port

REPO = Path(__file__).resolve().parents[2]
SERVERS_ROOT = REPO / ".servers" / "root"
VSFTPD = SERVERS_ROOT / "usr/sbin/vsftpd"
PURE_FTPD = SERVERS_ROOT / "usr/sbin/pure-ftpd"
PURE_PW = SERVERS_ROOT / "usr/bin/pure-pw"
PROFTPD = SERVERS_ROOT / "usr/sbin/proftpd"
PROFTPD_MODULES = SERVERS_ROOT / "usr/lib/proftpd"

USER = "camtest"
PASSWORD = "s3cret-pass"
BAD_PASSWORD = "wrong@example.com"
SYSTEM_USER = "daemon"  # an account whose home exists, so servers can switch to it
SYSTEM_UID = 1
START_TIMEOUT = 10.0


def _sha512_crypt(password: str) -> str:
    return subprocess.run(
        ["openssl", "passwd", "-6", password], check=True, capture_output=True, text=True
    ).stdout.strip()


def _descendants(pid: int) -> list[int]:
    """The processes a server forked, children first found by /proc's parent links."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents[int(stat.parent.name)] = int(fields[1])
    found: list[int] = []
    frontier = [pid]
    while frontier:
        current = frontier.pop()
        children = [child for child, parent in parents.items() if parent == current]
        found += children
        frontier += children
    return found


def require(binary: Path) -> None:
    """Skip the test with a clear reason when scripts/setup has not unpacked the server."""
    if not binary.exists():
        pytest.skip(f"{binary} is missing: run scripts/setup to unpack the FTP servers")


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """Generate a self-signed certificate for 127.0.0.1 with openssl."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@dataclass
class FtpServer:
    """A running server: where it listens, how to log in, where files land on disk."""

    name: str
    command: list[str]
    port: int
    files: Path  # the directory the login lands in
    username: str = USER
    password: str = PASSWORD
    writable: tuple[str, ...] = ()  # the directory to upload into, relative to the login
    certificate: Path | None = None
    log: Path | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        # A session of its own: stop() ends the server and the session processes it forked.
        self.process = subprocess.Popen(
            self.command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.process.stderr.read() if self.process.stderr else b""
                msg = f"{self.name} exited: {err.decode(errors='replace')}"
                raise RuntimeError(msg)
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        msg = f"{self.name} did not listen on port {self.port}"
        raise RuntimeError(msg)

    def stop(self) -> None:
        """Stop the server and every session process it started."""
        if self.process is None:
            return
        # vsftpd's session processes call setsid(), so end the server's descendants by pid.
        for pid in [*_descendants(self.process.pid), self.process.pid]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait(5)
        if self.process.stderr:
            self.process.stderr.close()
        self.process = None

    def destination(self, **overrides: Any) -> Destination:  # noqa: ANN401
        """A Destination for this server; keyword arguments override fields."""
        values: dict[str, Any] = {
            "protocol": Protocol.FTP,
            "host": "127.0.0.1",
            "port": self.port,
            "username": self.username,
            "password": self.password,
        }
        values.update(overrides)
        return Destination(**values)

    def path(self, *parts: str) -> Path:
        """Where an uploaded file lands on disk, below the writable directory."""
        return self.files.joinpath(*self.writable, *parts)


def vsftpd(tmp: Path, *, tls: bool = False) -> FtpServer:
    """Configure vsftpd (anonymous uploads below incoming/), optionally with explicit TLS."""
    require(VSFTPD)
    port = free_port()
    files = tmp / "vsftpd-root"
    (files / "incoming").mkdir(parents=True)
    files.chmod(0o755)
    (files / "incoming").chmod(0o777)
    (tmp / "vsftpd-empty").mkdir()
    banned = tmp / "vsftpd-banned"
    banned.write_text(BAD_PASSWORD + "\n")
    lines = [
        "listen=YES",
        "listen_address=127.0.0.1",
        f"listen_port={port}",
        "background=NO",
        "seccomp_sandbox=NO",
        "anonymous_enable=YES",
        "local_enable=NO",
        "write_enable=YES",
        f"ftp_username={SYSTEM_USER}",
        f"anon_root={files}",
        "anon_upload_enable=YES",
        "anon_mkdir_write_enable=YES",
        "anon_other_write_enable=YES",
        "anon_umask=022",
        "pasv_enable=YES",
        "pasv_address=127.0.0.1",
        "port_enable=YES",
        "connect_from_port_20=NO",
        f"secure_chroot_dir={tmp / 'vsftpd-empty'}",
        "xferlog_enable=NO",
        "deny_email_enable=YES",
        f"banned_email_file={banned}",
        "max_per_ip=0",
        "max_clients=0",
    ]
    certificate = None
    if tls:
        certificate, key = make_certificate(tmp)
        lines += [
            "ssl_enable=YES",
            "allow_anon_ssl=YES",
            "force_anon_logins_ssl=YES",
            "force_anon_data_ssl=YES",
            "require_ssl_reuse=YES",
            "ssl_ciphers=HIGH",
            f"rsa_cert_file={certificate}",
            f"rsa_private_key_file={key}",
        ]
    config = tmp / "vsftpd.conf"
    config.write_text("\n".join(lines) + "\n")
    return FtpServer(
        name="vsftpd",
        command=[str(VSFTPD), str(config)],
        port=port,
        files=files,
        username="anonymous",
        password="camera@example.com",
        writable=("incoming",),
        certificate=certificate,
    )


def pure_ftpd(tmp: Path) -> FtpServer:
    """Configure pure-ftpd with one virtual user in its own puredb."""
    require(PURE_FTPD)
    port = free_port()
    files = tmp / "pure-root"
    files.mkdir()
    files.chmod(0o777)
    passwd, pdb = tmp / "pureftpd.passwd", tmp / "pureftpd.pdb"
    # pure-pw would hash with slow argon2; a SHA-512 crypt hash keeps each login quick.
    hashed = _sha512_crypt(PASSWORD)
    passwd.write_text(f"{USER}:{hashed}:{SYSTEM_UID}:{SYSTEM_UID}::{files}/./::::::::::::\n")
    subprocess.run(
        [str(PURE_PW), "mkdb", str(pdb), "-f", str(passwd)], check=True, capture_output=True
    )
    command = [
        str(PURE_FTPD),
        "-S", f"127.0.0.1,{port}",
        "-l", f"puredb:{pdb}",
        "-E",  # no anonymous logins
        "-H",  # no reverse DNS
        "-u", str(SYSTEM_UID),
        "-g", str(tmp / "pure-ftpd.pid"),
        "-P", "127.0.0.1",
    ]  # fmt: skip
    return FtpServer(name="pure-ftpd", command=command, port=port, files=files)


def proftpd(tmp: Path, *, allow_overwrite: bool = True) -> FtpServer:
    """Configure proftpd with an AuthUserFile; `allow_overwrite=False` refuses renaming over."""
    require(PROFTPD)
    port = free_port()
    files = tmp / "proftpd-root"
    files.mkdir()
    files.chmod(0o777)
    hashed = _sha512_crypt(PASSWORD)
    passwd, group = tmp / "proftpd.passwd", tmp / "proftpd.group"
    # uid 0: proftpd enters the chroot as the user, and pytest's tmp parents are root-only.
    passwd.write_text(f"{USER}:{hashed}:0:0::{files}:/bin/false\n")
    passwd.chmod(0o600)
    group.write_text("root:x:0:\n")
    group.chmod(0o600)
    log = tmp / "proftpd.log"
    config = tmp / "proftpd.conf"
    config.write_text(
        f"""
ServerType standalone
DefaultServer on
ServerName "camupload test"
Port {port}
DefaultAddress 127.0.0.1
UseIPv6 off
User root
Group root
PidFile {tmp / "proftpd.pid"}
ScoreboardFile {tmp / "proftpd.scoreboard"}
DelayTable none
WtmpLog off
UseReverseDNS off
SystemLog {log}
TransferLog none
ModulePath {PROFTPD_MODULES}
AuthOrder mod_auth_file.c
AuthUserFile {passwd}
AuthGroupFile {group}
RequireValidShell off
RootLogin on
DefaultRoot ~
Umask 022
AllowOverwrite {"on" if allow_overwrite else "off"}
MaxInstances 30
<Directory />
  AllowOverwrite {"on" if allow_overwrite else "off"}
</Directory>
"""
    )
    return FtpServer(
        name="proftpd",
        command=[str(PROFTPD), "-n", "-q", "-c", str(config)],
        port=port,
        files=files,
        log=log,
    )


def started(server: FtpServer) -> FtpServer:
    """Start the server, copying nothing; convenience for fixtures."""
    server.start()
    return server


def which(tool: str) -> str:
    """Return a client tool's path or skip the test."""
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} is not installed: run scripts/setup")
    return path
