"""FrameSplitter and is_complete_jpeg: marker-aware splitting, resync and bounded memory."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custom_components.camupload.receiver import FrameSplitter, is_complete_jpeg, jpeg_length
from tests.receiver.sample_jpegs import (
    EOI,
    SOI,
    large_jpeg,
    make_jpeg,
    sample_frames,
    with_exif_thumbnail,
)

MULTIPART_HEAD = b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n"


def split(data: bytes, chunk: int, max_frame_size: int = 1 << 20) -> list[bytes]:
    """Feed data in fixed-size chunks and collect frames."""
    splitter = FrameSplitter(max_frame_size)
    frames: list[bytes] = []
    for start in range(0, len(data), chunk):
        frames += splitter.feed(data[start : start + chunk])
    return frames


def test_samples_have_the_features_the_splitter_must_honour() -> None:
    """The sample set really contains restart markers and an embedded thumbnail."""
    _, _, restart, exif, _ = sample_frames()
    assert any(bytes([0xFF, code]) in restart for code in range(0xD0, 0xD8))
    # A naive FFD8..FFD9 scan stops at the thumbnail's end, long before the frame's.
    assert exif.find(EOI) + 2 < len(exif)
    assert exif.count(SOI) == 2


def test_exif_thumbnail_is_one_frame() -> None:
    """The thumbnail's FFD8..FFD9 inside APP1 does not end or start a frame."""
    exif = sample_frames()[3]
    assert split(exif * 3, 4096) == [exif] * 3


def test_raw_concatenation_and_junk_between_frames() -> None:
    """Raw JPEGs back to back, with bytes between them, come out intact."""
    frames = list(sample_frames())
    stream = b"garbage\x00\xff" + b"\r\n--x\r\n".join(frames) + b"\xff\xfftrailing"
    assert split(stream, 1) == frames
    assert split(stream, 7) == frames
    assert split(stream, len(stream)) == frames


def test_ffmpeg_mpjpeg_parts_with_content_length() -> None:
    """Multipart parts with headers and Content-Length are split by content."""
    frames = list(sample_frames())
    stream = b"".join(MULTIPART_HEAD % len(f) + f + b"\r\n" for f in frames)
    assert split(stream, 1000) == frames


def test_frame_over_the_limit_is_dropped_and_stream_goes_on() -> None:
    """An oversized frame is skipped without being buffered; the next one is kept."""
    small = make_jpeg(7)
    big = with_exif_thumbnail(large_jpeg(50_000), make_jpeg(8, (16, 16)))
    splitter = FrameSplitter(max_frame_size=20_000)
    out: list[bytes] = []
    peak = 0
    for data in (small, big, small):
        for start in range(0, len(data), 4096):
            out += splitter.feed(data[start : start + 4096])
            peak = max(peak, splitter.buffered)
    assert out == [small, small]
    assert splitter.frames_dropped == 1
    assert peak <= 20_000 + 4096


def test_frame_exactly_at_the_limit_is_kept() -> None:
    """The limit is inclusive."""
    frame = make_jpeg(9)
    assert split(frame, 100, max_frame_size=len(frame)) == [frame]
    assert split(frame, 100, max_frame_size=len(frame) - 1) == []


def test_memory_stays_bounded_on_endless_garbage() -> None:
    """Bytes that never form a frame are not kept."""
    splitter = FrameSplitter(max_frame_size=10_000)
    for _ in range(200):
        assert splitter.feed(b"\x00\x01\xfe" * 1000) == []
    assert splitter.buffered <= 1


def test_endless_entropy_data_is_bounded() -> None:
    """A frame that never ends is dropped once over the limit; memory stays small."""
    frame = make_jpeg(10)
    sos = frame.index(b"\xff\xda")
    splitter = FrameSplitter(max_frame_size=5_000)
    splitter.feed(frame[: sos + 20])
    for _ in range(100):
        splitter.feed(b"\x12\x34\xff\x00" * 1000)
    assert splitter.buffered <= 5_000 + 4_000
    assert splitter.frames_dropped == 1
    assert splitter.feed(frame) == [frame]


def test_truncated_frame_then_a_good_one() -> None:
    """A frame cut off in its entropy data is dropped; the next SOI starts a new frame."""
    first, second = make_jpeg(11), make_jpeg(12)
    cut = first[: len(first) - 40]
    splitter = FrameSplitter()
    assert splitter.feed(cut + second) == [second]
    assert splitter.frames_dropped == 1


def test_broken_segment_resyncs() -> None:
    """A stray FFD8 followed by non-marker bytes does not swallow the next frame."""
    frame = make_jpeg(13)
    assert split(b"\xff\xd8\x00\x00junk" + frame, 3) == [frame]
    assert split(b"\xff\xd8\xff\xe0\x00\x01" + frame, 5) == [frame]


def test_in_frame_reports_a_pending_frame() -> None:
    """in_frame tells whether an unfinished frame is held."""
    frame = make_jpeg(14)
    splitter = FrameSplitter()
    splitter.feed(frame[:100])
    assert splitter.in_frame
    splitter.feed(frame[100:])
    assert not splitter.in_frame


def test_is_complete_jpeg() -> None:
    """Complete JPEGs pass; truncated, empty and non-JPEG data fail."""
    for frame in sample_frames():
        assert is_complete_jpeg(frame)
        assert jpeg_length(frame + b"\x00padding") == len(frame)
        assert not is_complete_jpeg(frame[:-2])
        assert not is_complete_jpeg(frame[: len(frame) // 2])
    assert not is_complete_jpeg(b"")
    assert not is_complete_jpeg(b"GIF89a")
    assert not is_complete_jpeg(b"junk" + sample_frames()[0])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    order=st.lists(st.integers(0, len(sample_frames()) - 1), min_size=1, max_size=8),
    junk=st.lists(
        st.binary(max_size=40).filter(lambda b: SOI not in b and not b.endswith(b"\xff")),
        min_size=9,
        max_size=9,
    ),
    cuts=st.lists(st.integers(1, 50_000), max_size=40),
)
def test_same_frames_whatever_the_chunk_boundaries(
    order: list[int], junk: list[bytes], cuts: list[int]
) -> None:
    """Property: splitting at arbitrary boundaries gives the frames that were sent."""
    frames = [sample_frames()[index] for index in order]
    stream = b"".join(junk[i] + frame for i, frame in enumerate(frames)) + junk[-1]
    points = sorted({cut % (len(stream) + 1) for cut in cuts})
    splitter = FrameSplitter()
    out: list[bytes] = []
    previous = 0
    for point in [*points, len(stream)]:
        out += splitter.feed(stream[previous:point])
        previous = point
    assert out == frames


def _splitter_length(data: bytes) -> int | None:
    """The length of the JPEG at offset 0 as the stream splitter finds it (the reference)."""
    if not data.startswith(b"\xff\xd8"):
        return None
    frames = FrameSplitter(max_frame_size=len(data)).feed(data)
    return len(frames[0]) if frames and data.startswith(frames[0]) else None


def test_no_upload_cut_short_is_complete() -> None:
    """Whatever byte a transfer stops at, the photo check refuses it.

    The check reads only the segments before the scan and the last two bytes: this
    covers the case it relies on, EXIF thumbnails (own FFD9) and progressive scans included.
    """
    for frame in sample_frames():
        assert is_complete_jpeg(frame)
        complete = [cut for cut in range(len(frame)) if is_complete_jpeg(frame[:cut])]
        assert complete == []
        # Trailing bytes after EOI take the full walk and are still accepted.
        assert is_complete_jpeg(frame + b"\r\n")


@given(
    sample=st.sampled_from(range(len(sample_frames()))),
    cut=st.integers(min_value=0),
    flips=st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), max_size=4),
)
@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
def test_photo_check_agrees_with_the_splitter(
    sample: int, cut: int, flips: list[tuple[int, int]]
) -> None:
    """The in-place photo check finds the same JPEG end as the splitter, on broken input too."""
    data = bytearray(sample_frames()[sample])
    for position, value in flips:
        data[position % len(data)] = value
    mutated = bytes(data[: len(data) - cut % len(data)] if cut else data)
    assert jpeg_length(mutated) == _splitter_length(mutated)
