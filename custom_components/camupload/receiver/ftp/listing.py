"""Directory listing lines (LIST, NLST, MLSD) without locale dependence."""

from datetime import UTC, datetime

from .filesystem import DirEntry, Entry, FileEntry

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# ls shows the time for entries younger than about six months, the year for older ones.
_RECENT_SECONDS = 182 * 24 * 3600


def format_list_line(name: str, entry: Entry, now: float) -> str:
    """Format one LIST line in the ls -l form clients parse."""
    stamp = datetime.fromtimestamp(entry.mtime, UTC)
    when = f"{stamp:%H:%M}" if 0 <= now - entry.mtime < _RECENT_SECONDS else f" {stamp.year}"
    date = f"{_MONTHS[stamp.month - 1]} {stamp.day:2d} {when}"
    if isinstance(entry, DirEntry):
        return f"drwxr-xr-x 1 camera camera {0:>10} {date} {name}"
    return f"-rw-r--r-- 1 camera camera {entry.size:>10} {date} {name}"


def format_mdtm(entry: Entry) -> str:
    """Format a modification time as MDTM and MLSD want it (UTC)."""
    return f"{datetime.fromtimestamp(entry.mtime, UTC):%Y%m%d%H%M%S}"


def format_mlsx_line(name: str, entry: Entry) -> str:
    """Format one MLSD fact line."""
    facts = f"type=file;size={entry.size};" if isinstance(entry, FileEntry) else "type=dir;"
    return f"{facts}modify={format_mdtm(entry)}; {name}"
