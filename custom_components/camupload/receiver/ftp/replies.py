"""FTP reply text: one reply, all its lines, as the bytes of a single write."""

from collections.abc import Iterable

END_OF_LINE = "\r\n"


def format_reply(code: str, lines: str | Iterable[str], *, listing: bool = False) -> str:
    """Format a reply the way aioftp does, as one string.

    A multi-line reply is code-first, then the middle lines, then code and space
    with the last line; with listing, the middle lines start with a space instead.
    """
    items = [lines] if isinstance(lines, str) else list(lines)
    if listing:
        head, *body, tail = items
        text = [f"{code}-{head}", *(f" {line}" for line in body)]
    else:
        *body, tail = items
        text = [f"{code}-{line}" for line in body]
    text.append(f"{code} {tail}")
    return END_OF_LINE.join(text) + END_OF_LINE
