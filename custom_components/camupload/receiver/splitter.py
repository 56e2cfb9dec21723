"""Split a byte stream into JPEG frames by walking the JPEG marker structure.

A naive scan for FFD8..FFD9 cuts a frame at the end of the thumbnail that EXIF
carries in its APP1 segment. This splitter skips marker segments by their length
and, after SOS, scans entropy-coded data for the first real marker (0xFF not
followed by 0x00 stuffing, a RSTn marker or a 0xFF fill byte).
"""

import enum

from .model import DEFAULT_MAX_UPLOAD_SIZE

_SOI = b"\xff\xd8"
_EOI = b"\xff\xd9"
_MARKER_PREFIX = 0xFF
_SOI_CODE = 0xD8
_EOI_CODE = 0xD9
_SOS_CODE = 0xDA
_TEM_CODE = 0x01
_RST_FIRST = 0xD0
_RST_LAST = 0xD7
_RST_CODES = range(_RST_FIRST, _RST_LAST + 1)
_MIN_SEGMENT_LENGTH = 2
_EOI_ONLY = frozenset({_EOI_CODE})
_SCAN_OR_EOI = frozenset({_SOS_CODE, _EOI_CODE})


class _State(enum.Enum):
    SEEK = enum.auto()
    MARKER = enum.auto()
    SEGMENT = enum.auto()
    ENTROPY = enum.auto()


class FrameSplitter:
    """Incremental JPEG frame splitter with bounded memory.

    Feed it chunks of any size; it returns each complete frame once. Bytes
    between frames (multipart boundaries and headers, padding) are skipped, a
    frame over max_frame_size or with a broken structure is dropped and the
    splitter resynchronises on the next start-of-image marker.
    """

    def __init__(self, max_frame_size: int = DEFAULT_MAX_UPLOAD_SIZE) -> None:
        """Create a splitter that keeps at most max_frame_size bytes of one frame."""
        self.max_frame_size = max_frame_size
        self.frames_dropped = 0
        self._buf = bytearray()
        self._pos = 0
        self._start = 0
        self._skip = 0
        self._after_segment = _State.MARKER
        self._state = _State.SEEK
        self._discarding = False

    @property
    def buffered(self) -> int:
        """Bytes held right now (bounded by max_frame_size plus one chunk)."""
        return len(self._buf)

    @property
    def in_frame(self) -> bool:
        """Tell whether a frame has started but not ended."""
        return self._state is not _State.SEEK

    def feed(self, data: bytes | bytearray | memoryview) -> list[bytes]:
        """Add bytes and return the frames they complete."""
        self._buf += data
        frames: list[bytes] = []
        progressed = True
        while progressed:
            progressed = self._step(frames)
            if not self._discarding and self._pos - self._start > self.max_frame_size:
                self._discarding = True
                self.frames_dropped += 1
        if self._discarding:
            # Nothing of a dropped frame is kept, only the parse position.
            del self._buf[: self._pos]
            self._pos = self._start = 0
        return frames

    def _step(self, frames: list[bytes]) -> bool:
        """Advance the parse once; False when more input is needed."""
        state = self._state
        if state is _State.ENTROPY:
            return self._step_entropy()
        if state is _State.SEGMENT:
            return self._step_segment()
        if state is _State.MARKER:
            return self._step_marker(frames)
        return self._step_seek()

    def _step_seek(self) -> bool:
        buf = self._buf
        found = buf.find(_SOI, self._pos)
        if found < 0:
            # Keep a trailing 0xFF: it may be the first half of the next SOI.
            keep = 1 if buf.endswith(b"\xff") else 0
            del buf[: len(buf) - keep]
            self._pos = 0
            return False
        del buf[:found]
        self._start = 0
        self._pos = len(_SOI)
        self._discarding = False
        self._state = _State.MARKER
        return True

    def _step_segment(self) -> bool:
        available = len(self._buf) - self._pos
        if available < self._skip:
            self._pos += available
            self._skip -= available
            return False
        self._pos += self._skip
        self._skip = 0
        self._state = self._after_segment
        return True

    def _step_entropy(self) -> bool:
        pos, found = find_marker(self._buf, self._pos)
        self._pos = pos
        if found:
            self._state = _State.MARKER
        return found

    def _step_marker(self, frames: list[bytes]) -> bool:
        buf = self._buf
        pos = self._pos
        if len(buf) - pos < len(_SOI):
            return False
        if buf[pos] != _MARKER_PREFIX:
            return self._broken()
        code = buf[pos + 1]
        if code == _MARKER_PREFIX:
            self._pos = pos + 1
        elif code == _EOI_CODE:
            self._pos = pos + 2
            self._finish(frames)
        elif code == _SOI_CODE:
            # The previous frame was cut short: this marker starts the next one.
            self._drop_unfinished()
            del buf[:pos]
            self._start = 0
            self._pos = len(_SOI)
            self._discarding = False
        elif code == _TEM_CODE or code in _RST_CODES:
            self._pos = pos + 2
        else:
            if len(buf) - pos < len(_SOI) + 2:
                return False
            length = (buf[pos + 2] << 8) | buf[pos + 3]
            if length < _MIN_SEGMENT_LENGTH:
                return self._broken()
            self._pos = pos + 2
            self._skip = length
            self._after_segment = _State.ENTROPY if code == _SOS_CODE else _State.MARKER
            self._state = _State.SEGMENT
        return True

    def _finish(self, frames: list[bytes]) -> None:
        if self._pos - self._start > self.max_frame_size:
            self._drop_unfinished()
        elif not self._discarding:
            frames.append(bytes(memoryview(self._buf)[self._start : self._pos]))
        del self._buf[: self._pos]
        self._pos = self._start = 0
        self._discarding = False
        self._state = _State.SEEK

    def _drop_unfinished(self) -> None:
        if not self._discarding:
            self.frames_dropped += 1

    def _broken(self) -> bool:
        """Drop a frame whose structure is invalid and look for the next SOI."""
        self._drop_unfinished()
        if not self._discarding:
            # Its bytes are still here: a real frame may start inside them.
            self._pos = self._start + len(_SOI)
        self._discarding = False
        self._state = _State.SEEK
        return True


def find_marker(data: bytes | bytearray, pos: int) -> tuple[int, bool]:
    """Find the marker that ends entropy-coded data starting at pos.

    Returns (position, True) for the marker's 0xFF, or (resume position, False)
    when data ends first: a final 0xFF may pair with the next chunk's first byte.
    """
    find = data.find
    # memchr-speed search for 0xFF; stuffing (FF00) and RSTn are skipped in place.
    # Ordered by frequency: this loop runs for every 0xFF of every image.
    try:
        while (pos := find(b"\xff", pos)) >= 0:
            following = data[pos + 1]
            if following == 0:
                pos += 2
            elif following == _MARKER_PREFIX:
                pos += 1
            elif _RST_FIRST <= following <= _RST_LAST:
                pos += 2
            else:
                return pos, True
    except IndexError:
        return pos, False
    return len(data), False


def jpeg_length(data: bytes | bytearray) -> int | None:
    """Return the length of the complete JPEG at the start of data, or None.

    Walks the same marker structure as FrameSplitter, in place: nothing is copied.
    """
    eoi = _first_marker(data, _EOI_ONLY)
    return None if eoi is None else eoi + len(_EOI)


def is_complete_jpeg(data: bytes | bytearray) -> bool:
    """Tell whether data starts with a structurally complete JPEG (SOI to EOI).

    The usual upload, one image ending in EOI, is told apart in a few steps: the
    segments before the first scan are walked and the scan data is not, because
    entropy-coded data never holds FFD9, so a transfer cut off anywhere cannot end
    with it (an EXIF thumbnail's FFD9 lies inside a segment the walk skips whole).
    Anything else (bytes after EOI, an image without a scan) takes the full walk.
    Data glued from several transfers (FTP APPE) can hold a cut image before a whole
    one, which this does not see: check such data with jpeg_length.
    """
    if data.endswith(_EOI):
        start = _scan_data_start(data)
        if start is not None and start <= len(data) - len(_EOI):
            return True
    return jpeg_length(data) is not None


def _scan_data_start(data: bytes | bytearray) -> int | None:
    """Walk the segments from SOI to the first SOS; return where its scan data starts."""
    marker = _first_marker(data, _SCAN_OR_EOI)
    if marker is None or data[marker + 1] != _SOS_CODE:
        return None
    return _segment_end(data, marker)


def _first_marker(data: bytes | bytearray, codes: frozenset[int]) -> int | None:
    """Walk the marker structure from SOI to the first marker in codes; None if there is none."""
    if not data.startswith(_SOI):
        return None
    end = len(data)
    pos: int | None = len(_SOI)
    while pos is not None and end - pos >= len(_SOI):
        code = data[pos + 1]
        if code in codes and data[pos] == _MARKER_PREFIX:
            return pos
        pos = _next_marker(data, pos, code)
    return None


def _next_marker(data: bytes | bytearray, pos: int, code: int) -> int | None:
    """Return where the marker after the one at pos is, or None if broken or cut short."""
    if data[pos] != _MARKER_PREFIX or code == _SOI_CODE:
        # Not a marker, or a new image before this one ended: cut short.
        return None
    if code == _MARKER_PREFIX:
        return pos + 1
    if code == _TEM_CODE or code in _RST_CODES:
        return pos + 2
    return _skip_segment(data, pos, code)


def _segment_end(data: bytes | bytearray, pos: int) -> int | None:
    """Return where the segment whose marker is at pos ends, or None if its length is bad."""
    if len(data) - pos < len(_SOI) + 2:
        return None
    length = (data[pos + 2] << 8) | data[pos + 3]
    if length < _MIN_SEGMENT_LENGTH:
        return None
    return pos + 2 + length


def _skip_segment(data: bytes | bytearray, pos: int, code: int) -> int | None:
    """Return where the marker after the segment at pos is, or None if it is broken or cut."""
    pos_after = _segment_end(data, pos)
    if pos_after is None or code != _SOS_CODE or pos_after > len(data):
        return pos_after
    found_at, found = find_marker(data, pos_after)
    return found_at if found else None
