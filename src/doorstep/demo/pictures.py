"""Pictures for the demo, drawn with Pillow: nothing is fetched.

A listing's cover is a soft gradient in its trade's colour with a few light
shapes and a white badge holding the category's initials; a review photo is the
same palette as a "before and after" tile. Each returns JPEG bytes that go through
the same checks and re-encoding as any upload (``catalog.photos.process_photo``).
"""

import random
from functools import cache
from io import BytesIO

from django.core.files.base import ContentFile
from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 640, 480
# (dark, light) per root category: calm, distinguishable colours.
PALETTES = {
    "home-cleaning": ((33, 118, 174), (171, 214, 240)),
    "repairs": ((196, 98, 45), (246, 205, 170)),
    "moving-delivery": ((90, 84, 160), (205, 200, 240)),
    "beauty-wellness": ((186, 64, 120), (245, 196, 220)),
    "elderly-child-care": ((46, 139, 87), (190, 232, 205)),
    "tutoring": ((204, 150, 30), (250, 228, 168)),
    "pet-care": ((120, 94, 64), (226, 208, 184)),
    "photography": ((150, 40, 60), (240, 190, 196)),
}
FALLBACK = ((70, 90, 110), (200, 210, 220))
FONT_FILES = (
    "DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
)


@cache
def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    for name in FONT_FILES:
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def palette(root_slug: str) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    return PALETTES.get(root_slug, FALLBACK)


def initials(name: str) -> str:
    words = [word for word in name.replace("&", " ").split() if word[:1].isalnum()]
    return "".join(word[0].upper() for word in words[:2]) or "?"


def _gradient(dark, light) -> Image.Image:
    top = Image.new("RGB", (1, 2))
    top.putpixel((0, 0), light)
    top.putpixel((0, 1), dark)
    return top.resize((WIDTH, HEIGHT), Image.Resampling.BILINEAR)


def _shapes(draw: ImageDraw.ImageDraw, rng: random.Random, light) -> None:
    for _ in range(7):
        radius = rng.randint(30, 120)
        x, y = rng.randint(-40, WIDTH + 40), rng.randint(-40, HEIGHT + 40)
        colour = tuple(min(255, c + 25) for c in light)
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=colour)


def _jpeg(image: Image.Image) -> ContentFile:
    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=88)
    return ContentFile(buffer.getvalue(), name="demo.jpg")


def listing_cover(*, root_slug: str, title: str, seed: str) -> ContentFile:
    """A cover picture for a listing of the category called ``title``."""
    rng = random.Random(seed)
    dark, light = palette(root_slug)
    image = _gradient(dark, light)
    draw = ImageDraw.Draw(image, "RGBA")
    _shapes(draw, rng, light)
    centre_x, centre_y, radius = WIDTH // 2, HEIGHT // 2, 110
    draw.ellipse(
        (centre_x - radius, centre_y - radius, centre_x + radius, centre_y + radius),
        fill=(255, 255, 255),
    )
    draw.text(
        (centre_x, centre_y),
        initials(title),
        fill=dark,
        font=_font(96),
        anchor="mm",
    )
    return _jpeg(image)


def review_photo(*, root_slug: str, seed: str) -> ContentFile:
    """A "job done" tile: the trade's colours with a tick, for a review."""
    rng = random.Random(seed)
    dark, light = palette(root_slug)
    image = _gradient(light, dark)
    draw = ImageDraw.Draw(image, "RGBA")
    _shapes(draw, rng, light)
    draw.rounded_rectangle(
        (WIDTH // 2 - 130, HEIGHT // 2 - 130, WIDTH // 2 + 130, HEIGHT // 2 + 130),
        radius=36,
        fill=(255, 255, 255),
    )
    draw.line(
        (
            (WIDTH // 2 - 70, HEIGHT // 2 + 5),
            (WIDTH // 2 - 20, HEIGHT // 2 + 55),
            (WIDTH // 2 + 75, HEIGHT // 2 - 60),
        ),
        fill=dark,
        width=26,
        joint="curve",
    )
    return _jpeg(image)
