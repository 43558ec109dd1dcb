"""Input shapes mended after the twelfth session's review of its own reader changes (R6 and after).

- A chat-requests (evals) JSONL whose later line is a multi-turn conversation ending with the
  user's message (user, assistant "Paris", user "And of Spain?") was refused as "an assistant
  message, where the first line has none" since 7dfbd04: only a line that looks like a
  fine-tuning example (its last message the assistant's) disagrees with such a file. A file whose
  first line is a prompt string or ``{"input": ...}`` cannot be fine-tuning data: its lines of
  messages are chat requests, whatever they end with (the refusal suggested ``--as finetune``,
  which fails on line 1).
- JSON lines without a data extension (or on stdin) that disagree with their first line were one
  text prompt (reason "no extension"): they are read as the first line says, as a ``.jsonl`` is,
  so the same bad line is refused (or skipped with ``--skip-bad``).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from gpt41cost.errors import InputError
from gpt41cost.measure import Totals
from gpt41cost.readers.inputs import gather

from .conftest import Cli, chat_response

USER = {"role": "user", "content": "hi"}
ANSWER = {"role": "assistant", "content": "hello"}
#: A message: 3 + role (1) + content (1); a request's reply priming: 3.
ONE, TWO, THREE = 8, 13, 18


def _write(path: Path, rows: list) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _read(catalog, path: str, *, stdin: bytes | None = None, **kw) -> tuple[list[tuple[str, str, int]], Totals]:
    totals = Totals(catalog, dict.fromkeys(catalog.models, 500))
    got = gather([path], catalog, totals=totals, stdin=io.BytesIO(stdin) if stdin is not None else None, **kw)
    return [(i.read_as, i.reason, i.stop - i.start) for i in got.inputs], totals


EVALS = [
    {"messages": [USER], "ideal": "4"},
    {"messages": [USER, ANSWER, USER], "ideal": "Madrid"},  # a conversation ending with the user
    {"messages": [USER], "ideal": "Jupiter"},
]


@pytest.mark.parametrize("name", ["evals.jsonl", "evals"])
def test_a_conversation_ending_with_the_user_is_a_chat_request(catalog, tmp_path: Path, name: str):
    path = _write(tmp_path / name, EVALS)
    inputs, totals = _read(catalog, str(path))
    assert [(kind, n) for kind, _, n in inputs] == [("prompts", 3)]
    assert totals.sizes["gpt-4.1"] == {ONE: 2, THREE: 1}


def test_stdin_evals_are_chat_requests_not_one_text(catalog):
    """`cat evals.jsonl | gpt41cost estimate -`: was 1 text request of 102 tokens since 7dfbd04."""
    data = "".join(json.dumps(r) + "\n" for r in EVALS).encode()
    inputs, totals = _read(catalog, "-", stdin=data)
    assert inputs == [("prompts", "content: the whole input is a JSONL list of prompts (stdin)", 3)]
    assert totals.sizes["gpt-4.1"] == {ONE: 2, THREE: 1}


@pytest.mark.parametrize("name", ["evals.jsonl", "evals"])
def test_a_line_ending_with_an_answer_among_chat_requests_is_still_refused(catalog, tmp_path: Path, name: str):
    path = _write(tmp_path / name, [*EVALS, {"messages": [USER, ANSWER]}])
    with pytest.raises(InputError) as exc:
        _read(catalog, str(path))
    assert f"{path}: line 4: ends with an assistant message, as a fine-tuning example does" in exc.value.message
    assert f"read_as='finetune={name}' or read_as='prompts={name}'" in exc.value.message


@pytest.mark.parametrize(
    "first", [pytest.param("Translate hello to French", id="string"), pytest.param({"input": "hi"}, id="input")]
)
def test_after_a_first_line_that_is_no_conversation_messages_are_chat_requests(catalog, tmp_path: Path, first):
    """No fine-tuning reading is possible (line 1 is no example): nothing to ask, every line a request."""
    path = _write(tmp_path / "p.jsonl", [first, {"messages": [USER, ANSWER, USER]}, {"messages": [USER, ANSWER]}])
    inputs, totals = _read(catalog, str(path))
    assert [(kind, n) for kind, _, n in inputs] == [("prompts", 3)]
    assert totals.sizes["gpt-4.1"][THREE] == 1 and totals.sizes["gpt-4.1"][TWO] == 1


@pytest.mark.parametrize("name", ["train.jsonl", "train"])
def test_fine_tuning_still_refuses_a_later_line_without_an_answer(catalog, tmp_path: Path, name: str):
    rows = [{"messages": [USER, ANSWER]}, {"messages": [USER, ANSWER, USER]}, {"messages": [USER]}]
    path = _write(tmp_path / name, rows)
    with pytest.raises(InputError) as exc:
        _read(catalog, str(path))
    assert f"{path}: line 3: a fine-tuning example needs an assistant message" in exc.value.message
    inputs, _ = _read(catalog, str(path), skip_bad=True)  # the same lines counted, with or without .jsonl
    assert [(kind, n) for kind, _, n in inputs] == [("finetune", 2)]
    if name == "train":
        assert inputs[0][1] == "content: JSON lines, read as fine-tuning examples by the first (no extension)"


def test_bare_message_arrays_ending_with_the_user_are_chat_requests(catalog, tmp_path: Path):
    path = _write(tmp_path / "bare.jsonl", [[USER], [USER, ANSWER, USER]])
    inputs, _ = _read(catalog, str(path))
    assert [(kind, n) for kind, _, n in inputs] == [("prompts", 2)]


def test_json_lines_on_stdin_that_disagree_are_refused_as_a_jsonl_is(catalog):
    data = "".join(json.dumps(r) + "\n" for r in [{"messages": [USER, ANSWER]}, {"messages": [USER]}]).encode()
    with pytest.raises(InputError) as exc:
        _read(catalog, "-", stdin=data)
    assert "line 2: a fine-tuning example needs an assistant message" in exc.value.message
    assert "read_as='prompts'" in exc.value.message


def test_prompt_text_that_merely_starts_like_json_lines_stays_text(catalog, tmp_path: Path):
    """#11: one line that is no JSON makes the whole content a prompt."""
    path = tmp_path / "notes"
    path.write_text(json.dumps({"messages": [USER, ANSWER]}) + "\nRewrite the example above.\n", encoding="utf-8")
    inputs, _ = _read(catalog, str(path))
    assert inputs == [("text", "no extension", 1)]


# --------------------------------------------------------------------------- usage: after the run's date


@pytest.mark.parametrize(
    ("days", "late"),
    [
        pytest.param(
            ["2026-12-05", "2026-12-08", "2026-12-09", "2026-12-09"],
            {"requests": 3, "first_day": "2026-12-08", "last_day": "2026-12-09"},
            id="three-later",
        ),
        pytest.param(["2026-12-05", "2026-12-06"], None, id="none-later"),
    ],
)
def test_usage_json_has_the_requests_after_the_run_date(cli: Cli, tmp_path: Path, days: list[str], late):
    """The note of table and Markdown (tests/test_shapes12.py) had no JSON key, while after_shutdown,
    undated_requests and snapshots each have one."""
    from datetime import UTC, datetime

    log = tmp_path / "log.jsonl"
    noon = [int(datetime.fromisoformat(f"{d}T12:00:00").replace(tzinfo=UTC).timestamp()) for d in days]
    log.write_text("".join(chat_response(f"r{i}", "gpt-4.1-mini", t) + "\n" for i, t in enumerate(noon)), "utf-8")
    doc = cli.json("usage", log, "--as-of", "2026-12-06")
    assert doc["after_run_date"] == late


# --------------------------------------------------------------------------- a folder's empty data files


def test_a_folder_lists_what_each_skipped_file_holds(cli: Cli, tmp_path: Path):
    """`{}` in a folder was listed as "empty file (found in a directory)"; named alone it says
    "an empty JSON object": the listing, the JSON and the warning say the same now."""
    (tmp_path / "blank.txt").write_text("  \n", encoding="utf-8")
    (tmp_path / "list.json").write_text("[]", encoding="utf-8")
    (tmp_path / "settings.json").write_text("{}", encoding="utf-8")
    (tmp_path / "ask.txt").write_text("Say hi", encoding="utf-8")
    run = cli("estimate", tmp_path, "-m", "gpt-4.1", "-f", "json", expect=0)
    assert [(Path(e["source"]).name, e["reason"]) for e in run.json()["skipped_inputs"]] == [
        ("blank.txt", "empty file (found in a directory)"),
        ("list.json", "an empty JSON array (found in a directory)"),
        ("settings.json", "an empty JSON object (found in a directory)"),
    ]
    assert (
        f"skipped 3 files with nothing to send: {tmp_path / 'blank.txt'} (empty file), "
        f"{tmp_path / 'list.json'} (an empty JSON array), {tmp_path / 'settings.json'} (an empty JSON object)"
    ) in run.stderr
    alone = cli("estimate", tmp_path / "settings.json", "-m", "gpt-4.1", expect=3)
    assert "an empty JSON object, nothing to count" in alone.stderr


# --------------------------------------------------------------------------- nothing to send


@pytest.mark.parametrize(
    ("name", "force"),
    [
        pytest.param("list.json", "prompts", id="as-prompts"),  # was "line 1: 'messages' is empty"
        pytest.param("list.json", "chat", id="as-chat"),
        pytest.param("list", None, id="no-extension"),  # was a 1-token text prompt
        pytest.param("-", None, id="stdin"),
    ],
)
def test_an_empty_array_is_named_what_it_is(catalog, tmp_path: Path, name: str, force: str | None):
    path = "-" if name == "-" else str(tmp_path / name)
    if name != "-":
        Path(path).write_text("[]\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        _read(catalog, path, stdin=b"[]\n", force=force)
    where = "stdin" if name == "-" else path
    assert exc.value.message == f"{where}: an empty JSON array, nothing to count; add prompts or leave it out"


def test_as_text_still_counts_an_empty_array_as_text(catalog, tmp_path: Path):
    path = tmp_path / "list.json"
    path.write_text("[]", encoding="utf-8")
    inputs, _ = _read(catalog, str(path), force="text")
    assert [(kind, n) for kind, _, n in inputs] == [("text", 1)]


@pytest.mark.parametrize("blank", ["", "  "])
def test_an_empty_prompt_item_is_refused_as_a_blank_prompt_file_is(catalog, tmp_path: Path, blank: str):
    """`[""]` was a 0-token request ($0.004 of output on gpt-4.1)."""
    path = tmp_path / "list.json"
    path.write_text(json.dumps(["Say hi", blank]), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        _read(catalog, str(path))
    assert exc.value.message == (
        f"{path}: item 2 of the JSON array: an empty prompt, nothing to send; remove it, "
        "or pass skip_bad=True to count the other items"
    )  # the API's parameter; the CLI's flag, --skip-bad (tests/test_fixM16.py)
    inputs, _ = _read(catalog, str(path), skip_bad=True)
    assert [(kind, n) for kind, _, n in inputs] == [("prompts", 1)]
    lines = tmp_path / "p.jsonl"
    _write(lines, ["Say hi", {"prompt": blank}])
    with pytest.raises(InputError) as exc:
        _read(catalog, str(lines))
    assert exc.value.message.startswith(f"{lines}: line 2: an empty prompt, nothing to send; nothing was counted")


def test_one_prompt_line_is_a_prompts_list_as_two_are(catalog, tmp_path: Path):
    """A one-line .jsonl of {"prompt": ...} was text "(a config?)": 6 tokens of JSON, not the prompt's 2."""
    one = _write(tmp_path / "one.jsonl", [{"prompt": "Hi there"}])
    inputs, totals = _read(catalog, str(one))
    assert inputs == [("prompts", "extension .jsonl", 1)]
    assert totals.sizes["gpt-4.1"] == {2: 1}
