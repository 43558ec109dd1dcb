"""Review 20b, finding 1: JSON lines with a broken line, given without a data extension (stdin, no
extension, ``.txt``), were one text prompt: the whole content had to parse. They are read as the
JSONL kind their other lines say, the broken line a bad line as in a ``.jsonl``; prose with JSON in
it stays text."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gpt41cost.readers.inputs import content_kind
from gpt41cost.tokens import count_tokens

from .conftest import Cli


def _batch_line(i: int) -> str:
    body = {
        "model": "gpt-4.1-mini",
        "messages": [{"role": "system", "content": "Label the review."}, {"role": "user", "content": f"Review {i}"}],
        "max_tokens": 5,
    }
    return json.dumps({"custom_id": f"r-{i}", "method": "POST", "url": "/v1/chat/completions", "body": body})


GOOD = [_batch_line(i) for i in range(5)]
#: The 5 lines with line 3 a copy of line 1 cut short, as an interrupted write leaves it.
CUT = "\n".join([*GOOD[:2], GOOD[0][:60], *GOOD[2:]]) + "\n"
EST = ["estimate", "-m", "gpt-4.1-mini"]


def _figures(d: Any) -> tuple[str, int, int, str]:
    [inp] = d["inputs"]
    m = d["models"][0]
    return inp["read_as"], m["requests"], m["input_tokens_total"], m["total_usd"]


@pytest.fixture
def as_jsonl(cli: Cli, tmp_path: Path) -> Any:
    path = tmp_path / "batch.jsonl"
    path.write_text(CUT, encoding="utf-8")
    run = cli(*EST, path, "-f", "json", expect=1)
    return run.json(), run.stderr


@pytest.mark.parametrize("name", [pytest.param("-", id="stdin"), "batch", "batch.txt"])
def test_a_batch_file_with_a_cut_line_is_a_batch_whatever_its_name(
    cli: Cli, tmp_path: Path, as_jsonl: Any, name: str
) -> None:
    jsonl, said = as_jsonl
    if name == "-":
        run = cli(*EST, "-", "-f", "json", input=CUT, expect=1)
        where, how = "stdin", "stdin"
    else:
        path = tmp_path / name
        path.write_text(CUT, encoding="utf-8")
        run = cli(*EST, path, "-f", "json", expect=1)
        where, how = str(path), "extension .txt" if name.endswith(".txt") else "no extension"
    d = run.json()
    assert _figures(d) == _figures(jsonl) == ("batch", 5, _figures(jsonl)[2], _figures(jsonl)[3])
    assert d["inputs"][0]["reason"] == f"content: JSON lines, read as Batch API input lines by the first ({how})"
    finding = "OpenAI would reject this batch: 1 error: line 3 is not valid JSON"
    assert run.stderr == said.replace(str(tmp_path / "batch.jsonl"), where)
    assert f"{where}: {finding}" in run.stderr
    assert [(f["line"], f["code"]) for f in d["batch_preflight"][0]["findings"]] == [(3, "not_json")]


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        pytest.param(CUT, "batch", id="batch-cut-line"),
        pytest.param("\n".join([*GOOD[:1], '{"custom_id": "r-9", "method": "PO']), "batch", id="two-lines-last-cut"),
        pytest.param("\n".join([*GOOD[:2], GOOD[2] + GOOD[3], GOOD[4]]), "batch", id="two-lines-run-together"),
        # other JSON lines with a line that does not parse are a prompt (review 20c: a few-shot
        # prompt leaves its last example open; refused with exit 3 in b3ac48d)
        pytest.param('{"prompt": "a"}\n{"prompt": "b"}\n{"prompt": "c\n', None, id="eval-set-cut"),
        pytest.param('[{"role": "user", "content": "a"}]\n[{"role": "user", "con\n', None, id="messages-cut"),
        # fewer than half the lines of the first line's kind: not taken for JSON lines
        pytest.param("\n".join([GOOD[0], '{"a": 1', '{"b": 2']), None, id="mostly-broken"),
        pytest.param("\n".join([GOOD[0][:50], *GOOD[1:]]), None, id="first-line-cut"),
    ],
)
def test_json_lines_with_broken_lines_are_read_as_their_kind(content: str, kind: str | None) -> None:
    assert content_kind(content.encode()) == kind


#: Prompts users write that hold JSON: each one prompt, counted as text.
PROSE = {
    "json-then-instruction": '{"input": "The parcel came late.", "expected": "negative"}\nLabel the record above.\n',
    "pretty-request-then-question": json.dumps(json.loads(GOOD[0])["body"], indent=2) + "\nWhat does it cost?\n",
    "few-shot-then-question": '{"prompt": "2+2", "completion": "4"}\n{"prompt": "3+3", "completion": "6"}\n'
    "Now answer: 5+5\n",
    "jsonl-template": '{"messages": [{"role": "system", "content": "Be brief."}]}\n{% for m in history %}\n'
    "{{ m | tojson }}\n{% endfor %}\n",
    "template-line": '{"prompt": "Answer briefly."}\n{{ question }}\n',
    "markdown-after": '{"input": "x"}\n\n## Task\nExplain the JSON above.\n',
    "cut-json-then-prose": GOOD[0] + "\n" + GOOD[1][:40] + "\nWhy does the second line fail?\n",
    # few-shot prompts whose last example is left open for the model (review 20c)
    "few-shot-open-label": '{"input": "Loved it", "label": "positive"}\n{"input": "Dull", "label": "negative"}\n'
    '{"input": "I want my two hours back", "label":',
    "few-shot-open-completion": '{"prompt": "2+2", "completion": "4"}\n{"prompt": "5+5", "completion":',
    "messages-open": '[{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]\n'
    '[{"role": "user", "content": "bye"}, {"role": "assistant", "content": "',
    "structured-output-shape": '{"messages": [{"role": "system", "content": "List items."}]}\n'
    '{"item": "<name>", "price": <number>}\n',
}


@pytest.mark.parametrize("text", [pytest.param(t, id=k) for k, t in PROSE.items()])
def test_a_prompt_with_json_in_it_is_text(cli: Cli, text: str) -> None:
    d = cli.json(*EST, "-", input=text)
    [inp] = d["inputs"]
    assert inp["read_as"] == "text"
    assert inp["reason"].split(";")[0] == "stdin"
    assert d["models"][0]["input_tokens_total"] == count_tokens(text)


def test_whole_parse_content_is_read_as_before(cli: Cli) -> None:
    d = cli.json(*EST, "-", input="\n".join(GOOD) + "\n")
    assert d["inputs"][0]["reason"] == "content: the whole input is Batch API input lines (stdin)"
    assert _figures(d)[:2] == ("batch", 5)


def test_a_line_that_disagrees_says_how_to_count_one_prompt(cli: Cli, tmp_path: Path) -> None:
    """JSON lines that all parse, read as prompts by the first, with a later line of no prompt's
    shape: the error says how to count the content as the one prompt it may be."""
    text = '{"prompt": "2+2", "completion": "4"}\n' + GOOD[0] + "\n"
    run = cli(*EST, "-", input=text, expect=3)
    assert run.stderr.startswith("gpt41cost: error: stdin: line 2: a prompts line must be ")
    assert run.stderr.endswith("; nothing was counted: fix the line or pass --skip-bad to count the other lines, "
                               "or --as text if it is one prompt\n")  # fmt: skip
    path = tmp_path / "fewshot"
    path.write_text(text, encoding="utf-8")
    assert "or --as text=fewshot if it is one prompt\n" in cli(*EST, path, expect=3).stderr
    d = cli.json(*EST, path, "--as", "text=fewshot")
    assert d["models"][0]["input_tokens_total"] == count_tokens(text)
