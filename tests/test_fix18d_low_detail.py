"""Session 18, fix18d, 3: an image at detail low whose size cannot be read offline (an http(s)
URL, a file_id) costs 85 tokens on gpt-4.1 whatever its size (documented, docs/accounting.md §6),
so it is counted there; on gpt-4.1-mini and gpt-4.1-nano every detail sizes the image, so it stays
uncounted, saying why. Before: uncounted on every model ("pass --image-size")."""

from __future__ import annotations

import pytest

import gpt41cost
from gpt41cost import images as img

URL = "https://example.com/cat.png"
# /tmp/review18's responses.json: 17 tokens without the image (instructions, the text part, the
# schema left uncounted), so 17 + 85 = 102 on gpt-4.1
BODY = {
    "model": "gpt-4.1",
    "instructions": "Be brief.",
    "input": [
        {
            "role": "user",
            "content": [
                {"type": "input_text", "text": "Describe this image"},
                {"type": "input_image", "image_url": URL, "detail": "low"},
            ],
        }
    ],
}


@pytest.mark.parametrize(
    "part",
    [
        pytest.param({"type": "input_image", "image_url": URL, "detail": "low"}, id="responses-url"),
        pytest.param({"type": "image_url", "image_url": {"url": URL, "detail": "low"}}, id="chat-url"),
        pytest.param({"type": "input_image", "file_id": "file-abc", "detail": "low"}, id="file-id"),
    ],
)
def test_detail_low_unsized_is_85_on_gpt41_only(part: dict) -> None:  # type: ignore[type-arg]
    assert img.image_part_tokens(part, "gpt-4.1") == (85, None)
    for model in ("gpt-4.1-mini", "gpt-4.1-nano"):
        tokens, why = img.image_part_tokens(part, model)
        assert tokens is None
        assert why is not None and why.endswith(
            f"size unknown offline (detail low costs 85 whatever the size on gpt-4.1 only, {model} sizes it);"
            " pass --image-size WxH"
        )


@pytest.mark.parametrize("detail", ["high", "auto"])
def test_other_details_stay_uncounted(detail: str) -> None:
    assert img.image_part_tokens({"type": "input_image", "image_url": URL, "detail": detail}, "gpt-4.1") == (
        None,
        f"remote image {URL}: size unknown offline; pass --image-size WxH",
    )


def test_count_request_counts_the_review_body_by_hand() -> None:
    without = {**BODY, "input": [{"role": "user", "content": [BODY["input"][0]["content"][0]]}]}
    base = gpt41cost.count_request(without, model="gpt-4.1")
    got = gpt41cost.count_request(BODY, model="gpt-4.1")
    assert (base.input_tokens, got.input_tokens, got.uncounted) == (17, 102, ())


def test_count_request_on_mini_still_says_why() -> None:
    got = gpt41cost.count_request(BODY, model="gpt-4.1-mini")
    assert got.input_tokens == 17 and len(got.uncounted) == 1 and "gpt-4.1-mini sizes it" in got.uncounted[0]


def test_estimate_counts_it_on_gpt41_as_count_request_does(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """One counter: estimate listed the image as not counted on every model (gpt-4.1's row 17
    tokens, count_request 102); now gpt-4.1's row is 102, mini's and nano's 17 with the image
    listed as not counted on them, saying why."""
    import json

    path = tmp_path / "responses.json"
    path.write_text(json.dumps(BODY))
    e = gpt41cost.estimate([str(path)], output_tokens=100, as_of="2026-12-01")
    got = {m["model"]: m["input_tokens_total"] for m in e.to_dict()["models"]}
    want = gpt41cost.count_request(BODY, model="gpt-4.1").input_tokens
    assert got == {"gpt-4.1": want, "gpt-4.1-mini": 17, "gpt-4.1-nano": 17} and want == 102
    (uncounted,) = e.to_dict()["uncounted"]
    assert uncounted["what"].startswith("input item 1 part 2: image not counted on gpt-4.1-mini, gpt-4.1-nano: remote")
    lim = gpt41cost.limits([str(path)], max_tokens=100, peak_rpm=1, models="gpt-4.1", as_of="2026-12-01")
    assert lim.to_dict()["models"][0]["inputs"]["max_input_tokens"] == 102
