"""Two input shapes a user trial found misread, and the plan check's count of its reasons.

- A ``.json`` that is one JSON array of prompt strings (or ``{"prompt": "..."}`` objects) is a
  prompts list, each item one request counted as its text (was one text request of the whole
  JSON, brackets and quotes counted: "a config?"). Any other ``.json`` that parses stays text.
- JSON lines of ``{"messages": [...]}`` whose first line has no assistant message (an OpenAI evals
  samples file) are Chat requests' inputs, one a line (were fine-tuning examples, priced as
  training): a fine-tuning example needs an assistant message to learn from.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from gpt41cost.readers.inputs import content_kind
from gpt41cost.tokens import count_tokens

from .conftest import Cli, dump_yaml

ROOT = Path(__file__).resolve().parent.parent
PROMPTS = ["Summarize this article.", "Translate to French: hello"]
EVALS = [
    {"messages": [{"role": "user", "content": "hi"}], "ideal": "hello"},
    {"messages": [{"role": "user", "content": "yo"}], "ideal": "hello"},
]


def _inputs(doc) -> list[tuple[str, int]]:
    return [(i["read_as"], i["requests"]) for i in doc["inputs"]]


def _jsonl(path: Path, lines: list) -> Path:
    path.write_text("".join(json.dumps(v) + "\n" for v in lines), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(json.dumps(PROMPTS), id="one-line"),
        pytest.param(json.dumps(PROMPTS, indent=2), id="pretty"),
        pytest.param(json.dumps([PROMPTS[0], {"prompt": PROMPTS[1], "ideal": "bonjour"}]), id="prompt-object"),
        pytest.param("\ufeff" + json.dumps(PROMPTS), id="bom"),
    ],
)
def test_json_array_of_prompts_is_a_prompts_list(cli: Cli, tmp_path: Path, text: str):
    path = tmp_path / "list.json"
    path.write_text(text, encoding="utf-8")
    doc = cli.json("estimate", path, "-m", "gpt-4.1")
    assert _inputs(doc) == [("prompts", 2)]
    # Each item counts as its text alone (o200k_base: 6 + 5), as a prompt file of it would:
    # not the whole JSON (14 tokens for the one-line form).
    assert [count_tokens(t) for t in PROMPTS] == [6, 5]
    assert doc["models"][0]["input_tokens_total"] == 11
    assert doc["inputs"][0]["reason"] == "extension .json"


def test_json_array_read_as_prompts_anywhere(cli: Cli, tmp_path: Path):
    """``--as prompts`` reads the array from any file and from stdin, as one item a request."""
    path = tmp_path / "list.txt"
    path.write_text(json.dumps(PROMPTS, indent=1), encoding="utf-8")
    assert _inputs(cli.json("estimate", path, "-m", "gpt-4.1"))[0] == ("text", 1)  # not a data file: a prompt
    for args, kw in (([path], {}), (["-"], {"input": json.dumps(PROMPTS)})):
        doc = cli.json("estimate", *args, "--as", "prompts", "-m", "gpt-4.1", **kw)
        assert _inputs(doc) == [("prompts", 2)]
        assert doc["models"][0]["input_tokens_total"] == 11


NOT_ONE = "not a prompt or a request"


@pytest.mark.parametrize(
    ("value", "why"),
    [
        pytest.param(["a", 1], "an array whose item 2 is a number, not a prompt or a request", id="mixed"),
        pytest.param(
            [["a"], ["b"]],
            "an array whose item 1 is an array that is no messages array, not a prompt or a request",
            id="arrays",
        ),
        pytest.param(
            [{"name": "x"}],
            'an array whose item 1 is an object without a "prompt" string, "messages", or "input" and its "model", '
            + NOT_ONE,
            id="objects",
        ),
        pytest.param({"prompts": PROMPTS}, "a config?", id="object"),
    ],
)
def test_other_json_stays_text(cli: Cli, tmp_path: Path, value, why: str):
    """(An empty array is no prompt at all: tests/test_shapes12.py.)"""
    path = tmp_path / "settings.json"
    path.write_text(json.dumps(value), encoding="utf-8")
    doc = cli.json("estimate", path, "-m", "gpt-4.1")
    assert _inputs(doc) == [("text", 1)]
    assert doc["inputs"][0]["reason"] == f"extension .json, but valid JSON that is no request ({why})"
    assert doc["models"][0]["input_tokens_total"] == count_tokens(path.read_text(encoding="utf-8"))


def test_jsonl_of_message_arrays_is_still_lines(cli: Cli, tmp_path: Path):
    """A prompts JSONL opening with ``[`` (a messages array) is read line by line, as before."""
    lines = [[{"role": "user", "content": "hi"}], [{"role": "user", "content": "yo"}]]
    doc = cli.json("estimate", _jsonl(tmp_path / "p.jsonl", lines), "-m", "gpt-4.1")
    assert _inputs(doc) == [("prompts", 2)]
    assert doc["models"][0]["input_tokens_total"] == 2 * (3 + 1 + 1 + 3)


@pytest.mark.parametrize("name", ["oai2.jsonl", "oai2.txt"])
def test_conversations_without_an_answer_are_chat_requests(cli: Cli, tmp_path: Path, name: str):
    """Each line a Chat request's input: 3 per message + role (1) + content (1) + 3 priming = 8;
    ``ideal`` is not sent. No training figures."""
    path = _jsonl(tmp_path / name, EVALS)
    doc = cli.json("estimate", path, "-m", "gpt-4.1")
    assert _inputs(doc) == [("prompts", 2)]
    figures = doc["models"][0]
    assert figures["input_tokens_total"] == 16
    assert figures["training_tokens"] is None and figures["training_usd"] is None
    assert content_kind(path.read_bytes()) == "prompts"


@pytest.mark.parametrize(
    ("first", "then", "bad"),
    [
        pytest.param(True, False, "a fine-tuning example needs an assistant message", id="first-answered"),
        pytest.param(False, True, "ends with an assistant message, as a fine-tuning example", id="first-unanswered"),
    ],
)
def test_the_first_line_decides(cli: Cli, tmp_path: Path, first: bool, then: bool, bad: str):
    """The first line decides a data file's kind and a later line that disagrees is a bad line
    (tests/test_shapes12.py); so it does for JSON lines without a data extension (they were text)."""

    def line(answered: bool) -> dict:
        messages = [{"role": "user", "content": "hi"}]
        return {"messages": messages + ([{"role": "assistant", "content": "hello"}] if answered else [])}

    lines = [line(first), line(then), line(then)]
    path = _jsonl(tmp_path / "mixed.jsonl", lines)
    assert f"{path}: line 2: {bad}" in cli("estimate", path, "-m", "gpt-4.1", expect=3).stderr
    path = _jsonl(tmp_path / "mixed.txt", lines)
    assert f"{path}: line 2: {bad}" in cli("estimate", path, "-m", "gpt-4.1", expect=3).stderr


def test_fine_tuning_sample_is_still_fine_tuning(cli: Cli):
    path = ROOT / "samples" / "requests" / "finetune-train.jsonl"
    doc = cli.json("estimate", path, "-m", "gpt-4.1")
    assert _inputs(doc) == [("finetune", 6)]
    assert doc["models"][0]["training_tokens"] == 3 * doc["models"][0]["input_tokens_total"]  # 3 epochs


def test_limits_and_plan_read_them_alike(cli: Cli, tmp_path: Path):
    files = [tmp_path / "list.json", _jsonl(tmp_path / "evals.jsonl", EVALS)]
    files[0].write_text(json.dumps(PROMPTS), encoding="utf-8")
    traffic = {"traffic": {"requests_per_day": 1000}}
    for path, total in zip(files, (11, 16), strict=True):
        limits = cli.json("limits", path, "-m", "gpt-4.1", "--peak-rpm", 10, "--max-tokens", 100)
        assert (limits["inputs"]["prompt_files"], limits["inputs"]["input_tokens_total"]) == (2, total)
        workload = tmp_path / "w.yaml"
        workload.write_text(
            dump_yaml(
                {"name": "w", "model": "gpt-4.1", "prompts": [str(path)], "output_tokens": 100, "tier": 1, **traffic}
            ),
            encoding="utf-8",
        )
        assert cli.json("plan", workload)["inputs"]["input_tokens_total"] == total


@pytest.mark.parametrize(("budget", "count"), [(1000, 1), (0.000001, 2)])  # the shutdown; and the budget
def test_plan_check_counts_its_reasons(cli: Cli, tmp_path: Path, budget: float, count: int):
    workload = tmp_path / "w.yaml"
    doc = {"name": "w", "model": "gpt-4.1-mini", "input_tokens": 100, "output_tokens": 10, "tier": 1}
    doc |= {"traffic": {"requests_per_day": 1000}, "budget_usd_per_month": budget}
    workload.write_text(dump_yaml(doc), encoding="utf-8")
    run = cli("plan", workload, "--check")
    reasons = run.stderr.count("gpt41cost: check failed: ")
    assert reasons == count, run.stderr
    assert f"plan check failed ({reasons} reason{'' if reasons == 1 else 's'} above)" in run.stderr
    assert not re.search(r"\(1 reasons above\)", run.stderr)


@pytest.mark.needs_fork
def test_large_array_is_read_whole_not_in_ranges(cli: Cli, tmp_path: Path, small_ranges):
    """``--as prompts`` on a JSON array large enough for the reading processes: read whole (its
    ranges are no JSON lines), as the array found by content is; a JSONL of strings still in ranges."""
    from gpt41cost.readers import pool

    texts = [f"Summarize article {i}." for i in range(400)]
    array = tmp_path / "big.json"
    array.write_text(json.dumps(texts, indent=1), encoding="utf-8")
    lines = _jsonl(tmp_path / "big.jsonl", texts)
    small_ranges()
    assert array.stat().st_size >= pool.MIN_BYTES and lines.stat().st_size >= pool.MIN_BYTES
    total = sum(count_tokens(t) for t in texts)
    for args in ([array], [array, "--as", "prompts"], [lines]):
        doc = cli.json("estimate", *args, "-m", "gpt-4.1")
        assert (_inputs(doc), doc["models"][0]["input_tokens_total"]) == ([("prompts", 400)], total)
