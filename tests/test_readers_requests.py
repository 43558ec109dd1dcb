"""Reading request-shaped files: gpt41cost.readers.requests."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from gpt41cost.catalog import Catalog
from gpt41cost.errors import InputError
from gpt41cost.images import ImageSize
from gpt41cost.measure import Measured
from gpt41cost.readers.requests import BatchFacts, detect_kind, read_head, read_requests
from gpt41cost.tokens import count_tokens

from .conftest import DATA, ROOT

REQ = DATA / "requests"
SAMPLES = ROOT / "samples" / "requests"
MODELS = ("gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano")
c = count_tokens


def read(path: Path | str, kind: str, catalog: Catalog, **kw: Any) -> list[Measured]:
    return list(read_requests(str(path), kind, catalog, **kw))


def kind_of(path: Path) -> str | None:
    return detect_kind(str(path), read_head(str(path)))


# --------------------------------------------------------------------------- detection


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        pytest.param("chat-weather.json", "chat", id="chat-pretty"),
        pytest.param("chat-minified.json", "chat", id="chat-one-line"),
        pytest.param("messages.json", "chat", id="bare-messages"),
        pytest.param("responses.json", "responses", id="responses"),
        pytest.param("truncated.json", "chat", id="truncated-chat-still-chat"),
        pytest.param("batch-good.jsonl", "batch", id="batch"),
        pytest.param("batch-bad-first-line.jsonl", "batch", id="batch-broken-first-line"),
        pytest.param("finetune.jsonl", "finetune", id="finetune"),
        pytest.param("prompts.jsonl", "prompts", id="prompts"),
        pytest.param("square-1024.png", "image", id="png"),
        pytest.param("not-an-image.png", "image", id="png-magic-only"),
        pytest.param("config.json", None, id="other-json"),
        pytest.param("plain.txt", None, id="plain-text"),
        pytest.param("empty.json", None, id="empty"),
    ],
)
def test_detect_kind_by_content(name: str, kind: str | None) -> None:
    assert kind_of(REQ / name) == kind


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        pytest.param(b"\xff\xd8\xff\xe0\x00\x10JFIF", "image", id="jpeg"),
        pytest.param(b"GIF89a\x01\x00\x01\x00", "image", id="gif"),
        pytest.param(b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image", id="webp"),
        pytest.param(b'\xef\xbb\xbf{"messages": []}', "chat", id="utf8-bom"),
        pytest.param(b'"one"\n"two"\n', "prompts", id="jsonl-strings"),
        pytest.param(
            b'[{"role": "user", "content": "a"}]\n[{"role": "user", "content": "b"}]\n', "prompts", id="jsonl-arrays"
        ),
        pytest.param(
            b'{"tools": [{"properties": {"messages": 1}}], "input": "x"}', "responses", id="nested-keys-ignored"
        ),
        pytest.param(b'{"\\u006dessages": []}', "chat", id="escaped-key"),  # a parser reads "messages"
        pytest.param(b'{"in\\u0070ut": "x"}', "responses", id="escaped-key-responses"),
        pytest.param(b'{"custom_\\u0069d": "1", "body": {}}\n{"custom_id": "2"}\n', "batch", id="escaped-key-batch"),
        pytest.param(b'{"bad\\u00": 1, "messages": []}', "chat", id="bad-escape-tolerated"),
        pytest.param(b"[1, 2, 3]", None, id="array-of-numbers"),
        pytest.param(b"Hello {world}", None, id="text-with-braces"),
    ],
)
def test_detect_kind_from_head(head: bytes, kind: str | None) -> None:
    assert detect_kind("x", head) == kind


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        pytest.param("chat-support.json", "chat", id="chat"),
        pytest.param("responses-contract.json", "responses", id="responses"),
        pytest.param("batch-support.jsonl", "batch", id="batch"),
        pytest.param("finetune-train.jsonl", "finetune", id="finetune"),
        pytest.param("prompts.jsonl", "prompts", id="prompts"),
    ],
)
def test_samples_are_detected_and_read(name: str, kind: str, catalog: Catalog) -> None:
    path = SAMPLES / name
    assert kind_of(path) == kind
    got = read(path, kind, catalog)
    assert got and all(m.kind == kind and not m.uncounted for m in got)


def test_sample_batch_shares_a_cacheable_prefix(catalog: Catalog) -> None:
    got = read(SAMPLES / "batch-support.jsonl", "batch", catalog)
    assert len(got) == 20
    first = got[0].cache_blocks
    assert first is not None
    for m in got[1:]:
        assert m.cache_blocks is not None
        shared = 0
        for a, b in zip(first["gpt-4.1-mini"], m.cache_blocks["gpt-4.1-mini"], strict=False):
            if a != b:
                break
            shared += 1
        assert shared * 128 >= 1024  # tools + the long system prompt


# --------------------------------------------------------------------------- single requests


def test_chat_file(catalog: Catalog) -> None:
    (m,) = read(REQ / "chat-weather.json", "chat", catalog)
    assert m.input_tokens == dict.fromkeys(MODELS, 101)  # the cookbook's tools example
    assert (m.kind, m.line, m.model, m.max_output_tokens, m.source) == (
        "chat",
        None,
        "gpt-4.1",
        200,
        str(REQ / "chat-weather.json"),
    )
    assert m.cache_blocks is None  # 101 tokens: under the 1,024 cache minimum, so no blocks are kept


def test_bare_messages_file(catalog: Catalog) -> None:
    (m,) = read(REQ / "messages.json", "chat", catalog)
    system = 3 + c("system") + c("You are a helpful assistant that can answer to questions about the weather.")
    user = 3 + c("user") + c("What's the weather like in San Francisco?")
    assert m.input_tokens["gpt-4.1"] == system + user + 3 == 33  # the cookbook example, without its tool
    assert m.model is None


def test_snapshot_model_is_kept_as_written(catalog: Catalog) -> None:
    (m,) = read(REQ / "chat-minified.json", "chat", catalog)
    assert m.model == "gpt-4.1-mini-2025-04-14"


def test_responses_file(catalog: Catalog) -> None:
    (m,) = read(REQ / "responses.json", "responses", catalog)
    expected = (3 + c("system") + c("Answer in one word.")) + (3 + c("user") + c("What colour is the sky?")) + 3
    assert m.input_tokens == dict.fromkeys(MODELS, expected)
    assert (m.model, m.max_output_tokens) == ("gpt-4.1-nano", 16)


def test_image_file_is_one_user_message(catalog: Catalog) -> None:
    (m,) = read(REQ / "square-1024.png", "image", catalog)
    overhead = 3 + c("user") + 3
    assert m.input_tokens["gpt-4.1"] == 765 + overhead  # [VISION] 1024x1024 high -> 765
    assert m.input_tokens["gpt-4.1-mini"] == 1659 + overhead  # 1024 patches x 1.62, rounded up
    assert m.input_tokens["gpt-4.1-nano"] == 2520 + overhead  # 1024 patches x 2.46 = 2519.04, rounded up
    assert (m.kind, m.model, m.max_output_tokens, m.choices) == ("image", None, None, 1)


def test_chat_with_data_url_image(catalog: Catalog, tmp_path: Path) -> None:
    png = (REQ / "square-1024.png").read_bytes()
    url = "data:image/png;base64," + base64.b64encode(png).decode()
    body = {
        "model": "gpt-4.1",
        "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": url, "detail": "low"}}]}],
    }
    path = tmp_path / "vision.json"
    path.write_text(json.dumps(body))
    (m,) = read(path, "chat", catalog)
    assert m.input_tokens["gpt-4.1"] == 85 + 3 + c("user") + 3
    assert m.cache_blocks is not None and m.cache_blocks["gpt-4.1"] != m.cache_blocks["gpt-4.1-nano"]


def test_relative_image_path_and_remote_url(catalog: Catalog, tmp_path: Path) -> None:
    (tmp_path / "pic.png").write_bytes((REQ / "square-1024.png").read_bytes())
    parts = [
        {"type": "image_url", "image_url": {"url": "pic.png"}},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
    ]
    path = tmp_path / "req.json"
    path.write_text(json.dumps({"messages": [{"role": "user", "content": parts}]}))
    (m,) = read(path, "chat", catalog)
    assert m.input_tokens["gpt-4.1"] == 765 + 3 + c("user") + 3
    assert len(m.uncounted) == 1 and "--image-size" in m.uncounted[0]
    (sized,) = read(path, "chat", catalog, image_size=ImageSize(512, 512, "given"))
    assert sized.input_tokens["gpt-4.1"] == 765 + (85 + 170) + 3 + c("user") + 3
    assert not sized.uncounted


# --------------------------------------------------------------------------- JSONL kinds


def test_batch_file(catalog: Catalog) -> None:
    path = REQ / "batch-good.jsonl"
    facts = BatchFacts()
    got = read(path, "batch", catalog, facts=facts)
    assert [(m.line, m.custom_id, m.model, m.max_output_tokens) for m in got] == [
        (1, "a", "gpt-4.1", 50),
        (2, "b", "gpt-4.1", 50),
        (3, "c", "gpt-4.1", 50),
    ]
    system = 3 + c("system") + c("Be brief.")
    assert got[0].input_tokens["gpt-4.1"] == system + 3 + c("user") + c("one") + 3
    assert facts.lines == facts.requests == 3
    assert facts.file_bytes == path.stat().st_size
    assert facts.models == {"gpt-4.1": 3} and facts.urls == {"/v1/chat/completions": 3}
    assert not (facts.duplicate_ids or facts.bad_method_url or facts.non_json_lines or facts.bad_lines)


def test_batch_facts_for_the_preflight(catalog: Catalog) -> None:
    facts = BatchFacts()
    got = read(REQ / "batch-problems.jsonl", "batch", catalog, facts=facts)
    assert [m.line for m in got] == [1, 2, 3, 4, 5, 7]  # line 6 is blank
    assert facts.lines == 6
    assert facts.duplicate_ids == [("a", 3, 1)]
    assert facts.bad_method_url == [(4, "GET", "/v1/chat/completions"), (5, "POST", "/v1/chat/completion")]
    assert facts.models == {"gpt-4.1": 5, "gpt-4.1-mini": 1}
    assert facts.model_first_line == {"gpt-4.1": 1, "gpt-4.1-mini": 2}
    assert facts.urls["/v1/responses"] == 1
    assert got[-1].input_tokens["gpt-4.1"] == 3 + c("user") + c("seven") + 3
    assert got[-1].max_output_tokens == 20


def test_broken_line_stops_with_file_and_line(catalog: Catalog) -> None:
    path = REQ / "batch-broken-line.jsonl"
    seen: list[int | None] = []
    with pytest.raises(InputError) as err:
        for m in read_requests(str(path), "batch", catalog):
            seen.append(m.line)
    assert seen == [1, 2]
    assert str(err.value).startswith(f"{path}: line 3 is not valid JSON: unexpected end of data (truncated?)")


def test_broken_line_with_on_error_goes_on(catalog: Catalog) -> None:
    errors: list[InputError] = []
    facts = BatchFacts()
    got = read(REQ / "batch-broken-line.jsonl", "batch", catalog, on_error=errors.append, facts=facts)
    assert [m.line for m in got] == [1, 2, 4]
    assert len(errors) == 1 and "line 3 is not valid JSON" in errors[0].message
    assert facts.non_json_lines == [3]
    assert facts.lines == 4 and facts.requests == 3
    assert facts.bad_lines[0][0] == 3


def test_broken_first_line_of_a_batch(catalog: Catalog) -> None:
    with pytest.raises(InputError, match="line 1 is not valid JSON"):
        read(REQ / "batch-bad-first-line.jsonl", "batch", catalog)


def test_message_without_content_in_a_batch(catalog: Catalog) -> None:
    path = REQ / "batch-no-content.jsonl"
    with pytest.raises(InputError) as err:
        read(path, "batch", catalog)
    assert err.value.message == f"{path}: line 2: message 2 has no content"


def test_finetune_file(catalog: Catalog) -> None:
    got = read(REQ / "finetune.jsonl", "finetune", catalog)
    first = (3 + c("system") + c("Be brief.")) + (3 + c("user") + c("Capital of France?"))
    first += (3 + c("assistant") + c("Paris.")) + 3
    assert got[0].training_tokens == first and got[0].input_tokens["gpt-4.1"] == first
    assert got[0].cache_blocks is None and got[0].line == 1
    # the second example includes the cookbook's weather tool (68 tokens)
    assert got[1].training_tokens is not None and got[1].training_tokens > 68


def test_prompts_file(catalog: Catalog) -> None:
    got = read(REQ / "prompts.jsonl", "prompts", catalog)
    assert [m.input_tokens["gpt-4.1"] for m in got] == [
        c("Summarise: the cat sat on the mat."),
        3 + c("user") + c("hello") + 3,
        c("Translate to French: good morning"),
    ]
    assert [m.line for m in got] == [1, 2, 3]


def test_jsonl_line_not_utf8(catalog: Catalog, tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_bytes(b'"fine"\n"caf\xe9"\n')
    with pytest.raises(InputError, match=r"line 2 is not valid JSON: str is not valid UTF-8"):
        read(path, "prompts", catalog)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("name", "kind", "message"),
    [
        pytest.param("empty.json", "chat", "empty file", id="empty-chat"),
        pytest.param("blank.jsonl", "batch", "empty file", id="blank-batch"),
        pytest.param(
            "truncated.json",
            "chat",
            r"line \d+ is not valid JSON: unexpected end of data \(truncated\?\)",
            id="truncated",
        ),
        pytest.param("no-content.json", "chat", "message 2 has no content", id="no-content"),
        pytest.param("unknown-model.json", "chat", "unknown model 'gpt-4.2-mini': did you mean", id="unknown-model"),
        pytest.param("chat-weather.json", "responses", "not a Responses API request", id="forced-wrong-kind"),
        pytest.param("config.json", "chat", "not a Chat Completions request", id="not-a-request"),
        pytest.param("not-an-image.png", "image", "not-an-image.png", id="bad-image"),
        pytest.param("finetune.jsonl", "chat", "a JSONL file\\? pass read_as=", id="jsonl-read-as-chat"),
        pytest.param(
            "prompts.jsonl", "finetune", "line 1: a fine-tuning example needs a 'messages' list", id="ft-shape"
        ),
        pytest.param("batch-good.jsonl", "prompts", "line 1: a prompts line must be", id="prompts-shape"),
        pytest.param("missing.json", "chat", "no such file", id="missing"),
    ],
)
def test_bad_input(name: str, kind: str, message: str, catalog: Catalog) -> None:
    path = REQ / name
    with pytest.raises(InputError, match=message) as err:
        read(path, kind, catalog)
    assert str(path) in err.value.message


def test_unknown_model_in_a_batch_names_the_line(catalog: Catalog, tmp_path: Path) -> None:
    line = {
        "custom_id": "x",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {"model": "gpt-4.1-mni", "messages": [{"role": "user", "content": "hi"}]},
    }
    path = tmp_path / "b.jsonl"
    path.write_text(json.dumps(line) + "\n")
    with pytest.raises(InputError, match=r"b\.jsonl: line 1: unknown model 'gpt-4\.1-mni': did you mean gpt-4\.1-mini"):
        read(path, "batch", catalog)


def test_reads_text_kind_is_refused(catalog: Catalog) -> None:
    with pytest.raises(ValueError, match="not 'text'"):
        read(REQ / "plain.txt", "text", catalog)


def test_reads_from_a_stream_like_stdin(catalog: Catalog) -> None:
    import io

    data = (REQ / "batch-good.jsonl").read_bytes()
    facts = BatchFacts()
    got = read("-", "batch", catalog, stream=io.BytesIO(data), facts=facts, base_dir=REQ)
    assert [m.custom_id for m in got] == ["a", "b", "c"]
    assert facts.file_bytes == len(data) and got[0].source == "-"


def test_bad_image_in_a_batch_line_names_the_line(catalog: Catalog, tmp_path: Path) -> None:
    part = {"type": "image_url", "image_url": {"url": "data:image/png;base64,aGVsbG8="}}
    body = {"model": "gpt-4.1", "messages": [{"role": "user", "content": [part]}]}
    line = {"custom_id": "x", "method": "POST", "url": "/v1/chat/completions", "body": body}
    path = tmp_path / "b.jsonl"
    path.write_text(json.dumps(line) + "\n")
    with pytest.raises(InputError) as err:
        read(path, "batch", catalog)
    assert err.value.message.startswith(f"{path}: line 1: image data URL: ")


def test_jsonl_with_a_first_line_longer_than_the_head(catalog: Catalog, tmp_path: Path) -> None:
    long = {"messages": [{"role": "user", "content": "word " * 40_000}, {"role": "assistant", "content": "ok"}]}
    path = tmp_path / "train.jsonl"
    path.write_text(json.dumps(long) + "\n" + json.dumps(long) + "\n")
    assert len(json.dumps(long)) > 64 * 1024
    assert kind_of(path) == "finetune"
    assert detect_kind(str(path), path.read_bytes()[: 64 * 1024]) == "chat"  # a cut head alone cannot tell


@pytest.mark.parametrize("kind", [pytest.param("chat", id="json"), pytest.param("prompts", id="jsonl")])
def test_utf8_bom_is_accepted(kind: str, catalog: Catalog, tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps([{"role": "user", "content": "hi"}]).encode() + b"\n")
    assert kind_of(path) == "chat"
    (m,) = read(path, kind, catalog)
    assert m.input_tokens["gpt-4.1"] == 3 + c("user") + c("hi") + 3
