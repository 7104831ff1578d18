"""The demo products' pictures, drawn with Pillow at seed time: each looks like what it is.

``draw(kind, colour)`` returns a 480 x 480 picture of a T-shirt, a hoodie, a strap with
a heart or a star, a sheet of stickers, a mug, a tote bag, a towel or a food's gift box
in ``colour``.
Plain shapes on a light background, like a small shop's own product photos cut out.
"""

from __future__ import annotations

from collections.abc import Callable

from PIL import Image, ImageDraw

SIZE = 480
BACKGROUND = "#fafafa"
LINE = "#333333"

Drawing = Callable[[ImageDraw.ImageDraw, str], None]


def _shirt(pen: ImageDraw.ImageDraw, colour: str) -> None:
    pen.polygon([(140, 80), (200, 60), (280, 60), (340, 80), (420, 150), (370, 200),
                 (340, 180), (340, 420), (140, 420), (140, 180), (110, 200), (60, 150)],
                fill=colour, outline=LINE, width=3)
    pen.arc((200, 40, 280, 100), 0, 180, fill=LINE, width=3)  # the neckline


def _hoodie(pen: ImageDraw.ImageDraw, colour: str) -> None:
    pen.ellipse((175, 30, 305, 150), fill=colour, outline=LINE, width=3)  # the hood
    pen.polygon([(130, 100), (350, 100), (430, 300), (380, 320), (350, 230), (350, 430),
                 (130, 430), (130, 230), (100, 320), (50, 300)],
                fill=colour, outline=LINE, width=3)
    pen.ellipse((205, 60, 275, 130), fill="#555555")  # the opening of the hood
    pen.rectangle((180, 320, 300, 380), outline=LINE, width=3)  # the front pocket
    pen.line([(225, 130), (220, 200)], fill=LINE, width=3)  # the strings
    pen.line([(255, 130), (260, 200)], fill=LINE, width=3)


def _cord(pen: ImageDraw.ImageDraw) -> None:
    pen.ellipse((215, 40, 265, 90), outline=LINE, width=4)  # the loop for the phone
    pen.line([(240, 90), (240, 230)], fill="#888888", width=5)
    pen.ellipse((226, 220, 254, 248), fill="#c0c0c0", outline=LINE, width=2)  # the ring


def _strap_heart(pen: ImageDraw.ImageDraw, colour: str) -> None:
    _cord(pen)
    pen.ellipse((150, 250, 250, 350), fill=colour, outline=colour)
    pen.ellipse((230, 250, 330, 350), fill=colour, outline=colour)
    pen.polygon([(155, 320), (325, 320), (240, 430)], fill=colour)


def _strap_star(pen: ImageDraw.ImageDraw, colour: str) -> None:
    _cord(pen)
    pen.polygon([(240, 250), (265, 320), (340, 320), (280, 365), (303, 440), (240, 395),
                 (177, 440), (200, 365), (140, 320), (215, 320)],
                fill=colour, outline=LINE, width=3)


def _stickers(pen: ImageDraw.ImageDraw, colour: str) -> None:
    pen.rounded_rectangle((90, 60, 390, 420), radius=16, fill="#ffffff", outline=LINE, width=3)
    shapes = ("heart", "star", "circle")
    for row in range(3):
        for column in range(3):
            x, y = 130 + column * 90, 100 + row * 105
            shape = shapes[(row + column) % 3]
            if shape == "circle":
                pen.ellipse((x, y, x + 60, y + 60), fill=colour)
            elif shape == "star":
                pen.polygon([(x + 30, y), (x + 40, y + 22), (x + 60, y + 22), (x + 44, y + 36),
                             (x + 50, y + 60), (x + 30, y + 46), (x + 10, y + 60),
                             (x + 16, y + 36), (x, y + 22), (x + 20, y + 22)], fill="#f4c542")
            else:
                pen.ellipse((x, y, x + 32, y + 32), fill="#ff7aa8")
                pen.ellipse((x + 28, y, x + 60, y + 32), fill="#ff7aa8")
                pen.polygon([(x + 2, y + 22), (x + 58, y + 22), (x + 30, y + 58)],
                            fill="#ff7aa8")


def _mug(pen: ImageDraw.ImageDraw, colour: str) -> None:
    pen.ellipse((300, 170, 420, 330), outline=LINE, width=18)  # the handle
    pen.ellipse((300, 170, 420, 330), outline=colour, width=12)
    pen.rectangle((100, 120, 340, 400), fill=colour, outline=LINE, width=3)
    pen.ellipse((100, 95, 340, 145), fill="#6b3e26", outline=LINE, width=3)  # coffee
    pen.ellipse((100, 375, 340, 425), fill=colour, outline=LINE, width=3)
    pen.rectangle((103, 380, 337, 400), fill=colour)


def _tote(pen: ImageDraw.ImageDraw, colour: str) -> None:
    pen.arc((150, 40, 240, 220), 180, 360, fill=LINE, width=10)  # the handles
    pen.arc((240, 40, 330, 220), 180, 360, fill=LINE, width=10)
    pen.polygon([(100, 130), (380, 130), (400, 430), (80, 430)],
                fill=colour, outline=LINE, width=3)
    pen.rectangle((180, 230, 300, 300), outline="#ffffff", width=4)  # a printed label


def _towel(pen: ImageDraw.ImageDraw, colour: str) -> None:
    pen.rectangle((110, 90, 370, 400), fill=colour, outline=LINE, width=3)
    for y in (130, 350):  # the woven borders
        pen.rectangle((110, y, 370, y + 22), fill="#ffffff")
    for x in range(120, 370, 16):  # the fringe
        pen.line([(x, 400), (x, 425)], fill=colour, width=4)
    pen.polygon([(110, 90), (370, 90), (330, 60), (150, 60)], fill=colour, outline=LINE,
                width=3)  # the fold


def _gift_box(pen: ImageDraw.ImageDraw, colour: str) -> None:
    pen.rectangle((90, 160, 390, 410), fill=colour, outline=LINE, width=3)
    pen.polygon([(90, 160), (390, 160), (360, 120), (120, 120)], fill=colour, outline=LINE,
                width=3)  # the lid
    pen.rectangle((225, 120, 255, 410), fill="#f4c542")  # the ribbon
    pen.ellipse((200, 85, 240, 125), outline="#f4c542", width=8)  # the bow
    pen.ellipse((240, 85, 280, 125), outline="#f4c542", width=8)


KINDS: dict[str, Drawing] = {
    "tee": _shirt, "hoodie": _hoodie, "strap-heart": _strap_heart,
    "strap-star": _strap_star, "stickers": _stickers, "mug": _mug, "tote": _tote,
    "towel": _towel, "gift-box": _gift_box,
}


def draw(kind: str, colour: str) -> Image.Image:
    """The picture of a ``kind`` (a key of ``KINDS``) in ``colour``."""
    image = Image.new("RGB", (SIZE, SIZE), BACKGROUND)
    KINDS[kind](ImageDraw.Draw(image), colour)
    return image
