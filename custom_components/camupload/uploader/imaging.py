"""Image profiles with Pillow: size (aspect kept), JPEG quality, optional text overlay.

These functions block; the caller runs them in an executor.
"""

import io
from datetime import datetime

from PIL import Image, ImageDraw, ImageFont

from .model import ImageProfile

OVERLAY_MARGIN = 4
MIN_QUALITY = 1
MAX_QUALITY = 95  # Pillow's advice: above 95 only grows the file


def target_size(size: tuple[int, int], profile: ImageProfile) -> tuple[int, int]:
    """The size that fits the profile's box while keeping the aspect ratio (never upscales)."""
    width, height = size
    scale = 1.0
    if profile.width:
        scale = min(scale, profile.width / width)
    if profile.height:
        scale = min(scale, profile.height / height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def apply_image_profile(
    jpeg: bytes, profile: ImageProfile, *, camera_name: str = "", when: datetime | None = None
) -> bytes:
    """Return the JPEG resized, re-encoded at the profile's quality, with the overlay if set."""
    with Image.open(io.BytesIO(jpeg)) as source:
        size = target_size(source.size, profile)
        if size != source.size:
            source.draft("RGB", size)  # JPEG decodes at 1/2, 1/4 or 1/8 scale: much faster
        image = source.convert("RGB")
    if image.size != size:
        image = image.resize(size, Image.Resampling.LANCZOS)
    if profile.overlay:
        _draw_overlay(image, camera_name, when or datetime.now().astimezone())
    out = io.BytesIO()
    quality = min(max(profile.quality, MIN_QUALITY), MAX_QUALITY)
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def _draw_overlay(image: Image.Image, camera_name: str, when: datetime) -> None:
    text = f"{camera_name} {when:%Y-%m-%d %H:%M:%S}".strip()
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default()
    left, top, right, bottom = draw.textbbox((OVERLAY_MARGIN, OVERLAY_MARGIN), text, font=font)
    draw.rectangle((left - 2, top - 2, right + 2, bottom + 2), fill=(0, 0, 0))
    draw.text((OVERLAY_MARGIN, OVERLAY_MARGIN), text, fill=(255, 255, 255), font=font)
