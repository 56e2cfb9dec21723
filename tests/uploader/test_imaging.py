"""Image profiles and clips, checked by decoding the results (Pillow and ffprobe)."""

import io
import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PIL import Image

from custom_components.camupload.shared.frame import Frame
from custom_components.camupload.uploader.clip import MAX_CLIP_FRAMES, build_clip, select_frames
from custom_components.camupload.uploader.imaging import apply_image_profile, target_size
from custom_components.camupload.uploader.model import ClipFormat, ClipOptions, ImageProfile
from tests.uploader.servers import which

EVENT = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)


def jpeg(width: int = 640, height: int = 480, color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A plain-colour JPEG."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "JPEG", quality=90)
    return out.getvalue()


def test_resize_keeps_aspect() -> None:
    """Resizing fits the box, keeps the aspect ratio and never upscales."""
    result = apply_image_profile(jpeg(), ImageProfile(width=320, quality=70))
    with Image.open(io.BytesIO(result)) as image:
        assert image.size == (320, 240)
        assert image.format == "JPEG"
    assert target_size((640, 480), ImageProfile(width=1000, height=120)) == (160, 120)
    assert target_size((640, 480), ImageProfile()) == (640, 480)


def test_quality_changes_size_and_overlay_draws_text() -> None:
    """Quality changes the size; the overlay changes only the top-left corner."""
    source = jpeg(color=(10, 120, 200))
    low = apply_image_profile(source, ImageProfile(quality=5))
    high = apply_image_profile(source, ImageProfile(quality=95))
    assert len(low) < len(high)
    plain = apply_image_profile(source, ImageProfile(quality=95))
    marked = apply_image_profile(
        source, ImageProfile(quality=95, overlay=True), camera_name="Gate", when=EVENT
    )
    with Image.open(io.BytesIO(plain)) as a, Image.open(io.BytesIO(marked)) as b:
        corner = (0, 0, 120, 20)
        assert a.crop(corner).tobytes() != b.crop(corner).tobytes()
        far = (500, 400, 640, 480)
        assert a.crop(far).tobytes() == b.crop(far).tobytes()


def frames(count: int, step: float) -> list[Frame]:
    """Frames spaced `step` seconds apart, centred on the event."""
    start = EVENT - timedelta(seconds=count * step / 2)
    return [
        Frame(
            data=jpeg(64, 48, (index * 8, 0, 0)),
            received_at=start + timedelta(seconds=index * step),
        )
        for index in range(count)
    ]


def test_select_frames_by_window_and_rate() -> None:
    """Only frames inside the window, at most frame_rate per second, bounded in count."""
    options = ClipOptions(frame_rate=2, seconds_before=1, seconds_after=2)
    chosen = select_frames(frames(40, 0.1), EVENT, options)
    assert [frame.received_at - EVENT for frame in chosen] == [
        timedelta(seconds=-1), timedelta(seconds=-0.5), timedelta(0),
        timedelta(seconds=0.5), timedelta(seconds=1), timedelta(seconds=1.5),
    ]  # fmt: skip
    unlimited = ClipOptions(frame_rate=0, seconds_before=1000, seconds_after=1000)
    assert len(select_frames(frames(MAX_CLIP_FRAMES + 5, 0.001), EVENT, unlimited)) == (
        MAX_CLIP_FRAMES
    )


def test_clip_as_jpeg_files() -> None:
    """A JPEG-files clip is one JPEG per selected frame."""
    files = build_clip(frames(10, 0.5), EVENT, ClipOptions(frame_rate=10))
    assert len(files) == 9
    assert all(data.startswith(b"\xff\xd8") for data in files)


def test_mjpeg_clip_plays_in_ffprobe(tmp_path: Path) -> None:
    """The MJPEG clip is read by ffprobe as an mjpeg stream with every frame."""
    ffprobe = which("ffprobe")
    options = ClipOptions(frame_rate=10, clip_format=ClipFormat.MJPEG)
    (clip,) = build_clip(frames(10, 0.5), EVENT, options)
    path = tmp_path / "clip.mjpeg"
    path.write_bytes(clip)
    probe = subprocess.run(
        [ffprobe, "-v", "error", "-count_frames", "-show_streams", "-of", "json", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    stream = json.loads(probe.stdout)["streams"][0]
    assert stream["codec_name"] == "mjpeg"
    assert int(stream["nb_read_frames"]) == 9
    assert (stream["width"], stream["height"]) == (64, 48)
    assert build_clip([], EVENT, options) == []
