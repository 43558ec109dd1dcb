"""Input shapes and messages mended in the twelfth session (note11's "Found and not fixed").

- R5: a data file holding only ``[]`` or ``{}`` has nothing to send: an empty file (skipped and
  listed in a directory, an error named alone); it was one text request "(a config?)" of 1 token,
  $0.004002 on gpt-4.1 with the default 500 output tokens. An array of non-prompts stays text
  (#11: a parsed ``.json`` that is no request is text), its reason naming the first bad item.
- R6: JSON lines of messages must agree with their first line, which decides the kind: in
  fine-tuning data a line without an assistant message is a bad line (OpenAI's check of the data,
  the cookbook's ``example_missing_assistant_message``, rejects such a file; it was counted as
  training), and in a file of chat requests (first line without one) a line with one is a bad
  line too (it was read as a chat request, no word): ``--as`` says which the file is.
- R12: a Batch file's one-line rejection counts every error, as its findings table lists them
  ("OpenAI would reject this batch: 4 errors, 1 of which fails the whole batch: ..."; was
  "(1 error(s); first: ...); and 3 other error(s)").
- R9 (rest): ``usage`` notes the requests dated after the run's date (a note: replaying a month
  with an earlier ``--as-of`` is a use, the forecast's).
- Batch lines found by content: a file without a data extension (or stdin) of two or more Batch
  input lines was text (one request of all its JSON) since d6d39ce; one line was a batch already.
- ``--as text`` (or ``--as prompts``...) on a folder holding a whitespace-only file: skipped and
  listed, as without the flag (it stopped the run: "empty file; a prompt needs some text", or
  "empty file; expected prompts JSONL").
- Tidy: a JSON array of prompts is parsed once (was 3-4 times for a small file: to decide its
  kind twice, then by the reader, which parsed a one-line array's first line and then all of it).
"""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest

from gpt41cost.measure import Totals
from gpt41cost.readers.inputs import content_kind, gather
from gpt41cost.tokens import count_tokens

from .conftest import Cli, chat_response

PROMPTS = ["Summarize this article.", "Translate to French: hello"]
#: A message's 3 tokens + role (1) + content (1); a request's reply priming: 3.
USER_HI = {"role": "user", "content": "hi"}
ANSWER = {"role": "assistant", "content": "hello"}


def _lines(path: Path, answered: list[bool], pad: int = 0) -> Path:
    """JSON lines of messages, each a user message and, where ``answered``, the assistant's answer;
    ``pad``: an unsent key of that many characters on each line (a file large enough for ranges)."""
    extra = {"ideal": "x" * pad} if pad else {}
    rows = [{"messages": [USER_HI, *([ANSWER] if a else [])], **extra} for a in answered]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize("indent", [pytest.param(None, id="one-line"), pytest.param(2, id="pretty")])
def test_a_prompts_array_is_parsed_once(catalog, tmp_path: Path, monkeypatch, indent):
    path = tmp_path / "list.json"
    text = json.dumps(PROMPTS, indent=indent)
    path.write_text(text, encoding="utf-8")
    real, whole = orjson.loads, []

    def loads(data):
        if len(data) >= len(text):  # the whole document, not a line of it
            whole.append(data)
        return real(data)

    monkeypatch.setattr(orjson, "loads", loads)
    totals = Totals(catalog, dict.fromkeys(catalog.models, 500))
    got = gather([str(path)], catalog, totals=totals)
    assert (got.requests, [(i.read_as, i.reason) for i in got.inputs]) == (2, [("prompts", "extension .json")])
    assert totals.sizes["gpt-4.1"] == {6: 1, 5: 1}  # each item its text: 6 and 5 tokens (o200k_base)
    assert len(whole) == 1


@pytest.mark.parametrize(
    ("name", "text", "what"),
    [
        pytest.param("list.json", "[]", "an empty JSON array", id="array"),
        pytest.param("list.json", "[\n  ]\n", "an empty JSON array", id="pretty"),
        pytest.param("settings.json", "{}", "an empty JSON object", id="object"),
        pytest.param("list.jsonl", "[]\n", "an empty JSON array", id="jsonl"),
    ],
)
def test_an_empty_array_named_alone_is_an_error(cli: Cli, tmp_path: Path, name: str, text: str, what: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    run = cli("estimate", path, "-m", "gpt-4.1", "-f", "json", expect=3)
    assert run.stdout == ""
    assert run.stderr == f"gpt41cost: error: {path}: {what}, nothing to count; add prompts or leave it out\n"


def test_an_empty_array_in_a_folder_is_skipped_and_listed(cli: Cli, tmp_path: Path):
    (tmp_path / "a.txt").write_text("Summarize this article.", encoding="utf-8")
    (tmp_path / "list.json").write_text("[]", encoding="utf-8")
    run = cli("estimate", tmp_path, "-m", "gpt-4.1", "-f", "json", expect=0)
    doc = run.json()
    assert [(i["source"], i["requests"]) for i in doc["inputs"]] == [(str(tmp_path / "a.txt"), 1)]
    assert doc["skipped_inputs"] == [
        {"source": str(tmp_path / "list.json"), "reason": "an empty JSON array (found in a directory)"}
    ]
    # 6 input tokens and 500 output on gpt-4.1 ($2 and $8 per 1M): $0.000012 + $0.004; the [] added
    # 1 more request of 1 input token and 500 output ($0.004002) before.
    assert doc["models"][0]["total_usd"] == "0.004012"
    assert f"skipped 1 file with nothing to send: {tmp_path / 'list.json'} (an empty JSON array)" in run.stderr


def test_an_array_of_numbers_is_text_that_says_why(cli: Cli, tmp_path: Path):
    path = tmp_path / "nums.json"
    path.write_text("[1,2]", encoding="utf-8")
    doc = cli.json("estimate", path, "-m", "gpt-4.1")
    assert [(i["read_as"], i["requests"], i["reason"]) for i in doc["inputs"]] == [
        (
            "text",
            1,
            "extension .json, but valid JSON that is no request "
            "(an array whose item 1 is a number, not a prompt or a request)",
        )
    ]
    assert doc["models"][0]["input_tokens_total"] == count_tokens("[1,2]")


def test_a_fine_tuning_example_without_an_answer_is_a_bad_line(cli: Cli, tmp_path: Path):
    path = _lines(tmp_path / "train.jsonl", [True, True, False, True])
    run = cli("estimate", path, "-m", "gpt-4.1", "-f", "json", expect=3)
    assert run.stdout == ""
    assert run.stderr == (
        f"gpt41cost: error: {path}: line 3: a fine-tuning example needs an assistant message, the answer it trains "
        "on (OpenAI's check of fine-tuning data rejects the file); chat requests? pass --as prompts=train.jsonl; "
        "nothing was counted: fix the line or pass --skip-bad to count the other lines\n"
    )
    run = cli("estimate", path, "-m", "gpt-4.1", "-f", "json", "--skip-bad", expect=0)
    doc = run.json()
    assert [(i["read_as"], i["requests"]) for i in doc["inputs"]] == [("finetune", 3)]
    # 3 examples of 2 messages: 2 x (3 + 1 + 1) + 3 = 13 tokens each, x 3 epochs
    assert doc["models"][0]["training_tokens"] == 3 * 13 * 3
    assert f"skipped: {path}: line 3: a fine-tuning example needs an assistant message" in run.stderr


def test_an_answer_among_chat_requests_is_a_bad_line(cli: Cli, tmp_path: Path):
    path = _lines(tmp_path / "evals.jsonl", [False, False, True, False])
    for command in (["estimate"], ["limits", "--peak-rpm", 10, "--max-tokens", 100]):
        run = cli(*command, path, "-m", "gpt-4.1", "-f", "json", expect=3)
        assert run.stdout == ""
        assert run.stderr == (
            f"gpt41cost: error: {path}: line 3: ends with an assistant message, as a fine-tuning example does, "
            "where the first line has none (a chat request): fine-tuning data (each example needs one) or chat "
            "requests? say which with --as finetune=evals.jsonl or "
            "--as prompts=evals.jsonl; nothing was counted: fix the line or pass --skip-bad to count the other lines\n"
        )
    # --as says which: every line a chat request (3 x 8 + 13 tokens), or fine-tuning data whose line 1 is bad
    doc = cli.json("estimate", path, "-m", "gpt-4.1", "--as", "prompts=evals.jsonl")
    assert [(i["read_as"], i["requests"]) for i in doc["inputs"]] == [("prompts", 4)]
    assert doc["models"][0]["input_tokens_total"] == 3 * 8 + 13
    run = cli("estimate", path, "-m", "gpt-4.1", "--as", "finetune=evals.jsonl", expect=3)
    assert f"{path}: line 1: a fine-tuning example needs an assistant message" in run.stderr


@pytest.mark.needs_fork
@pytest.mark.parametrize(
    ("answered", "message"),
    [
        pytest.param([True] * 7 + [False], "a fine-tuning example needs an assistant message", id="finetune"),
        pytest.param([False] * 7 + [True], "ends with an assistant message, as a fine-tuning example", id="chat"),
    ],
)
def test_lines_read_in_ranges_agree_too(cli: Cli, tmp_path: Path, small_ranges, answered, message):
    """A file read in ranges by the reading processes: the range holding line 8 finds it."""
    from gpt41cost.readers import pool

    path = _lines(tmp_path / "big.jsonl", answered, pad=600)
    small_ranges()
    assert pool.eligible(path.stat().st_size) and len(pool.spans(str(path), path.stat().st_size)) > 1
    run = cli("estimate", path, "-m", "gpt-4.1", "-f", "json", expect=3)
    assert f"{path}: line 8: {message}" in run.stderr


def _batch(path: Path, lines: list[tuple[str, bool]]) -> Path:
    """A Batch input file: each line's custom_id, and whether its body has a message (an empty
    ``messages`` list fails that request alone)."""
    rows = [
        {
            "custom_id": cid,
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": {"model": "gpt-4.1", "messages": [USER_HI] if ok else []},
        }
        for cid, ok in lines
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("lines", "said"),
    [
        pytest.param(
            [("a", False), ("a", True), ("b", False), ("c", False)],
            "OpenAI would reject this batch: 4 errors, 1 of which fails the whole batch: line 2: custom_id 'a' is "
            "used on 2 lines: 1, 2; each must be unique",
            id="one-of-four",
        ),
        pytest.param(
            [("a", True), ("a", True), ("b", True), ("b", True), ("c", False)],
            "OpenAI would reject this batch: 3 errors, 2 of which fail the whole batch, first: line 2: custom_id 'a' "
            "is used on 2 lines: 1, 2; each must be unique",
            id="two-of-three",
        ),
        pytest.param(
            [("a", True), ("a", True), ("b", True), ("b", True)],
            "OpenAI would reject this batch: 2 errors, first: line 2: custom_id 'a' is used on 2 lines: 1, 2; each "
            "must be unique",
            id="all",
        ),
        pytest.param(
            [("a", False), ("b", True), ("c", False)],
            "the batch fails the pre-flight: 2 errors (requests OpenAI would fail one by one, or gpt41cost cannot "
            "price), first: line 1: 'messages' is empty: OpenAI rejects a request without messages; fix them or "
            "leave them out",
            id="none-fail-the-batch",
        ),
    ],
)
def test_a_batch_rejection_counts_every_error(cli: Cli, tmp_path: Path, lines, said: str):
    path = _batch(tmp_path / "batch.jsonl", lines)
    run = cli("estimate", path, "-m", "gpt-4.1", "-f", "json", expect=1)
    errors = [f for f in run.json()["batch_preflight"][0]["findings"] if f["severity"] == "error"]
    assert f"{len(errors)} error" in said  # the count the one line gives is the table's
    assert run.stderr.splitlines()[-1] == f"gpt41cost: error: {path}: {said}"


def _created(day: str) -> int:
    """Noon UTC of ``day`` (YYYY-MM-DD), as a response's ``created``."""
    from datetime import UTC, datetime

    return int(datetime.fromisoformat(f"{day}T12:00:00").replace(tzinfo=UTC).timestamp())


@pytest.mark.parametrize(
    ("days", "note"),
    [
        pytest.param(
            ["2026-12-05", "2026-12-08", "2026-12-09", "2026-12-09"],
            "3 requests are dated after the run's date 2026-12-06 (2026-12-08 to 2026-12-09): counted here at "
            "the prices for their own days, left out of a --forecast; model status is as of 2026-12-06. A clock "
            "ahead, or --as-of before the log ends?",
            id="three-later",
        ),
        pytest.param(
            ["2026-12-06", "2026-12-07"],
            "1 request is dated after the run's date 2026-12-06 (2026-12-07): counted here at the prices for "
            "its own day, left out of a --forecast; model status is as of 2026-12-06. A clock ahead, or --as-of "
            "before the log ends?",
            id="one-day",
        ),
        pytest.param(["2026-12-05", "2026-12-06"], None, id="none-later"),
    ],
)
def test_usage_notes_requests_after_the_run_date(cli: Cli, tmp_path: Path, days: list[str], note: str | None):
    log = tmp_path / "log.jsonl"
    lines = [chat_response(f"r{i}", "gpt-4.1-mini", _created(d)) for i, d in enumerate(days)]
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run = cli("usage", log, "--as-of", "2026-12-06", "-f", "markdown", expect=0)
    found = [line for line in run.stdout.splitlines() if "after the run's date" in line]
    assert found == ([] if note is None else [f"- {note}"])


@pytest.mark.parametrize("name", ["batch.txt", "batch-input", "-"])
def test_batch_lines_are_found_by_content(cli: Cli, tmp_path: Path, name: str):
    lines = _batch(tmp_path / "batch.jsonl", [("a", True), ("b", True)]).read_bytes()
    assert content_kind(lines) == "batch"
    assert content_kind(_lines(tmp_path / "train.jsonl", [True, True]).read_bytes()) == "finetune"
    if name == "-":
        doc = cli.json("estimate", "-", "-m", "gpt-4.1", input=lines)
    else:
        (tmp_path / name).write_bytes(lines)
        doc = cli.json("estimate", tmp_path / name, "-m", "gpt-4.1")
    assert [(i["read_as"], i["requests"], i["processing"]) for i in doc["inputs"]] == [("batch", 2, "batch")]
    # 2 requests of 8 input tokens (3 + 1 + 1 + 3) and 500 output at gpt-4.1's Batch rates ($1 and $4 per 1M);
    # as text it was one request of 88 tokens at standard rates, $0.004176
    assert doc["models"][0]["total_usd"] == "0.004016"


@pytest.mark.parametrize("read_as", [[], ["--as", "text"], ["--as", "text=*.txt"]])
def test_a_blank_file_in_a_folder_is_skipped_whatever_as_says(cli: Cli, tmp_path: Path, read_as: list[str]):
    (tmp_path / "a.txt").write_text("Summarize this article.", encoding="utf-8")
    (tmp_path / "b.txt").write_text("  \n\t\n", encoding="utf-8")
    run = cli("estimate", tmp_path, "-m", "gpt-4.1", "-f", "json", *read_as, expect=0)
    doc = run.json()
    assert [(i["read_as"], i["requests"]) for i in doc["inputs"]] == [("text", 1)]
    assert [e["source"] for e in doc["skipped_inputs"]] == [str(tmp_path / "b.txt")]
    named = cli("estimate", tmp_path / "b.txt", "-m", "gpt-4.1", *read_as, expect=3)
    assert named.stderr == f"gpt41cost: error: {tmp_path / 'b.txt'}: empty file; a prompt needs some text\n"


@pytest.mark.parametrize("read_as", [["--as", "prompts"], ["--as", "prompts=*.jsonl"]])
@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
def test_a_blank_request_file_in_a_folder_is_skipped(cli: Cli, tmp_path: Path, read_as: list[str], gz: bool):
    import gzip

    (tmp_path / "a.jsonl").write_text('"Summarize this article."\n', encoding="utf-8")
    blank = tmp_path / ("b.jsonl.gz" if gz else "b.jsonl")
    blank.write_bytes(gzip.compress(b" \n\n") if gz else b" \n\n")
    doc = cli.json("estimate", tmp_path, "-m", "gpt-4.1", *read_as)
    assert [(i["read_as"], i["requests"]) for i in doc["inputs"]] == [("prompts", 1)]
    assert [e["source"] for e in doc["skipped_inputs"]] == [str(blank)]
    named = cli("estimate", blank, "-m", "gpt-4.1", *read_as, expect=3)  # named alone: an error
    assert named.stderr.startswith(f"gpt41cost: error: {blank}: empty file; expected ")
