"""Splitting a multipart/form-data body read whole: the first file field, bounded part heads."""

import pytest

from custom_components.camupload.receiver.form_data import (
    MAX_BOUNDARY_LENGTH,
    MAX_PART_HEAD_SIZE,
    FormError,
    form_boundary,
    form_file,
)
from tests.receiver.sample_jpegs import make_jpeg

BOUNDARY = b"----formdata-7d1a"


def part(head: str, content: bytes) -> bytes:
    """One part: its delimiter line, head, blank line and content."""
    return b"--" + BOUNDARY + b"\r\n" + head.encode() + b"\r\n\r\n" + content + b"\r\n"


def form(*parts: bytes, preamble: bytes = b"") -> bytes:
    """A form of the given parts, closed."""
    return preamble + b"".join(parts) + b"--" + BOUNDARY + b"--\r\n"


FILE_HEAD = (
    'Content-Disposition: form-data; name="image"; filename="snap.jpg"\r\nContent-Type: image/jpeg'
)


def test_the_first_file_field_is_returned_as_sent() -> None:
    """Text fields are skipped; bytes that look like a delimiter but are not stay in the file."""
    jpeg = make_jpeg(1)
    tricky = jpeg[:100] + b"\r\n--" + BOUNDARY[:-1] + b"x" + jpeg[100:]
    body = form(
        part('Content-Disposition: form-data; name="note"', b"hello"),
        part(FILE_HEAD, tricky),
        part('Content-Disposition: form-data; name="second"; filename="b.jpg"', b"later"),
    )
    assert form_file(body, BOUNDARY) == tricky


def test_preamble_padding_and_an_empty_head_are_read() -> None:
    """A preamble, spaces after a delimiter and a part without headers are all allowed."""
    jpeg = make_jpeg(2)
    headless = b"--" + BOUNDARY + b"  \t\r\n\r\nno headers\r\n"
    body = form(headless, part(FILE_HEAD, jpeg), preamble=b"This is a preamble.\r\n")
    assert form_file(body, BOUNDARY) == jpeg


def test_filename_star_names_a_file_too() -> None:
    """RFC 5987 filename*= marks a file field as well."""
    head = "Content-Disposition: form-data; name=\"image\"; filename*=UTF-8''sn%C3%A4p.jpg"
    assert form_file(form(part(head, b"data")), BOUNDARY) == b"data"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (form(part('Content-Disposition: form-data; name="note"', b"hi")), "no file field"),
        (b"--" + BOUNDARY + b"\r\n" + FILE_HEAD.encode() + b"\r\n\r\ncut", "closing boundary"),
        (b"--" + BOUNDARY + b"\r\n" + FILE_HEAD.encode() + b"\r\n", "has no end"),
        (b"--other\r\n\r\nx\r\n--other--\r\n", "no boundary line"),
        (b"--" + BOUNDARY + b"junk\r\n\r\nx\r\n--" + BOUNDARY + b"--", "bad boundary line"),
    ],
)
def test_malformed_forms_are_refused(body: bytes, message: str) -> None:
    """Each malformed form gets a FormError saying what is wrong."""
    with pytest.raises(FormError, match=message):
        form_file(body, BOUNDARY)


@pytest.mark.parametrize(
    ("size", "accepted"), [(MAX_PART_HEAD_SIZE, True), (MAX_PART_HEAD_SIZE + 1, False)]
)
def test_part_head_size_limit(size: int, *, accepted: bool) -> None:
    """A part's head of MAX_PART_HEAD_SIZE bytes is read; one more byte is refused."""
    padding = size - len(FILE_HEAD) - len("\r\nX-Pad: ")
    head = f"{FILE_HEAD}\r\nX-Pad: {'p' * padding}"
    assert len(head) == size
    body = form(part(head, b"data"))
    if accepted:
        assert form_file(body, BOUNDARY) == b"data"
    else:
        with pytest.raises(FormError, match=f"over {MAX_PART_HEAD_SIZE} bytes"):
            form_file(body, BOUNDARY)


def test_boundary_from_content_type() -> None:
    """Quoted or not, the boundary is taken; none, or one over 70 characters, is refused."""
    assert form_boundary("multipart/form-data; boundary=abc") == b"abc"
    assert form_boundary('multipart/form-data; boundary="a b:c"') == b"a b:c"
    assert form_boundary(f"multipart/form-data; boundary={'b' * MAX_BOUNDARY_LENGTH}")
    with pytest.raises(FormError, match="needs a boundary"):
        form_boundary("multipart/form-data")
    with pytest.raises(FormError, match="1 to 70"):
        form_boundary(f"multipart/form-data; boundary={'b' * (MAX_BOUNDARY_LENGTH + 1)}")
