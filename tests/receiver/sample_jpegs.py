"""Real JPEG files for the receiver tests, made with Pillow."""

import io
import struct
from functools import cache

from PIL import Image, ImageDraw

SOI = b"\xff\xd8"
EOI = b"\xff\xd9"


def make_jpeg(
    seed: int = 0,
    size: tuple[int, int] = (64, 48),
    *,
    quality: int = 85,
    progressive: bool = False,
    restart_blocks: int = 0,
) -> bytes:
    """Encode a small picture that differs with seed."""
    image = Image.new("RGB", size, ((seed * 37) % 256, (seed * 91) % 256, (seed * 53) % 256))
    draw = ImageDraw.Draw(image)
    for step in range(0, size[0], 7):
        draw.line((step, 0, (step * seed) % size[0], size[1]), fill=(255, step % 256, seed % 256))
    buffer = io.BytesIO()
    options: dict[str, object] = {"quality": quality, "progressive": progressive}
    if restart_blocks:
        options["restart_marker_blocks"] = restart_blocks
    image.save(buffer, "JPEG", **options)
    return buffer.getvalue()


def with_exif_thumbnail(jpeg: bytes, thumbnail: bytes) -> bytes:
    """Insert an APP1 Exif segment whose IFD1 carries thumbnail (its own FFD8..FFD9)."""
    # TIFF header, IFD0 with no entries pointing to IFD1, IFD1 locating the thumbnail.
    ifd1_offset = 8 + 2 + 4
    thumb_offset = ifd1_offset + 2 + 2 * 12 + 4
    tiff = b"II*\x00" + struct.pack("<I", 8)
    tiff += struct.pack("<H", 0) + struct.pack("<I", ifd1_offset)
    tiff += struct.pack("<H", 2)
    tiff += struct.pack("<HHII", 0x0201, 4, 1, thumb_offset)
    tiff += struct.pack("<HHII", 0x0202, 4, 1, len(thumbnail))
    tiff += struct.pack("<I", 0) + thumbnail
    payload = b"Exif\x00\x00" + tiff
    segment = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    return jpeg[:2] + segment + jpeg[2:]


@cache
def sample_frames() -> tuple[bytes, ...]:
    """A varied set: baseline, progressive, restart markers, EXIF thumbnail."""
    thumb = make_jpeg(99, (16, 12))
    return (
        make_jpeg(1),
        make_jpeg(2, progressive=True),
        make_jpeg(3, restart_blocks=2),
        with_exif_thumbnail(make_jpeg(4), thumb),
        make_jpeg(5, (160, 120), quality=95),
    )


def large_jpeg(minimum: int) -> bytes:
    """A JPEG of at least minimum bytes (noise compresses badly)."""
    side = 64
    while True:
        image = Image.effect_noise((side, side), 90).convert("RGB")
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=95)
        if buffer.tell() >= minimum:
            return buffer.getvalue()
        side *= 2
