"""The network test log: every step, and the one that failed with the server's words."""

from custom_components.camupload.uploader.model import Destination, Protocol
from custom_components.camupload.uploader.network_test import TEST_FILE_NAME, run_network_test
from tests.ports import free_port
from tests.uploader.servers import BAD_PASSWORD, FtpServer


async def test_all_steps_pass(proftpd_server: FtpServer) -> None:
    """Every step passes and the test file is cleaned up."""
    log = await run_network_test(proftpd_server.destination(), ("net", "test"))
    assert log.ok, log.lines()
    names = [step.name.split()[0] for step in log.steps]
    assert names == ["resolve", "connect", "log", "directory", "store", "rename", "delete"]
    assert "220" in log.steps[1].detail
    assert log.steps[-1].detail == "done"  # the client's True is not what a user should read
    assert log.failed_step is None
    assert (proftpd_server.files / "net" / "test").is_dir()
    assert not (proftpd_server.files / "net" / "test" / TEST_FILE_NAME).exists()


async def test_login_step_fails_with_the_server_reply(vsftpd_server: FtpServer) -> None:
    """The failed step is the login and shows the server's 530."""
    log = await run_network_test(vsftpd_server.destination(password=BAD_PASSWORD))
    assert not log.ok
    failed = log.failed_step
    assert failed is not None
    assert failed.name.startswith("log in")
    assert "530" in failed.detail
    assert log.lines()[-1].startswith("FAIL log in")


async def test_directory_step_fails(vsftpd_server: FtpServer) -> None:
    """A directory that cannot be created fails at the directory step."""
    log = await run_network_test(vsftpd_server.destination(), ("not-writable",))
    assert log.failed_step is not None
    assert log.failed_step.name.startswith("directory")


async def test_connect_and_resolve_failures() -> None:
    """Connection and name resolution failures stop the log at their step."""
    log = await run_network_test(Destination(host="127.0.0.1", port=free_port()))
    assert [step.ok for step in log.steps] == [True, False]
    log = await run_network_test(Destination(host="no-such-host.invalid"))
    assert [step.ok for step in log.steps] == [False]


async def test_http_step(unused_tcp_port: int) -> None:
    """HTTP destinations are tested with one request."""
    log = await run_network_test(
        Destination(protocol=Protocol.HTTP, host="127.0.0.1", port=unused_tcp_port)
    )
    assert [step.ok for step in log.steps] == [True, False]
