"""Draw OpenEye's brand images into custom_components/openeye/brand/.

Home Assistant (2026.3 and later) shows a custom integration's icon and logo
from the ``brand`` folder the integration ships; the images follow the rules
of Home Assistant's brands repository: PNG with a transparent background,
trimmed to the drawing, icons 256 and 512 pixels square, logos 256 and 512
pixels high (the most those rules allow for the shortest side).

The mark is an eye (a white almond with a blue outline, a cyan iris, a navy
pupil and a highlight) inside the four corners of a face-scan frame, in flat
colours and strokes thick enough to read at 32 pixels. The logo sets the word
OpenEye beside it, in Inter Display Bold (Debian's fonts-inter), once with dark
letters for light themes and once with light letters for dark themes. Every
image is drawn four times larger and scaled down, which smooths the edges.

Run: ``.venv/bin/python scripts/draw_brand.py`` (``apt-get install fonts-inter`` first).

Home Assistant before 2026.3 (2025.4 included) ignores the folder and asks the
brands site, which has no OpenEye and answers with its placeholder. To see the
images as users of 2026.3 and later do, start such a Home Assistant (it needs
Python 3.14) as scripts/e2e starts one, with OpenEye set up, log in in
Chromium as tests/e2e/browser.mjs does, and take a screenshot of
``/config/integrations/integration/openeye`` and of the integrations page;
the frontend fetches the images from ``/api/brands/integration/openeye/...``.
"""

from __future__ import annotations

import math
from pathlib import Path
import sys

from PIL import Image, ImageChops, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[1]
BRAND = ROOT / "custom_components/openeye/brand"
FONT = Path("/usr/share/fonts/opentype/inter/InterDisplay-Bold.otf")

# Drawing is done at this multiple of the largest size and scaled down.
SUPERSAMPLE = 4

BLUE = (37, 99, 235, 255)
CYAN = (6, 182, 212, 255)
NAVY = (11, 27, 58, 255)
WHITE = (255, 255, 255, 255)
# The word "Open" in the logo, for light and for dark backgrounds; "Eye" is blue.
INK_ON_LIGHT = (30, 41, 59, 255)
INK_ON_DARK = (241, 245, 249, 255)
BLUE_ON_DARK = (96, 165, 250, 255)

# The mark's proportions, as fractions of its side.
FRAME_STROKE = 0.075
FRAME_RADIUS = 0.21
FRAME_GAP = (0.33, 0.67)
EYE_HALF_WIDTH = 0.355
EYE_HALF_HEIGHT = 0.205
EYE_STROKE = 0.058
IRIS_RADIUS = 0.15
PUPIL_RADIUS = 0.07
HIGHLIGHT_RADIUS = 0.03


def _lens(size: int, half_width: float, half_height: float) -> Image.Image:
    """Return a mask of an almond centred in a square: where two equal discs overlap.

    Each lid is an arc of a circle through both corners of the eye; a circle
    through (±a, 0) and (0, b) has the radius (a² + b²) / 2b.
    """
    radius = (half_width**2 + half_height**2) / (2 * half_height)
    centre = size / 2
    offset = radius - half_height
    upper = Image.new("L", (size, size), 0)
    lower = Image.new("L", (size, size), 0)
    for mask, centre_y in ((upper, centre + offset * size), (lower, centre - offset * size)):
        ImageDraw.Draw(mask).ellipse(
            (
                centre - radius * size,
                centre_y - radius * size,
                centre + radius * size,
                centre_y + radius * size,
            ),
            fill=255,
        )
    return ImageChops.multiply(upper, lower)


def _disc(size: int, centre: tuple[float, float], radius: float) -> Image.Image:
    """Return a mask of one disc, with its centre and radius as fractions of the side."""
    mask = Image.new("L", (size, size), 0)
    x, y = centre[0] * size, centre[1] * size
    ImageDraw.Draw(mask).ellipse(
        (x - radius * size, y - radius * size, x + radius * size, y + radius * size), fill=255
    )
    return mask


def _frame(size: int) -> Image.Image:
    """Return a mask of the four rounded corners of a face-scan frame, with round ends."""
    stroke = round(FRAME_STROKE * size)
    mask = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(mask)
    draw.rounded_rectangle(
        (0, 0, size - 1, size - 1), radius=round(FRAME_RADIUS * size), outline=255, width=stroke
    )
    start, end = (round(fraction * size) for fraction in FRAME_GAP)
    # The middle of each side is cut away, leaving the corners.
    draw.rectangle((start, 0, end, stroke), fill=0)
    draw.rectangle((start, size - 1 - stroke, end, size - 1), fill=0)
    draw.rectangle((0, start, stroke, end), fill=0)
    draw.rectangle((size - 1 - stroke, start, size - 1, end), fill=0)
    # Round caps on the eight cut ends, as wide as the band the outline fills
    # (pixels 0 to stroke - 1 from the edge).
    half = (stroke - 1) / 2
    for along in (start, end):
        for across in (half, size - 1 - half):
            for x, y in ((along, across), (across, along)):
                draw.ellipse((x - half, y - half, x + half, y + half), fill=255)
    return mask


def _mark(size: int) -> Image.Image:
    """Return the mark, drawn at the given side in pixels (before any scaling)."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    image.paste(CYAN, mask=_frame(size))
    outline = _lens(size, EYE_HALF_WIDTH, EYE_HALF_HEIGHT)
    # The white is the almond shrunk by the stroke: more along the width,
    # where the lids meet at an angle, so that the corners keep their weight.
    inner = _lens(size, EYE_HALF_WIDTH - EYE_STROKE * 1.5, EYE_HALF_HEIGHT - EYE_STROKE)
    image.paste(BLUE, mask=outline)
    image.paste(WHITE, mask=inner)
    # The iris sits a little low, as an open eye's does, and is hidden by the lids.
    iris_centre = (0.5, 0.515)
    image.paste(CYAN, mask=ImageChops.multiply(_disc(size, iris_centre, IRIS_RADIUS), inner))
    image.paste(NAVY, mask=ImageChops.multiply(_disc(size, iris_centre, PUPIL_RADIUS), inner))
    highlight = (iris_centre[0] + 0.045, iris_centre[1] - 0.045)
    image.paste(WHITE, mask=_disc(size, highlight, HIGHLIGHT_RADIUS))
    return image


def _trimmed(image: Image.Image) -> Image.Image:
    """Return the image cut to its drawing, as the brand rules ask."""
    box = image.getchannel("A").getbbox()
    if box is None:
        raise ValueError("nothing was drawn")
    return image.crop(box)


def _scaled(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Return the image scaled down smoothly to an exact size."""
    return image.resize(size, Image.Resampling.LANCZOS)


def _logo(
    height: int, ink: tuple[int, int, int, int], accent: tuple[int, int, int, int]
) -> Image.Image:
    """Return the mark with the word OpenEye beside it, the mark as high as the image."""
    font = ImageFont.truetype(str(FONT), round(height * 0.52))
    gap = round(height * 0.13)
    open_width = font.getlength("Open")
    text_width = math.ceil(open_width + font.getlength("Eye"))
    canvas = Image.new("RGBA", (height + gap + text_width + height, height), (0, 0, 0, 0))
    canvas.paste(_mark(height), (0, 0))
    draw = ImageDraw.Draw(canvas)
    # Anchored on the middle of the capitals ("lm"), so the word is centred on the eye.
    baseline_middle = height / 2 + height * 0.01
    draw.text((height + gap, baseline_middle), "Open", font=font, fill=ink, anchor="lm")
    draw.text(
        (height + gap + open_width, baseline_middle), "Eye", font=font, fill=accent, anchor="lm"
    )
    return _trimmed(canvas)


def draw() -> dict[str, Image.Image]:
    """Return every brand image by file name."""
    mark = _mark(512 * SUPERSAMPLE)
    images = {
        "icon.png": _scaled(mark, (256, 256)),
        "icon@2x.png": _scaled(mark, (512, 512)),
    }
    for prefix, ink, accent in (("", INK_ON_LIGHT, BLUE), ("dark_", INK_ON_DARK, BLUE_ON_DARK)):
        large = _logo(512 * SUPERSAMPLE, ink, accent)
        # Both logos come from one drawing, the high-density one exactly twice the other.
        width = round(large.width / SUPERSAMPLE / 2)
        images[f"{prefix}logo.png"] = _scaled(large, (width, 256))
        images[f"{prefix}logo@2x.png"] = _scaled(large, (width * 2, 512))
    return images


def main() -> int:
    """Draw the images and write them, optimised, into the brand folder."""
    if not FONT.is_file():
        print(f"{FONT} is missing: apt-get install fonts-inter", file=sys.stderr)
        return 1
    BRAND.mkdir(exist_ok=True)
    for name, image in draw().items():
        image.save(BRAND / name, optimize=True)
        print(f"{BRAND.relative_to(ROOT) / name}: {image.width}x{image.height}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
