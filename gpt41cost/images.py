"""Image inputs: their size from the file header, and the tokens GPT-4.1 bills for them.

Dimensions are read from the header only (PNG ``IHDR``, the JPEG ``SOFn`` frame header,
the GIF logical screen, WebP ``VP8 ``/``VP8L``/``VP8X``); pixels are never decoded. A GIF's
block headers are walked past its first image to tell an animated one (:func:`refused`). A file
or stream is read a few bytes at a time, skipping JPEG metadata segments with a seek, and a
``data:`` URL is base64-decoded only as far as the header goes.

Token rules (docs/accounting.md §6, checked against OpenAI's images-vision guide):

* ``gpt-4.1`` uses 512-px tiles: ``detail: low`` costs 85 tokens; ``high`` and ``auto`` fit
  the image within 2048x2048, shrink its shortest side to 768 px, and cost 85 + 170 per tile.
* ``gpt-4.1-mini`` and ``gpt-4.1-nano`` use 32-px patches times a multiplier, with a
  pixel-dimension limit and a patch budget per model (:data:`PATCH_SIZING`).

Every rule, and whether it is documented or an inference, is listed in :data:`RULES`.
This module is pure: it never prints, exits or reads the environment.
"""

from __future__ import annotations

import binascii
import math
import re
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from fractions import Fraction
from pathlib import Path
from typing import BinaryIO, Protocol, TypeGuard
from urllib.parse import unquote, urlparse

from .errors import InputError, ParameterError, quoted, slot

# --- undocumented or version-dependent choices: one named constant each -------------------

PATCH_TOKEN_ROUNDING = "ceil"
"""How ``patches x multiplier`` (e.g. 1452 x 2.46 = 3571.92) becomes whole tokens: rounded up.

The 2025 guide left this open; the current images-vision guide (step D of "Patch-based image
tokenization") says "multiply the patch count by the model's multiplier and round up". It is
also the safe side for a planner, which must not under-estimate. The product is computed in
``Decimal`` so 1024 x 1.62 is exactly 1658.88, not a float a hair above or below it.
"""

LOW_DETAIL_ON_PATCH_MODELS = "same as high"
"""``detail: low`` changes nothing on gpt-4.1-mini and gpt-4.1-nano: they size the image as for high.

Documented for gpt-4.1-mini by the current guide's model sizing table ("low, high, auto: these
detail levels use the same sizing limits"); for gpt-4.1-nano it is an inference from users'
measured bills (the guide never gave nano a separate low-detail rule).
"""

FIT_PIXEL_ROUNDING = "nearest"
"""When an image is scaled down to fit 2048 px, the other side is rounded to the nearest pixel.

The current guide says only that the fit is "rounding to integer pixels" (it says "round down"
for the later 768-px and patch-budget steps, and this module does that there). Nearest is an
inference: measured gpt-4.1 bills for 2049x513 (8 tiles: 512.75 -> 513 px) and 2050x513
(4 tiles: 512.4995 -> 512 px) match it, and rounding down would give 4 tiles for both. Ties
(exactly .5) go to the even pixel, Python's ``round``; a result of 0 px becomes 1 px.
"""

# --- documented constants -----------------------------------------------------------------

TILE_MODEL = "gpt-4.1"
TILE_FIT_SIDE = 2048  # px: high/auto images are first fitted within 2048x2048
TILE_SHORT_SIDE = 768  # px: then the shortest side is shrunk to 768 if longer
TILE_SIZE = 512  # px
TILE_BASE_TOKENS = 85  # also the whole cost of detail: low
TILE_TOKENS = 170

PATCH_SIZE = 32  # px
DETAILS = ("low", "high", "auto")


@dataclass(frozen=True)
class PatchSizing:
    """How one patch model sizes an image: pixel limit, patch budget, token multiplier, source."""

    max_side: int  # px: the image is first fitted within max_side x max_side
    patch_budget: int  # patches: then scaled down further if it needs more than this
    multiplier: Decimal  # tokens per patch
    source: str


PATCH_SIZING: Mapping[str, PatchSizing] = {
    "gpt-4.1-mini": PatchSizing(
        max_side=2048,
        patch_budget=6144,
        multiplier=Decimal("1.62"),
        source=(
            "images-vision guide, current version, 'Model sizing behavior' table: gpt-4.1-mini "
            "low/high/auto use a 2048-pixel maximum dimension and a 6,144-patch budget (the "
            "budget is never reached: a 2048x2048 image is 64x64 = 4,096 patches)"
        ),
    ),
    "gpt-4.1-nano": PatchSizing(
        max_side=2048,
        patch_budget=1536,
        multiplier=Decimal("2.46"),
        source=(
            "images-vision guide, previous version (the current one lists nano, 2025-04-14 "
            "snapshot, only in its multiplier table as deprecated): high allows up to 1,536 "
            "patches or a 2048-pixel maximum dimension, whichever is smaller"
        ),
    ),
}
"""Per-model patch sizing. Changing a model's rule is a one-line change here."""

RULES: tuple[tuple[str, str], ...] = (
    (
        "gpt-4.1 detail low",
        "Documented: an image sent with detail low costs 85 tokens on gpt-4.1, whatever its size.",
    ),
    (
        "gpt-4.1 detail high/auto",
        "Documented: the image is fitted within 2048x2048 (never enlarged), its shortest side is "
        "shrunk to 768 px if longer (the other side rounded down), and it costs 85 tokens plus "
        "170 per 512-px tile needed to cover it.",
    ),
    (
        "gpt-4.1-mini patches",
        "Documented (current images-vision guide): fitted within 2048 px on its longest side, "
        "covered by 32-px patches under a 6,144-patch budget that a 2048-px image never reaches, "
        "at 1.62 tokens per patch; the 2025 guide's 1,536-patch cap no longer applies to mini.",
    ),
    (
        "gpt-4.1-nano patches",
        "Documented (previous guide; the current one no longer sizes nano): fitted within 2048 px "
        "and 1,536 patches, whichever is smaller, at 2.46 tokens per patch.",
    ),
    (
        "PATCH_TOKEN_ROUNDING",
        "Patch tokens are patches times the multiplier rounded up (1452 x 2.46 = 3571.92 -> 3572): "
        "documented by the current guide, left open by earlier ones, and never an under-estimate.",
    ),
    (
        "LOW_DETAIL_ON_PATCH_MODELS",
        "detail low costs the same as high on gpt-4.1-mini and gpt-4.1-nano: documented for mini "
        "by the current guide, an inference from users' bills for nano.",
    ),
    (
        "FIT_PIXEL_ROUNDING",
        "Inference: when an image is scaled to fit 2048 px, the other side is rounded to the "
        "nearest pixel; the guide says only 'rounding to integer pixels', and measured gpt-4.1 "
        "bills for 2049x513 and 2050x513 agree with nearest, not with rounding down.",
    ),
    (
        "animated GIF",
        "Documented: input images must be PNG, JPEG, WEBP or non-animated GIF. A GIF holding more "
        "than one image (found from its block headers, pixels never decoded) is listed as not "
        "counted, naming the image, and never priced as a still image.",
    ),
    (
        "image size unknown",
        "An image whose size cannot be read offline (an http(s) URL or a file_id) is reported as "
        "uncounted, never as zero tokens, unless --image-size WxH gives its size or its size does "
        "not matter (detail low on gpt-4.1: 85 tokens).",
    ),
)


@dataclass(frozen=True)
class ImageSize:
    """An image's size in pixels and its format: png, jpeg, gif, webp, or "given" (from flags or keys)."""

    width: int
    height: int
    format: str
    animated: bool = False  # a GIF holding more than one image (OpenAI accepts non-animated GIFs only)


# --- token arithmetic ---------------------------------------------------------------------


def _positive(width: int, height: int) -> None:
    if width <= 0 or height <= 0:
        raise ValueError(f"image size must be positive, got {width}x{height}")


def _fit_within(width: int, height: int, side: int) -> tuple[int, int]:
    """Scale down (never up) so both sides are at most ``side`` px, keeping the aspect ratio.

    The scaled side is rounded per :data:`FIT_PIXEL_ROUNDING`, exactly (``Fraction``).
    """
    if width <= side and height <= side:
        return width, height
    if width >= height:
        return side, max(1, round(Fraction(height * side, width)))
    return max(1, round(Fraction(width * side, height))), side


def tile_count(width: int, height: int) -> int:
    """512-px tiles gpt-4.1 bills for an image at detail high/auto (1 to 8)."""
    _positive(width, height)
    w, h = _fit_within(width, height, TILE_FIT_SIDE)
    short = min(w, h)
    if short > TILE_SHORT_SIDE:
        # The shortest side becomes 768 and the other side is rounded down (documented).
        if w <= h:
            w, h = TILE_SHORT_SIDE, h * TILE_SHORT_SIDE // w
        else:
            w, h = w * TILE_SHORT_SIDE // h, TILE_SHORT_SIDE
    return math.ceil(w / TILE_SIZE) * math.ceil(h / TILE_SIZE)


def patch_count(width: int, height: int, *, patch_budget: int, max_side: int) -> int:
    """32-px patches billed for an image under a pixel limit and a patch budget.

    The two limits are applied in the order the current guide gives: first fit within
    ``max_side`` x ``max_side`` (never enlarging), then, if the image still needs more than
    ``patch_budget`` patches, the guide's shrink::

        r = sqrt(32^2 * budget / (w * h))
        r = r * min(floor(w*r/32) / (w*r/32), floor(h*r/32) / (h*r/32))
        patches = ceil(floor(w*r)/32) * ceil(floor(h*r)/32), at most budget

    The budget's shrink depends only on the area, so doing the pixel fit first gives the
    same result as "resize to fit the lesser of the two constraints" (the previous guide's
    wording) up to the pixel rounding of the fit. The shrink is computed exactly, with no
    floating point: ``floor(w*r/32) = isqrt(w*budget // h)`` and the adjusted ``r`` is
    ``min(32*kw/w, 32*kh/h)``, so 2048x2048 under a 2,500 budget is exactly 1600x1600.
    The guide's "at most budget" never binds here: ``kw <= sqrt(w*budget/h)`` and
    ``kh <= sqrt(h*budget/w)``, so ``kw * kh <= budget``, and the shrunk image needs ``kw``
    patches one way and at most ``kh`` the other (tests/test_images.py's law checks it).
    """
    _positive(width, height)
    if patch_budget <= 0 or max_side <= 0:
        raise ValueError("patch_budget and max_side must be positive")
    w, h = _fit_within(width, height, max_side)
    patches = math.ceil(w / PATCH_SIZE) * math.ceil(h / PATCH_SIZE)
    if patches <= patch_budget:
        return patches
    kw = math.isqrt(w * patch_budget // h)  # floor(w*r/32)
    kh = math.isqrt(h * patch_budget // w)  # floor(h*r/32)
    if kw * h <= kh * w:  # the width's factor is the smaller one: width lands on kw patches
        rw, rh = PATCH_SIZE * kw, PATCH_SIZE * kw * h // w
    else:
        rw, rh = PATCH_SIZE * kh * w // h, PATCH_SIZE * kh
    rw, rh = max(1, rw), max(1, rh)
    return math.ceil(rw / PATCH_SIZE) * math.ceil(rh / PATCH_SIZE)


def image_tokens(model: str, width: int, height: int, detail: str = "auto") -> int:
    """Input tokens one image of ``width`` x ``height`` px costs on a GPT-4.1 base model.

    ``model`` is the base name (gpt-4.1, gpt-4.1-mini or gpt-4.1-nano; resolve aliases,
    snapshots and ``ft:`` names first) and ``detail`` is low, high or auto. Raises
    ``ValueError`` for anything else: callers validate user input before calling.
    """
    if detail not in DETAILS:
        raise ValueError(f"detail must be one of {', '.join(DETAILS)}, got {quoted(detail)}")
    _positive(width, height)
    if model == TILE_MODEL:
        if detail == "low":
            return TILE_BASE_TOKENS
        return TILE_BASE_TOKENS + TILE_TOKENS * tile_count(width, height)
    sizing = PATCH_SIZING.get(model)
    if sizing is None:
        known = ", ".join([TILE_MODEL, *PATCH_SIZING])
        raise ValueError(f"no image rule for model {quoted(model)} (known: {known})")
    # LOW_DETAIL_ON_PATCH_MODELS: low, high and auto size the image the same way.
    patches = patch_count(width, height, patch_budget=sizing.patch_budget, max_side=sizing.max_side)
    return patch_tokens(patches, sizing.multiplier)


def patch_tokens(patches: int, multiplier: Decimal) -> int:
    """``patches x multiplier`` in whole tokens, rounded per :data:`PATCH_TOKEN_ROUNDING` (up)."""
    return int((Decimal(patches) * multiplier).to_integral_value(rounding=ROUND_CEILING))


def max_image_tokens(model: str) -> int:
    """The most tokens any one image can cost on ``model`` at any detail (for limits and laws)."""
    if model == TILE_MODEL:
        most_tiles = math.ceil(TILE_SHORT_SIDE / TILE_SIZE) * math.ceil(TILE_FIT_SIDE / TILE_SIZE)
        return TILE_BASE_TOKENS + TILE_TOKENS * most_tiles
    sizing = PATCH_SIZING.get(model)
    if sizing is None:
        raise ValueError(f"no image rule for model {quoted(model)}")
    side_patches = math.ceil(sizing.max_side / PATCH_SIZE)
    return patch_tokens(min(sizing.patch_budget, side_patches * side_patches), sizing.multiplier)


# --- header parsing -----------------------------------------------------------------------


class BadImage(InputError):
    """An image whose header gpt41cost cannot read (not an image, truncated, corrupt): its
    message names where. An image file given as an input is then a bad input ``--skip-bad``
    skips, as a data file that does not parse."""


NOT_AN_IMAGE = "not a PNG, JPEG, GIF or WebP image"
#: Why an animated GIF is not counted (the images-vision guide's input requirements).
ANIMATED_GIF = "is an animated GIF: OpenAI accepts PNG, JPEG, WEBP and non-animated GIF only"
TRUNCATED = "truncated image header"

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_GIF_MAGICS = (b"GIF87a", b"GIF89a")
_JPEG_MAGIC = b"\xff\xd8"
# SOFn markers carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but do not.
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
# Markers with no length field: TEM, RST0-7, SOI.
_JPEG_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8), 0xD8})
_HEAD = 32  # bytes: enough for the PNG, GIF and WebP headers


class _Source(Protocol):
    def read_at(self, offset: int, size: int) -> bytes:
        """Up to ``size`` bytes from ``offset``; fewer only at the end of the data."""
        ...


class _BytesSource:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def read_at(self, offset: int, size: int) -> bytes:
        return self.data[offset : offset + size]


class _StreamSource:
    """A seekable binary stream, read only where the parser looks."""

    def __init__(self, stream: BinaryIO, where: str) -> None:
        self.stream = stream
        self.where = where

    def read_at(self, offset: int, size: int) -> bytes:
        try:
            self.stream.seek(offset)
            out = b""
            while len(out) < size:
                chunk = self.stream.read(size - len(out))
                if not chunk:
                    break
                out += chunk
            return out
        except OSError as exc:
            raise InputError(f"{self.where}: cannot read: {exc.strerror or exc}") from None


_B64_CHUNK = re.compile(r"[A-Za-z0-9+/]*={0,2}")
_WHITESPACE = (" ", "\n", "\r", "\t", "\f", "\v")


class _Base64Source:
    """The base64 payload of a data: URL, decoded 4-character group by group on demand."""

    def __init__(self, payload: str, where: str) -> None:
        # Line-wrapped base64 (MIME wraps at 76 characters) would break the 4-character
        # alignment; substring tests are ~40x faster than a regex on a 20 MB payload.
        if any(ws in payload for ws in _WHITESPACE):
            payload = "".join(payload.split())
        self.payload = payload
        self.where = where

    def read_at(self, offset: int, size: int) -> bytes:
        start = offset // 3 * 4
        end = -(-(offset + size) // 3) * 4
        chunk = self.payload[start:end]
        if len(chunk) % 4 == 1 or not _B64_CHUNK.fullmatch(chunk) or "=" in chunk[:-2]:
            raise InputError(f"{self.where}: malformed data URL: invalid base64")
        chunk += "=" * (-len(chunk) % 4)
        try:
            data = binascii.a2b_base64(chunk, strict_mode=True)
        except binascii.Error:
            raise InputError(f"{self.where}: malformed data URL: invalid base64") from None
        skip = offset - start // 4 * 3
        return data[skip : skip + size]


def _size(width: int, height: int, fmt: str, where: str) -> ImageSize:
    if width <= 0 or height <= 0:
        raise BadImage(f"{where}: {fmt.upper()} header gives a zero size ({width}x{height})")
    return ImageSize(width, height, fmt)


def _parse(src: _Source, where: str) -> ImageSize:
    head = src.read_at(0, _HEAD)
    if head.startswith(_PNG_MAGIC):
        if len(head) < 24:
            raise BadImage(f"{where}: {TRUNCATED}")
        if head[12:16] != b"IHDR":
            raise BadImage(f"{where}: PNG has no IHDR chunk first; the file is corrupt")
        width, height = struct.unpack(">II", head[16:24])
        return _size(width, height, "png", where)
    if head[:6] in _GIF_MAGICS:
        if len(head) < 10:
            raise BadImage(f"{where}: {TRUNCATED}")
        width, height = struct.unpack("<HH", head[6:10])
        size = _size(width, height, "gif", where)
        return ImageSize(width, height, "gif", True) if _gif_frames(src) > 1 else size
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return _parse_webp(head, where)
    if head.startswith(_JPEG_MAGIC):
        return _parse_jpeg(src, where)
    if _is_prefix_of_magic(head):
        raise BadImage(f"{where}: {TRUNCATED}")
    raise BadImage(f"{where}: {NOT_AN_IMAGE}")


class _Cursor:
    """Bytes of a :class:`_Source` one at a time, read in blocks (a GIF's blocks are walked byte
    by byte); None past the end."""

    BLOCK = 1 << 16

    def __init__(self, src: _Source) -> None:
        self.src = src
        self.start = 0
        self.data = b""

    def byte(self, pos: int) -> int | None:
        if not self.start <= pos < self.start + len(self.data):
            self.start, self.data = pos, self.src.read_at(pos, self.BLOCK)
            if not self.data:
                return None
        return self.data[pos - self.start]


def _gif_frames(src: _Source) -> int:
    """How many images a GIF holds, counted to 2 (enough to tell an animation) from its block
    headers: the logical screen (13 bytes), the global color table, then extension blocks (0x21)
    and image descriptors (0x2C), each followed by data sub-blocks that are skipped by their
    lengths, never decoded, to the trailer (0x3B). A file that ends early, or a block gpt41cost
    does not know, stops the count where it is: the size is read already, and a truncated or
    odd file is not called animated on a guess."""
    at = _Cursor(src)
    frames = 0
    try:
        packed = at.byte(10)
        if packed is None:
            return frames
        pos = 13 + (3 << ((packed & 7) + 1) if packed & 0x80 else 0)
        while frames < 2:
            kind = at.byte(pos)
            if kind == 0x21:  # extension: introducer, label, sub-blocks
                pos += 2
            elif kind == 0x2C:  # image descriptor: 10 bytes, local color table, LZW code size, sub-blocks
                frames += 1
                packed = at.byte(pos + 9)
                if packed is None:
                    return frames
                pos += 10 + (3 << ((packed & 7) + 1) if packed & 0x80 else 0) + 1
            else:  # the trailer, the end of the data, or a block that is not GIF
                return frames
            while n := at.byte(pos):  # data sub-blocks: a length byte, then that many bytes
                pos += 1 + n
            if n is None:
                return frames
            pos += 1
    except InputError:  # a data URL whose base64 breaks after the header: counted as read so far
        return frames
    return frames


def _is_prefix_of_magic(head: bytes) -> bool:
    if not head:
        return False  # empty: nothing says it was ever an image
    magics = (_PNG_MAGIC, _JPEG_MAGIC, *_GIF_MAGICS, b"RIFF")
    if any(m.startswith(head) for m in magics):
        return True
    return head[:4] == b"RIFF" and len(head) < 12 and b"WEBP".startswith(head[8:])


def _parse_webp(head: bytes, where: str) -> ImageSize:
    chunk = head[12:16]
    if chunk == b"VP8 ":  # lossy: frame tag (3 bytes), start code 9d 01 2a, 14-bit sizes
        if len(head) < 30:
            raise BadImage(f"{where}: {TRUNCATED}")
        if head[23:26] != b"\x9d\x01\x2a":
            raise BadImage(f"{where}: WebP VP8 frame has no start code; the file is corrupt")
        width, height = struct.unpack("<HH", head[26:30])
        return _size(width & 0x3FFF, height & 0x3FFF, "webp", where)
    if chunk == b"VP8L":  # lossless: signature 0x2f, then 14-bit width-1 and height-1
        if len(head) < 25:
            raise BadImage(f"{where}: {TRUNCATED}")
        if head[20] != 0x2F:
            raise BadImage(f"{where}: WebP VP8L signature is missing; the file is corrupt")
        bits = int.from_bytes(head[21:25], "little")
        return _size((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1, "webp", where)
    if chunk == b"VP8X":  # extended: flags (4 bytes), then 24-bit canvas width-1 and height-1
        if len(head) < 30:
            raise BadImage(f"{where}: {TRUNCATED}")
        width = int.from_bytes(head[24:27], "little") + 1
        height = int.from_bytes(head[27:30], "little") + 1
        return _size(width, height, "webp", where)
    if len(head) < 16:
        raise BadImage(f"{where}: {TRUNCATED}")
    raise BadImage(f"{where}: WebP with unknown first chunk {quoted(chunk)}; {NOT_AN_IMAGE}")


def _parse_jpeg(src: _Source, where: str) -> ImageSize:
    """Walk the marker segments after SOI to the first SOFn frame header, seeking past the rest."""
    pos = 2
    while True:
        pair = src.read_at(pos, 2)
        if len(pair) < 2:
            raise BadImage(f"{where}: {TRUNCATED}")
        if pair[0] != 0xFF:
            raise BadImage(f"{where}: JPEG marker expected at byte {pos}; the file is corrupt")
        marker = pair[1]
        if marker == 0xFF:  # fill byte before a marker
            pos += 1
            continue
        pos += 2
        if marker in _JPEG_STANDALONE:
            continue
        if marker in (0xD9, 0xDA):  # EOI or SOS: image data with no frame header before it
            raise BadImage(f"{where}: JPEG has no frame header (SOF) before its image data")
        if marker in _JPEG_SOF:
            frame = src.read_at(pos, 7)  # length (2), precision (1), height (2), width (2)
            if len(frame) < 7:
                raise BadImage(f"{where}: {TRUNCATED}")
            height, width = struct.unpack(">HH", frame[3:7])
            return _size(width, height, "jpeg", where)
        length_bytes = src.read_at(pos, 2)
        if len(length_bytes) < 2:
            raise BadImage(f"{where}: {TRUNCATED}")
        (length,) = struct.unpack(">H", length_bytes)
        if length < 2:
            raise BadImage(f"{where}: JPEG segment at byte {pos - 2} has length {length}; file is corrupt")
        pos += length


# --- public readers -----------------------------------------------------------------------


def image_size_from_bytes(data: bytes, source: str) -> ImageSize:
    """The size in pixels from an image's header bytes (the whole file or just its start).

    Raises :class:`InputError` starting with ``source`` when ``data`` is not a PNG, JPEG,
    GIF or WebP image, or ends before the size.
    """
    return _parse(_BytesSource(data), source)


def image_size_from_stream(stream: BinaryIO, source: str) -> ImageSize:
    """The size from a seekable binary stream, reading only the header (JPEG: segment headers)."""
    return _parse(_StreamSource(stream, source), source)


def image_size_from_file(path: str | Path) -> ImageSize:
    """The size of the image file at ``path``, reading only its header.

    Raises :class:`InputError` naming the file when it is missing, unreadable, not an
    image, or truncated.
    """
    where = str(path)
    try:
        with open(path, "rb") as fh:
            return image_size_from_stream(fh, where)
    except FileNotFoundError:
        raise InputError(f"{where}: no such image file") from None
    except IsADirectoryError:
        raise InputError(f"{where}: is a directory, not an image file") from None
    except OSError as exc:
        raise InputError(f"{where}: cannot read: {exc.strerror or exc}") from None


def parse_image_size_flag(value: str) -> ImageSize:
    """``--image-size WxH`` (e.g. ``1024x768``) as an :class:`ImageSize` of format "given"."""
    m = re.fullmatch(r"\s*(\d+)\s*[xX×]\s*(\d+)\s*", value)
    if not m or int(m.group(1)) <= 0 or int(m.group(2)) <= 0:
        raise ParameterError(f"{slot('image_size')}: expected WxH, e.g. 1024x768 (got " + quoted(value) + ")")
    return ImageSize(int(m.group(1)), int(m.group(2)), "given")


def image_size_param(value: object) -> ImageSize | None:
    """The ``image_size`` argument of the Python API (``count_request``, ``estimate``, ``limits``,
    ``plan``) as an :class:`ImageSize` of format "given", or None when it is not given (None or
    ""): "WxH" text (:func:`parse_image_size_flag`) or a (width, height) tuple of whole pixels
    over 0. Anything else raises ParameterError naming ``image_size``: the one check of it."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return parse_image_size_flag(value)
    if isinstance(value, tuple):
        if len(value) == 2 and all(type(v) is int and v > 0 for v in value):
            return ImageSize(value[0], value[1], "given")
        items = ", ".join(quoted(v) for v in value[:3])
        # as Python writes it: (640,) for one item
        shown = "(" + items + (", ..." if len(value) > 3 else "," if len(value) == 1 else "") + ")"
        raise ParameterError(
            f"{slot('image_size')}: give (width, height), whole pixels over 0, e.g. (1024, 768), not " + shown
        )
    raise ParameterError(
        f"{slot('image_size')}: give WxH, e.g. '1024x768', or (width, height), not " + type(value).__name__
    )


def _short(url: str, limit: int = 60) -> str:
    return url if len(url) <= limit else url[: limit - 3] + "..."


def image_size_from_url(
    url: str,
    base_dir: Path | None = None,
    override: ImageSize | None = None,
    *,
    source: str | None = None,
) -> ImageSize | None:
    """The size of the image an API request points at, or ``None`` when it cannot be known offline.

    * ``data:image/...;base64,...``: decoded only as far as the header.
    * ``file://`` URLs and plain paths (relative ones against ``base_dir``, else the
      working directory): read from the file's header.
    * ``http(s)://`` and any other scheme: ``override`` (from ``--image-size``) or ``None``,
      which the caller reports as uncounted, never as zero.

    ``source`` (e.g. ``"batch.jsonl:12"``) starts every error message; a file's errors also
    name the file. Raises :class:`InputError` for a malformed data URL or a bad image.
    """
    prefix = f"{source}: " if source else ""
    if url[:5].lower() == "data:":
        where = f"{source}: image data URL" if source else "image data URL"
        comma = url.find(",")
        if comma < 0:
            raise InputError(f"{where}: malformed data URL: no ',' before the data")
        if not url[5:comma].lower().endswith(";base64"):
            raise InputError(f"{where}: data URL is not base64-encoded (expected ';base64,')")
        return _parse(_Base64Source(url[comma + 1 :], where), where)
    parsed = urlparse(url)
    scheme = parsed.scheme.lower()
    if scheme == "file":
        from urllib.request import url2pathname  # deferred: it imports http.client (~30 ms)

        return _size_of_path(url2pathname(unquote(parsed.path)), None, prefix)
    if "://" in url or scheme in ("http", "https"):
        return override
    return _size_of_path(url, base_dir, prefix)


def _size_of_path(path: str, base_dir: Path | None, prefix: str = "") -> ImageSize:
    """:func:`image_size_from_file` for ``path``, taken relative to ``base_dir`` if not absolute."""
    p = Path(path)
    if base_dir is not None and not p.is_absolute():
        p = base_dir / p
    try:
        return image_size_from_file(p)
    except InputError as exc:
        if not prefix:
            raise
        raise InputError(prefix + exc.message) from None


# --- request content parts ----------------------------------------------------------------


def _is_count(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _explicit_size(*holders: Mapping[str, object]) -> ImageSize | None:
    for holder in holders:
        width, height = holder.get("width"), holder.get("height")
        if _is_count(width) and _is_count(height):
            return ImageSize(width, height, "given")
    return None


def _unsized(model: str, detail: str, what: str) -> tuple[int | None, str | None]:
    """An image whose size cannot be read offline: counted only where its size does not matter
    (detail low on gpt-4.1: 85 tokens, documented), else uncounted, saying why."""
    if detail == "low":
        if model == TILE_MODEL:
            return TILE_BASE_TOKENS, None
        why = f"detail low costs {TILE_BASE_TOKENS} whatever the size on {TILE_MODEL} only, {model} sizes it"
        return None, f"{what}: size unknown offline ({why}); pass --image-size WxH"
    return None, f"{what}: size unknown offline; pass --image-size WxH"


def refused(size: ImageSize, what: str) -> str | None:
    """Why OpenAI refuses the image ``what`` (e.g. "image cat.gif") of ``size``, or None: an
    animated GIF. Every reader of images asks this one question; a refused image is listed as
    not counted, never priced as a still one."""
    return f"{what} {ANIMATED_GIF}" if size.animated else None


def image_part_tokens(
    part: Mapping[str, object],
    model: str,
    base_dir: Path | None = None,
    override: ImageSize | None = None,
    *,
    source: str | None = None,
) -> tuple[int | None, str | None]:
    """Tokens for one image content part: ``(tokens, None)``, or ``(None, why it is uncounted)``.

    Takes a Chat Completions part ``{"type": "image_url", "image_url": {"url", "detail"}}``
    (``image_url`` may also be a bare string) or a Responses part ``{"type": "input_image",
    "image_url": "...", "detail": ..., "file_id": ...}``. Explicit integer ``width`` and
    ``height`` keys, on the part or inside its ``image_url`` object, win over reading the
    image. A ``file_id`` or remote URL is uncounted unless ``override`` gives a size, or unless
    its size does not matter: detail low on gpt-4.1 (85 tokens); so is an image OpenAI refuses
    (:func:`refused`: an animated GIF).
    ``model`` is the base model name (see :func:`image_tokens`). Raises :class:`InputError`
    (prefixed with ``source``) for a bad detail, a part with no image, or a bad image.
    """
    prefix = f"{source}: " if source else ""
    inner = part.get("image_url")
    holders: list[Mapping[str, object]] = [part]
    url: object = inner
    detail: object = part.get("detail")
    if isinstance(inner, Mapping):
        holders.append(inner)
        url = inner.get("url")
        detail = inner.get("detail", detail)
    if detail is None:
        detail = "auto"
    if detail not in DETAILS:
        raise InputError(f"{prefix}image detail must be low, high or auto, not {quoted(detail)}")
    size = _explicit_size(*holders)
    if size is None:
        if isinstance(url, str) and url:
            size = image_size_from_url(url, base_dir, override, source=source)
            if size is None:
                return _unsized(model, str(detail), f"remote image {_short(url)}")
            why = refused(size, "image data URL" if url[:5].lower() == "data:" else f"image {_short(url)}")
            if why is not None:
                return None, why
        elif isinstance(part.get("file_id"), str):
            if override is None:
                return _unsized(model, str(detail), f"image file_id {part['file_id']}")
            size = override
        else:
            raise InputError(f"{prefix}image part has no image_url or file_id")
    return image_tokens(model, size.width, size.height, str(detail)), None
