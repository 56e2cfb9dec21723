"""Solid-colour JPEGs to upload, and what colour a screenshot shows."""

import io
from dataclasses import dataclass

from PIL import Image

type RGB = tuple[int, int, int]

RED: RGB = (255, 0, 0)
BLUE: RGB = (0, 0, 255)
NEAR = 60  # per channel: JPEG and scaling move a solid colour by a few steps, never this far
MOSTLY = 0.9  # share of the pixels that must show the colour


def solid_jpeg(colour: RGB, size: tuple[int, int] = (320, 240)) -> bytes:
    """A JPEG of one colour, as a camera would upload it."""
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


@dataclass(frozen=True)
class ColourReading:
    """How much of a screenshot shows a colour, and its average colour."""

    share: float
    mean: RGB

    def shows(self) -> bool:
        """Whether the colour fills (almost) the whole picture."""
        return self.share >= MOSTLY

    def __str__(self) -> str:
        """For assertion messages."""
        return f"{self.share:.0%} of the pixels match; average colour {self.mean}"


def read_colour(png: bytes, colour: RGB) -> ColourReading:
    """Decode a screenshot and measure how much of it is colour."""
    with Image.open(io.BytesIO(png)) as image:
        pixels = list(image.convert("RGB").getdata())
    if not pixels:
        return ColourReading(share=0.0, mean=(0, 0, 0))
    matching = sum(
        1 for pixel in pixels if all(abs(a - b) <= NEAR for a, b in zip(pixel, colour, strict=True))
    )
    count = len(pixels)
    mean: RGB = (
        sum(p[0] for p in pixels) // count,
        sum(p[1] for p in pixels) // count,
        sum(p[2] for p in pixels) // count,
    )
    return ColourReading(share=matching / count, mean=mean)
