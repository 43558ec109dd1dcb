"""Review 20b, finding 11: an animated GIF was counted and priced as a still image, with no
warning (/tmp/review20b/cases/33: a 3-frame 700x500 GIF, 432 tokens as a file and 438 in a Chat
request). OpenAI's images-vision guide accepts PNG, JPEG, WEBP and non-animated GIF only. The
GIF's block headers are walked to a second image descriptor (pixels never decoded), and such
an image is listed as not counted, naming it, by images.refused: in estimate (a request's part
or the file itself), count_request and verify alike."""

from __future__ import annotations

import base64
import json
import struct
from pathlib import Path

import pytest

import gpt41cost
from gpt41cost import images as img
from gpt41cost.verify import VerifyRequest, local_count

IMAGES = Path(__file__).resolve().parent / "data" / "images"
ANIMATED = IMAGES / "gif-31x23-animated.gif"  # Pillow, 3 frames, loop=0 (make_fixtures.py)
STILL = IMAGES / "gif-23x11.gif"


def _gif(frames: int, *, gct: bool = True, lct: bool = False, loop: bool = True, data: int = 2) -> bytes:
    """A GIF89a of ``frames`` images, each with a graphic control extension and ``data``
    255-byte sub-blocks; color tables of 4 entries where asked."""
    out = b"GIF89a" + struct.pack("<HHBBB", 29, 17, 0x81 if gct else 0, 0, 0) + (b"\0" * 12 if gct else b"")
    if loop:
        out += b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"
    for _ in range(frames):
        out += b"\x21\xf9\x04\x00\x0a\x00\x00\x00"
        out += b"\x2c" + struct.pack("<HHHHB", 0, 0, 29, 17, 0x81 if lct else 0) + (b"\0" * 12 if lct else b"")
        out += b"\x02" + (b"\xff" + b"\x01" * 255) * data + b"\x00"
    return out + b"\x3b"


def _data_url(data: bytes) -> str:
    return "data:image/gif;base64," + base64.b64encode(data).decode()


@pytest.mark.parametrize(
    ("frames", "animated"),
    [pytest.param(1, False, id="still"), pytest.param(2, True, id="2-frames"), pytest.param(5, True, id="5-frames")],
)
@pytest.mark.parametrize("gct", [True, False], ids=["global-colors", "no-global-colors"])
@pytest.mark.parametrize("lct", [True, False], ids=["local-colors", "no-local-colors"])
@pytest.mark.parametrize("loop", [True, False], ids=["loop", "no-loop"])
def test_frames_are_counted_from_the_block_headers(frames: int, animated: bool, gct: bool, lct: bool, loop: bool):
    size = img.image_size_from_bytes(_gif(frames, gct=gct, lct=lct, loop=loop), "x.gif")
    assert size == img.ImageSize(29, 17, "gif", animated)


def test_pillows_gifs() -> None:
    assert img.image_size_from_file(ANIMATED) == img.ImageSize(31, 23, "gif", True)
    assert img.image_size_from_file(STILL) == img.ImageSize(23, 11, "gif", False)


def test_a_gif_cut_anywhere_never_crashes_and_is_animated_only_from_its_second_image() -> None:
    data = ANIMATED.read_bytes()
    # the second image descriptor follows the second frame's graphic control extension (8 bytes)
    second = data.index(b"\x21\xf9\x04", data.index(b"\x21\xf9\x04") + 1) + 8
    assert data[second] == 0x2C
    assert img.image_size_from_bytes(data[: second + 1], "x.gif").animated
    for end in range(10, len(data) + 1):
        size = img.image_size_from_bytes(data[:end], "x.gif")
        assert size.animated == (end > second), end
        url = _data_url(data[:end])
        assert img.image_size_from_url(url[: len(url) - end % 3]).width == 31  # base64 cut too


def _chat(url: str) -> dict[str, object]:
    parts = [{"type": "text", "text": "What happens here?"}, {"type": "image_url", "image_url": {"url": url}}]
    return {"model": "gpt-4.1", "messages": [{"role": "user", "content": parts}]}


def test_count_request_lists_an_animated_gif_as_not_counted() -> None:
    text_only = gpt41cost.count_request(
        {"model": "gpt-4.1", "messages": [{"role": "user", "content": "What happens here?"}]}
    )
    animated = gpt41cost.count_request(_chat(_data_url(ANIMATED.read_bytes())))
    assert animated.input_tokens == text_only.input_tokens
    assert animated.uncounted == (
        "message 1 part 2: image not counted: image data URL is an animated GIF: OpenAI accepts PNG, JPEG, "
        "WEBP and non-animated GIF only",
    )
    still = gpt41cost.count_request(_chat(_data_url(STILL.read_bytes())))
    assert still.uncounted == () and still.input_tokens == text_only.input_tokens + 85 + 170  # one tile


def test_verify_counts_it_as_count_request_does() -> None:
    body = _chat(str(ANIMATED))
    tokens, uncounted = local_count(VerifyRequest("r.json", body), "gpt-4.1")
    assert (tokens, uncounted) == (gpt41cost.count_request(body).input_tokens, gpt41cost.count_request(body).uncounted)
    # the image's path is shortened in the message when long (a clone's path in CI is)
    (said,) = uncounted
    assert said.startswith("message 1 part 2: image not counted: image /")
    assert said.endswith(" is an animated GIF: OpenAI accepts PNG, JPEG, WEBP and non-animated GIF only")


WHY = "is an animated GIF: OpenAI accepts PNG, JPEG, WEBP and non-animated GIF only"


def test_estimate_warns_for_the_request_holding_it(cli, tmp_path: Path) -> None:
    request = tmp_path / "chat.json"
    request.write_text(json.dumps(_chat(_data_url(ANIMATED.read_bytes()))), encoding="utf-8")
    run = cli("estimate", request, "-m", "gpt-4.1", "-f", "json", expect=0)
    assert run.json()["uncounted"] == [
        {"where": str(request), "what": f"message 1 part 2: image not counted: image data URL {WHY}"},
    ]
    assert f"NOT COUNTED {request}: message 1 part 2: image not counted: image data URL {WHY}" in run.stderr
    counted = gpt41cost.count_request(json.loads(request.read_text(encoding="utf-8")))
    assert run.json()["models"][0]["input_tokens_total"] == counted.input_tokens  # the text, no image


def test_estimate_warns_for_an_animated_gif_given_as_a_file(cli, tmp_path: Path) -> None:
    """The reviewer's second input: the GIF itself, read as one user message holding it."""
    gif = tmp_path / "anim.gif"
    gif.write_bytes(ANIMATED.read_bytes())
    still = tmp_path / "still.gif"
    still.write_bytes(STILL.read_bytes())
    doc = cli("estimate", gif, still, "-m", "gpt-4.1", "--per-input", "-f", "json", expect=0).json()
    assert doc["uncounted"] == [
        # the file is its own "where"; the message holding it is the reader's, not named (review 20c)
        {"where": str(gif), "what": f"image not counted: it {WHY}"},
    ]
    # a user message holding no counted image: 3 + "user" + 3 priming = 7; the still one: + 85 + 170
    assert {i["source"]: i["models"][0]["input_tokens"] for i in doc["inputs"]} == {str(gif): 7, str(still): 262}
