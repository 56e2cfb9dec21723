"""The one protocol enum and its port table, as destinations and the server form use them."""

from custom_components.camupload.uploader.model import DEFAULT_PORTS, Destination, Protocol


def test_every_protocol_has_its_well_known_port() -> None:
    """FTPS is explicit TLS on FTP's port; HTTP and HTTPS have theirs."""
    assert dict(DEFAULT_PORTS) == {
        Protocol.FTP: 21,
        Protocol.FTPS: 21,
        Protocol.HTTP: 80,
        Protocol.HTTPS: 443,
    }
    assert all(protocol.default_port == DEFAULT_PORTS[protocol] for protocol in Protocol)


def test_a_destination_without_port_uses_the_table() -> None:
    """No port: the protocol's default; a port given wins."""
    for protocol in Protocol:
        assert Destination(protocol=protocol, host="h").effective_port == DEFAULT_PORTS[protocol]
    assert Destination(protocol=Protocol.HTTPS, host="h", port=8443).effective_port == 8443


def test_the_form_values_are_the_protocol_values() -> None:
    """Stored entries hold these strings: renaming one would orphan existing servers."""
    assert [protocol.value for protocol in Protocol] == ["ftp", "ftps", "http", "https"]
