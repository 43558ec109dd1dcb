"""Review 20b, finding 6: ``count_request(body, image_size=(640, 480))`` (or an int, or bytes)
raised a bare TypeError from ``re`` inside images.parse_image_size_flag, where ``estimate`` and
``limits`` raised ParameterError naming ``image_size``. One check (images.image_size_param) now
serves every function that takes it, and a (width, height) tuple of whole pixels is taken as
"WxH" is, the natural Python spelling of a size."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import gpt41cost
from gpt41cost.errors import ParameterError

from .conftest import TEST_DATE

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
REMOTE = {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}
BODY = {"model": "gpt-4.1", "messages": [{"role": "user", "content": [{"type": "text", "text": "Hi"}, REMOTE]}]}


def _calls(value: Any) -> list[Any]:
    """Every function taking ``image_size``, given ``value``."""
    return [
        lambda: gpt41cost.count_request(BODY, image_size=value),
        lambda: gpt41cost.estimate([str(SAMPLES / "support")], image_size=value, as_of=TEST_DATE),
        lambda: gpt41cost.limits(
            [str(SAMPLES / "support")], max_tokens=10, peak_rpm=1, image_size=value, as_of=TEST_DATE
        ),
        lambda: gpt41cost.plan(str(SAMPLES / "workloads" / "support-bot.yaml"), image_size=value, as_of=TEST_DATE),
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param(640, "image_size: give WxH, e.g. '1024x768', or (width, height), not int", id="int"),
        pytest.param(b"640x480", "image_size: give WxH, e.g. '1024x768', or (width, height), not bytes", id="bytes"),
        pytest.param([640, 480], "image_size: give WxH, e.g. '1024x768', or (width, height), not list", id="list"),
        pytest.param((0, 480), "image_size: give (width, height), whole pixels over 0, e.g. (1024, 768), not (0, 480)",
                     id="zero"),
        pytest.param((640.0, 480), "image_size: give (width, height), whole pixels over 0, e.g. (1024, 768), "
                     "not (640.0, 480)", id="float"),
        pytest.param((True, 480), "image_size: give (width, height), whole pixels over 0, e.g. (1024, 768), "
                     "not (True, 480)", id="bool"),
        pytest.param((640,), "image_size: give (width, height), whole pixels over 0, e.g. (1024, 768), not (640,)",
                     id="one"),
        pytest.param("640", "image_size: expected WxH, e.g. 1024x768 (got '640')", id="text"),
    ],
)  # fmt: skip
def test_a_bad_image_size_is_named_by_every_function(value: Any, message: str) -> None:
    for call in _calls(value):
        with pytest.raises(ParameterError) as exc:
            call()
        assert str(exc.value) == message


def test_a_width_and_height_tuple_is_the_wxh_text() -> None:
    as_text = gpt41cost.count_request(BODY, image_size="1024x768")
    as_tuple = gpt41cost.count_request(BODY, image_size=(1024, 768))
    assert as_tuple == as_text
    # 1024x768 on gpt-4.1: 768 px short side already, 2x2 tiles: 85 + 170 x 4 = 765; plus 8 (message, "Hi")
    assert as_tuple.input_tokens == 765 + 3 + 1 + 1 + 3 and as_tuple.uncounted == ()
    assert gpt41cost.count_request(BODY).uncounted  # without a size the remote image is not counted


def test_estimate_takes_the_tuple_as_the_text(tmp_path: Path) -> None:
    import json

    path = tmp_path / "remote.json"
    path.write_text(json.dumps(BODY), encoding="utf-8")
    docs = [
        gpt41cost.estimate([str(path)], models="gpt-4.1", image_size=size, as_of=TEST_DATE).to_dict()
        for size in ("1024x768", (1024, 768))
    ]
    assert docs[0] == docs[1]
    assert (
        docs[0]["models"][0]["input_tokens_total"] == gpt41cost.count_request(BODY, image_size=(1024, 768)).input_tokens
    )
