"""Review 15's findings on inputs, the Batch pre-flight and the reconciliation table (fixC15).

1. Request content over 4 KiB read as one text prompt on stdin, with no extension or a ``.txt``:
   cc39756 measured where the content starts from the whole body's length, not the 4 KiB head's
   (a 2,000-line Batch file piped in: 1 request, 3,334,473 tokens, $1.3340292, instead of 2,000
   Batch requests, $0.8790946). Each shape at sizes around and far above the window, by every
   route, against the figures of the same content under a data file's name.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gpt41cost.readers.inputs import content_kind

BOM = b"\xef\xbb\xbf"
#: Sizes of content (bytes, before padding to a shape) around the 4 KiB window and far above it.
SIZES = (1_000, 4_000, 4_096, 4_200, 9_000, 200_000)
SYSTEM = (
    "You are a support agent for Acme Cloud. Answer in two short paragraphs, cite the help-centre "
    "article by its number, and never promise a refund. "
)
QUESTION = "My invoice for November shows two charges for the same storage bucket; why was I billed twice? "


def _text(size: int) -> str:
    """About ``size`` bytes of support-ticket prose."""
    return (QUESTION * (size // len(QUESTION) + 1))[:size]


def _chat(size: int, model: str = "gpt-4.1-mini") -> dict[str, Any]:
    return {
        "model": model,
        "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": _text(size)}],
        "max_tokens": 300,
    }


def _shape(shape: str, size: int) -> tuple[bytes, str]:
    """Content of ``shape`` about ``size`` bytes long, and the data extension it has by name."""
    if shape == "chat":
        return json.dumps(_chat(size)).encode(), ".json"
    if shape == "chat-pretty":  # as an editor saves it: indented, after a BOM and blank lines
        return BOM + b"\n\n  " + json.dumps(_chat(size), indent=2).encode() + b"\n", ".json"
    if shape == "chat-far-indent":  # more leading white space than the 4 KiB window
        return b" \n" * 3_000 + json.dumps(_chat(size)).encode(), ".json"
    if shape == "responses":
        body = {"model": "gpt-4.1-mini", "input": _text(size), "max_output_tokens": 200}
        return json.dumps(body, indent=1).encode(), ".json"
    lines = max(2, size // 400)
    per = max(1, size // lines)
    if shape == "batch":
        rows = [
            {
                "custom_id": f"ticket-{i}",
                "method": "POST",
                "url": "/v1/chat/completions",
                "body": _chat(per - 150 + i % 7),
            }
            for i in range(lines)
        ]
    elif shape == "prompts":
        rows = [{"prompt": _text(per - 20 + i % 5)} for i in range(lines)]
    else:
        assert shape == "finetune"
        rows = [
            {
                "messages": [
                    {"role": "user", "content": _text(per // 2 + i % 5)},
                    {"role": "assistant", "content": "Article 4411: duplicate holds drop off in 3 days."},
                ]
            }
            for i in range(lines)
        ]
    return BOM + b"".join(json.dumps(r).encode() + b"\n" for r in rows), ".jsonl"


SHAPES = ("chat", "chat-pretty", "chat-far-indent", "responses", "batch", "prompts", "finetune")
KIND = {"chat-pretty": "chat", "chat-far-indent": "chat"}


@pytest.mark.parametrize("size", [*SIZES, 4_090, 4_097, 5_323, 1_000_000])
@pytest.mark.parametrize("shape", SHAPES)
def test_content_kind_sees_the_shape_past_the_window(shape, size):
    data, _ = _shape(shape, size)
    assert content_kind(data) == KIND.get(shape, shape)


@pytest.mark.parametrize("pad", [0, 1, 4_095, 4_096, 4_097, 20_000])
def test_content_kind_past_leading_white_space_of_any_length(pad):
    body = json.dumps(_chat(5_000)).encode()
    assert content_kind(b" " * pad + body) == "chat"
    assert content_kind(BOM + b"\n" * pad + body) == "chat"
    # prose stays prose, whatever its length or leading space
    assert content_kind(b" " * pad + _text(5_000).encode()) is None
    assert content_kind(b"\n" * pad + b"[System] " + _text(5_000).encode()) is None


def _figures(doc: dict[str, Any]) -> tuple[Any, ...]:
    (only,) = doc["inputs"]
    return only["read_as"], only["requests"], only["models"], doc["models"][0]["total_usd"]


@pytest.mark.parametrize("size", [4_000, 4_200, 9_000, 200_000])
@pytest.mark.parametrize("shape", SHAPES)
def test_every_route_prices_the_content_as_its_data_name_does(cli, tmp_path, shape, size):
    data, ext = _shape(shape, size)
    named = tmp_path / f"named{ext}"
    named.write_bytes(data)
    args = ("--output-tokens", "150", "-m", "gpt-4.1-mini")
    want = _figures(cli.json("estimate", named, *args))
    assert want[0] == KIND.get(shape, shape)
    bare, txt = tmp_path / "noext", tmp_path / "request.txt"
    bare.write_bytes(data)
    txt.write_bytes(data)
    for route, stdin in ((bare, None), (txt, None), ("-", data)):
        got = _figures(cli.json("estimate", route, *args, input=stdin))
        assert got == want, (route, len(data))


ROOT = Path(__file__).parent.parent


def test_the_reviewers_chat_body_with_no_extension_is_counted_as_count_request_counts_it(cli):
    """Review 15's 5,323-byte Chat body with no extension: 1,246 tokens as text; 1,213 as
    count_request() counts its body."""
    from gpt41cost import count_request

    path = ROOT / "tests" / "data" / "review15" / "chat_big"
    want = count_request(json.loads(path.read_bytes()), model="gpt-4.1").input_tokens
    doc = cli.json("estimate", path, "--output-tokens", "100", "-m", "gpt-4.1")
    (only,) = doc["inputs"]
    assert (only["read_as"], want) == ("chat", 1_213)
    assert only["models"][0]["input_tokens"] == want


def test_the_sample_batch_piped_in_is_the_batch_it_is_by_name(cli):
    sample = ROOT / "samples" / "requests" / "batch-support.jsonl"
    args = ("--output-tokens", "150")
    piped = cli.json("estimate", "-", *args, input=sample.read_bytes())
    assert len(sample.read_bytes()) > 4_096
    assert _figures(piped) == _figures(cli.json("estimate", sample, *args))
    assert piped["inputs"][0]["read_as"] == "batch"


@pytest.mark.parametrize("pad", [0, 4_095, 5_000, 100_000])
@pytest.mark.parametrize(("void", "what"), [(b"[]", "an empty JSON array"), (b"{ \n }", "an empty JSON object")])
def test_only_brackets_after_any_white_space_is_nothing_to_send(cli, tmp_path, pad, void, what):
    """``[]`` or ``{}`` is nothing to send, as README says, past leading white space of any length:
    after 4 KiB of it (a template rendered to nothing, a pretty-printer's blank lines) it was one
    text prompt of 1 token."""
    data = b"\n" * pad + void + b"\n" * (pad // 2)
    run = cli("estimate", "-", "--output-tokens", "10", input=data)
    assert (run.exit_code, run.stdout) == (3, "")
    assert f"stdin: {what}, nothing to count" in run.stderr
    found = tmp_path / "prompts"
    found.mkdir()
    (found / "blank").write_bytes(data)
    (found / "ask.txt").write_text("What is the refund window?")
    doc = cli.json("estimate", found, "--output-tokens", "10")
    assert [i["source"] for i in doc["inputs"]] == [str(found / "ask.txt")]
    assert doc["skipped_inputs"] == [{"source": str(found / "blank"), "reason": f"{what} (found in a directory)"}]
