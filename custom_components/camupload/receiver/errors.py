"""Exceptions raised by the receiver engine."""


class ReceiverError(Exception):
    """Base class of the receiver's errors."""


class AccountError(ReceiverError):
    """An account definition is invalid (empty name, duplicate, bad characters)."""


class ReceiverStartError(ReceiverError):
    """A listener could not start (port in use, address not available)."""
