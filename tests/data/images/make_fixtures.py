"""Regenerate the image fixtures in this directory (run once by hand; tests never run it).

Needs Pillow, which is not a dependency of gpt41cost: run it from a throwaway venv,
``python -m venv /tmp/pil && /tmp/pil/bin/pip install pillow && /tmp/pil/bin/python make_fixtures.py``.
Each image has a distinct width and height so a swapped pair fails the tests.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image

HERE = Path(__file__).parent


def gradient(width: int, height: int, mode: str = "RGB") -> Image.Image:
    img = Image.new(mode, (width, height))
    for x in range(width):
        for y in range(height):
            px = (x * 255 // width, y * 255 // height, 128)
            img.putpixel((x, y), (*px, 200) if mode == "RGBA" else px)
    return img


def main() -> None:
    gradient(37, 21).save(HERE / "png-37x21.png")
    exif = Image.Exif()
    exif[0x010E] = "gpt41cost fixture: an APP1 segment the JPEG walker must skip"
    gradient(45, 29).save(HERE / "jpeg-45x29-exif.jpg", quality=70, exif=exif)
    gradient(33, 17).save(HERE / "jpeg-33x17-progressive.jpg", quality=70, progressive=True)
    gradient(23, 11).convert("P").save(HERE / "gif-23x11.gif")
    # three frames, looping (a NETSCAPE2.0 extension): OpenAI accepts non-animated GIFs only
    frames = [gradient(31, 23).rotate(90 * i).convert("P") for i in range(3)]
    frames[0].save(HERE / "gif-31x23-animated.gif", save_all=True, append_images=frames[1:], duration=100, loop=0)
    gradient(41, 27).save(HERE / "webp-41x27-lossy.webp", quality=60)
    gradient(19, 13).save(HERE / "webp-19x13-lossless.webp", lossless=True)
    gradient(25, 15, "RGBA").save(HERE / "webp-25x15-alpha.webp", quality=60)

    png = (HERE / "png-37x21.png").read_bytes()
    (HERE / "truncated.png").write_bytes(png[:20])
    jpeg = (HERE / "jpeg-45x29-exif.jpg").read_bytes()
    sof = jpeg.index(b"\xff\xc0")
    (HERE / "truncated.jpg").write_bytes(jpeg[: sof + 4])
    (HERE / "truncated-before-sof.jpg").write_bytes(jpeg[:sof])
    (HERE / "not-an-image.png").write_bytes(b"this is text, not a PNG\n")


if __name__ == "__main__":
    main()
