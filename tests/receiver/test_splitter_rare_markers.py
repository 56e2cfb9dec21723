"""JPEG structures the standard allows but few encoders write, and one it forbids.

ITU T.81 B.1.1.2 lets fill bytes (0xFF) precede any marker, and TEM (0xFF01) stand alone between
segments; a segment length below 2 cannot be. Frames with the former are whole frames
(libjpeg-turbo, which browsers and Home Assistant's camera scaling use, decodes them to the same
picture); one with the latter is dropped as corrupt, and the stream goes on.
"""

import pytest
from turbojpeg import TurboJPEG

from custom_components.camupload.receiver import FrameSplitter, is_complete_jpeg, jpeg_length
from tests.receiver.sample_jpegs import EOI, make_jpeg

PLAIN = make_jpeg(5, (160, 120))
BODY = PLAIN[2:-2]  # between SOI and EOI

VARIANTS = {
    "fill bytes before the first segment": PLAIN[:2] + b"\xff\xff" + PLAIN[2:],
    "fill bytes before the end": PLAIN[:-2] + b"\xff\xff" + EOI,
    "TEM between segments": PLAIN[:2] + b"\xff\x01" + PLAIN[2:],
}


def _split(data: bytes, chunk: int) -> list[bytes]:
    splitter = FrameSplitter(1 << 20)
    frames: list[bytes] = []
    for start in range(0, len(data), chunk):
        frames += splitter.feed(data[start : start + chunk])
    return frames


def _pixels(jpeg: bytes) -> bytes:
    pixels: bytes = TurboJPEG().decode(jpeg).tobytes()
    return pixels


@pytest.mark.parametrize("variant", VARIANTS)
def test_allowed_rare_markers_keep_the_frame_whole(variant: str) -> None:
    """The frame is split out whole at any chunk size, checks as complete, and decodes."""
    frame = VARIANTS[variant]
    assert frame != PLAIN
    assert _pixels(frame) == _pixels(PLAIN)
    for chunk in (1, 3, len(frame)):
        assert _split(frame + PLAIN, chunk) == [frame, PLAIN]
    assert is_complete_jpeg(frame)
    assert jpeg_length(frame) == len(frame)


def test_segment_with_an_impossible_length_is_dropped() -> None:
    """A comment segment claiming length 1 breaks the frame; the next frame still comes out."""
    broken = PLAIN[:2] + b"\xff\xfe\x00\x01" + PLAIN[2:]
    assert not is_complete_jpeg(broken)
    assert jpeg_length(broken) is None
    splitter = FrameSplitter(1 << 20)
    assert splitter.feed(broken + PLAIN) == [PLAIN]
    assert splitter.frames_dropped == 1
