"""Clips: the frames around an event at the clip frame rate, as JPEG files or one MJPEG file."""

from collections.abc import Sequence
from datetime import datetime, timedelta

from custom_components.camupload.shared.frame import Frame

from .model import ClipFormat, ClipOptions

MAX_CLIP_FRAMES = 3000  # bounds memory: 10 minutes at 5 fps


def select_frames(
    frames: Sequence[Frame], event_time: datetime, options: ClipOptions
) -> list[Frame]:
    """Pick frames from `seconds_before` to `seconds_after` the event, at most `frame_rate`/s."""
    start = event_time - timedelta(seconds=options.seconds_before)
    end = event_time + timedelta(seconds=options.seconds_after)
    interval = timedelta(seconds=1 / options.frame_rate) if options.frame_rate > 0 else None
    chosen: list[Frame] = []
    for frame in sorted(frames, key=lambda item: item.received_at):
        if not start <= frame.received_at <= end:
            continue
        if (
            chosen
            and interval is not None
            and frame.received_at - chosen[-1].received_at < interval
        ):
            continue
        chosen.append(frame)
        if len(chosen) >= MAX_CLIP_FRAMES:
            break
    return chosen


def build_clip(frames: Sequence[Frame], event_time: datetime, options: ClipOptions) -> list[bytes]:
    """Return the files to send: one JPEG per frame, or a single MJPEG clip.

    The MJPEG clip is the JPEGs back to back, which ffplay and VLC play as `.mjpeg`.
    """
    chosen = select_frames(frames, event_time, options)
    if options.clip_format is ClipFormat.MJPEG:
        return [b"".join(frame.data for frame in chosen)] if chosen else []
    return [frame.data for frame in chosen]
