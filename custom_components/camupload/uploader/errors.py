"""Exceptions of the uploader engine, each carrying a message a user understands."""


class UploadError(Exception):
    """A file could not be delivered; `server_reply` holds what the server said, if anything."""

    def __init__(self, message: str, *, server_reply: str | None = None) -> None:
        """Store the user-facing message and the server's own words."""
        full = f"{message} (server said: {server_reply})" if server_reply else message
        super().__init__(full)
        self.server_reply = server_reply


class AuthenticationError(UploadError):
    """The server rejected the user name or password."""


class UploadConnectionError(UploadError):
    """The server could not be reached, or the connection broke."""


class PermissionDeniedError(UploadError):
    """The server refused to create a directory, store, rename or delete a file."""


class ProtocolError(UploadError):
    """The server answered something the protocol does not allow at that point."""


class TemplateError(ValueError):
    """A directory or file name template is invalid; `variable` names the culprit."""

    def __init__(self, message: str, *, variable: str | None = None) -> None:
        """Store the message and the variable it is about."""
        super().__init__(message)
        self.variable = variable
