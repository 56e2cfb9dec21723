"""The image a receiver camera shows before its first upload."""

import io
from functools import cache

from PIL import Image, ImageDraw

PLACEHOLDER_SIZE = (640, 360)
PLACEHOLDER_TEXT = "Waiting for the first upload"


@cache
def placeholder_jpeg() -> bytes:
    """A grey JPEG that says no image has arrived yet (blocking: call it in an executor)."""
    image = Image.new("RGB", PLACEHOLDER_SIZE, (48, 48, 48))
    draw = ImageDraw.Draw(image)
    font = draw.getfont()
    left, top, right, bottom = draw.textbbox((0, 0), PLACEHOLDER_TEXT, font=font)
    position = (
        (PLACEHOLDER_SIZE[0] - (right - left)) // 2,
        (PLACEHOLDER_SIZE[1] - (bottom - top)) // 2,
    )
    draw.text(position, PLACEHOLDER_TEXT, fill=(220, 220, 220), font=font)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()
