"""The file field of a multipart/form-data body that has been read whole.

A form is read like any upload body (within the size limit, the stall timeout and the memory
budget: its other fields count too), then split here. Each part's head is bounded, and the
first part with a filename is the photo; its bytes are returned as sent (no decoding).
"""

from email.message import Message
from email.parser import BytesHeaderParser

# RFC 2046 allows boundaries of 1 to 70 characters.
MAX_BOUNDARY_LENGTH = 70
# Bytes of one part's headers (Content-Disposition, Content-Type): far above what forms send.
MAX_PART_HEAD_SIZE = 16 * 1024
_CRLF = b"\r\n"
_HEAD_END = b"\r\n\r\n"


class FormError(ValueError):
    """The form cannot be read: no boundary, malformed, or no file field."""


def form_boundary(content_type: str) -> bytes:
    """The boundary of a multipart Content-Type; FormError if it has none or a bad one."""
    header = Message()
    header["Content-Type"] = content_type
    boundary = header.get_param("boundary")
    if not isinstance(boundary, str) or not boundary:
        msg = "multipart/form-data needs a boundary=... in Content-Type"
        raise FormError(msg)
    if len(boundary) > MAX_BOUNDARY_LENGTH or not boundary.isascii():
        msg = f"the form's boundary must be 1 to {MAX_BOUNDARY_LENGTH} ASCII characters"
        raise FormError(msg)
    return boundary.encode("ascii")


def form_file(body: bytes, boundary: bytes) -> bytes:
    """The bytes of the first part that has a filename.

    FormError if the form is malformed, a part's head is over MAX_PART_HEAD_SIZE, or no part
    has a filename.
    """
    delimiter = b"--" + boundary
    if body.startswith(delimiter):
        position = len(delimiter)
    else:
        # A preamble before the first delimiter is allowed, and ignored.
        found = body.find(_CRLF + delimiter)
        if found < 0:
            msg = "malformed multipart form: no boundary line"
            raise FormError(msg)
        position = found + len(_CRLF) + len(delimiter)
    next_delimiter = _CRLF + delimiter
    while not body.startswith(b"--", position):
        # The delimiter line may carry transport padding (spaces, tabs) before its CRLF.
        line_end = body.find(_CRLF, position)
        if line_end < 0 or body[position:line_end].strip(b" \t"):
            msg = "malformed multipart form: bad boundary line"
            raise FormError(msg)
        head_start = line_end + len(_CRLF)
        if body.startswith(_CRLF, head_start):
            head, content_start = b"", head_start + len(_CRLF)
        else:
            limit = head_start + MAX_PART_HEAD_SIZE + len(_HEAD_END)
            head_end = body.find(_HEAD_END, head_start, limit)
            if head_end < 0:
                msg = (
                    f"malformed multipart form: a part's head is over {MAX_PART_HEAD_SIZE}"
                    " bytes or has no end"
                )
                raise FormError(msg)
            head, content_start = body[head_start:head_end], head_end + len(_HEAD_END)
        content_end = body.find(next_delimiter, content_start)
        if content_end < 0:
            msg = "malformed multipart form: a part without its closing boundary"
            raise FormError(msg)
        if _filename(head) is not None:
            return body[content_start:content_end]
        position = content_end + len(next_delimiter)
    msg = "no file field in the multipart form"
    raise FormError(msg)


def _filename(head: bytes) -> str | None:
    """The filename of a part's Content-Disposition (None if it names none)."""
    headers = BytesHeaderParser().parsebytes(head + _HEAD_END)
    return headers.get_filename()
