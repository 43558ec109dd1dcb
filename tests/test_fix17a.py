"""Session 17, fix17a.

1. A parameter's place in an error's template (errors.slot) is one no input can spell: text from
   an input interpolated into the template (a file named ``{skip_bad}.jsonl``, a ``--budget`` of
   ``'{budget}'``) reaches the user as it was. ``ParameterError.named`` replaced ``{name}``
   anywhere in the text before: the file showed as ``--skip-bad.jsonl``, the budget as
   ``--budget '--budget'``.
2. A request file whose lines disagree on their kind names the reading parameter as the other
   reading errors do: ``read_as='prompts=train.jsonl'`` to an API caller, ``--as
   prompts=train.jsonl`` on the command line (the API was told ``--as`` before), read in one
   process or by forked reading processes; the record of a line ``skip_bad`` skips words it as
   the command line does, as every skipped input's record is.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import gpt41cost
from gpt41cost.catalog import CatalogNotFound
from gpt41cost.errors import ExitCode, InputError, ParameterError, UnknownModelError, slot
from gpt41cost.readers.text import READING_FLAGS, Advice

USER = {"role": "user", "content": "Hi"}
ANSWER = {"role": "assistant", "content": "Hello"}


def _lines(path: Path, answered: list[bool], pad: int = 0) -> Path:
    """Message lines, each a user message and, where ``answered``, the answer; ``pad``: an unsent
    key of that many characters on each line (a file large enough to be read in ranges)."""
    extra = {"ideal": "x" * pad} if pad else {}
    rows = [{"messages": [USER, *([ANSWER] if a else [])], **extra} for a in answered]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- 1. input text in a template


BAD_PROMPTS_LINE = (
    'line 2: a prompts line must be a JSON string, a {"prompt": "..."} object, a list of messages or a request '
    "body (messages or input); nothing was counted: fix the line or pass "
)


@pytest.fixture
def braced(tmp_path: Path) -> Path:
    """A prompts file named as a placeholder was written, with a bad line 2."""
    path = tmp_path / "{skip_bad}.jsonl"
    path.write_text('"hello"\n42\n', encoding="utf-8")
    return path


def test_a_file_named_like_a_placeholder_keeps_its_name_on_the_command_line(cli, braced: Path):
    run = cli("estimate", braced, "-m", "gpt-4.1", expect=3)
    assert run.stdout == ""
    assert run.stderr == f"gpt41cost: error: {braced}: {BAD_PROMPTS_LINE}--skip-bad to count the other lines\n"
    assert "{skip_bad}.jsonl" in run.stderr


def test_a_file_named_like_a_placeholder_keeps_its_name_in_the_api(braced: Path):
    with pytest.raises(InputError) as exc:
        gpt41cost.estimate([str(braced)], models=["gpt-4.1"])
    assert exc.value.message == f"{braced}: {BAD_PROMPTS_LINE}skip_bad=True to count the other lines"


def test_a_budget_written_like_a_placeholder_is_shown_as_given(cli):
    run = cli("usage", "--budget", "{budget}", "usage.jsonl", expect=2)
    assert run.stdout == ""
    assert run.stderr == (
        "gpt41cost: error: --budget '{budget}': '{budget}' is not a number; give e.g. 5000 or $5,000 (US dollars)\n"
    )
    with pytest.raises(ParameterError) as exc:
        gpt41cost.usage(["usage.jsonl"], forecast=True, budget="{budget}")
    assert exc.value.message == "budget '{budget}': '{budget}' is not a number; give e.g. 5000 or $5,000 (US dollars)"


def test_a_kind_written_like_a_placeholder_is_shown_as_given(cli, braced: Path):
    run = cli("estimate", braced, "-m", "gpt-4.1", "--as", "{read_as}", expect=2)
    assert run.stderr.startswith("gpt41cost: error: --as {read_as}: unknown kind '{read_as}'; use one of ")


def test_a_model_named_like_a_placeholder_is_shown_as_given(cli):
    run = cli("estimate", "--input-tokens", "10", "-m", "{models}", expect=2)
    assert run.stderr.startswith("gpt41cost: error: --model: unknown model '{models}': known: gpt-4.1, ")
    with pytest.raises(ParameterError) as exc:
        gpt41cost.estimate(input_tokens=10, models=["{models}"])
    assert exc.value.message.startswith("models: unknown model '{models}': known: gpt-4.1, ")


def test_a_catalog_path_like_a_placeholder_is_shown_as_given(cli, tmp_path: Path):
    missing = tmp_path / "{pricing}.yaml"
    run = cli("pricing", "--pricing", missing, expect=int(ExitCode.CATALOG))
    assert run.stderr == (
        f"gpt41cost: error: {missing}: pricing catalog not found; check --pricing or $GPT41COST_PRICING\n"
    )
    assert CatalogNotFound(str(missing)).message == f"{missing}: pricing catalog not found; check the path"


#: Text an input may hold: anything, the spellings of placeholders old and new among it.
_INPUT_TEXT = st.one_of(
    st.text(),
    st.sampled_from(["{skip_bad}", "{read_as}", "{{skip_bad}}", "{budget}", "\x00skip_bad\x00", slot("x")[:9]]),
    st.lists(st.sampled_from(["{", "}", "skip_bad", "read_as", "\x00", ":", "=", "'"]), max_size=12).map("".join),
)
#: The CLI's spelling of the reading parameters, and another command's flags.
_CLI = {**READING_FLAGS, "budget": "--budget"}


# 40 examples (200 before), with the texts the slot's mutants live on as examples. Mutants of
# errors.slot and readers/text.Advice, 5 seeded runs, 200 -> 40: a slot spelled {param} 5/5 -> 5/5;
# a slot of NULs without its token 5/5 -> 4/5 without the examples, 5/5 with; values quoted, not
# repr() 5/5 -> 5/5; {param} in a template spelled too 5/5 -> 5/5.
@settings(max_examples=40, deadline=None)
@given(before=_INPUT_TEXT, after=_INPUT_TEXT)
@example(before="\x00skip_bad\x00", after="{skip_bad}")
@example(before="{budget}", after="it's a\\b\x00")
def test_input_text_in_a_template_survives_named(before: str, after: str):
    """Whatever an input's text, interpolated into a template it is in the message as it was,
    spelled for the API (:attr:`message`) and for the command line (:meth:`named`)."""
    template = f"{before}: pass {slot('skip_bad')} or {slot('budget')} ({after})"
    err = ParameterError(template)
    assert err.message == f"{before}: pass skip_bad or budget ({after})"
    assert err.named(_CLI.__getitem__) == f"{before}: pass --skip-bad or --budget ({after})"

    advice = Advice(
        f"{before}: pass {slot('skip_bad')}, or {slot('read_as')} or {slot('read_as')} {after}",
        values={"read_as": (f"finetune={after}", f"prompts={before}")},
    )
    assert advice.message == (
        f"{before}: pass skip_bad=True, or read_as={f'finetune={after}'!r} or read_as={f'prompts={before}'!r} {after}"
    )
    cli = f"{before}: pass --skip-bad, or --as finetune={after} or --as prompts={before} {after}"
    assert advice.named(_CLI.__getitem__) == cli
    assert advice.skipped().message == cli


def test_errors_cross_a_process_boundary_whole():
    """An error pickled (a forked reader hands its error to the parent so) is the same error, its
    parameters spelled as before, whatever its __init__ takes (UnknownModelError takes a name,
    its matches and the known names: pickle called it with the message alone)."""
    unknown = UnknownModelError("gpt-9", ["gpt-4.1"], ["gpt-4.1"], "models")
    advice = Advice(f"x: pass {slot('read_as')}", values={"read_as": "prompts=a.jsonl"})
    for err in (unknown, advice, CatalogNotFound("{pricing}.yaml")):
        back = pickle.loads(pickle.dumps(err))
        assert type(back) is type(err) and back.message == err.message
        assert back.named(lambda p: "--" + p) == err.named(lambda p: "--" + p)


# --------------------------------------------------------------------------- 2. --as / read_as


FINETUNE = (
    "line 3: a fine-tuning example needs an assistant message, the answer it trains on (OpenAI's check of "
    "fine-tuning data rejects the file); chat requests? pass "
)
CHAT = (
    "line 3: ends with an assistant message, as a fine-tuning example does, where the first line has none (a "
    "chat request): fine-tuning data (each example needs one) or chat requests? say which with "
)


@pytest.mark.parametrize(
    ("name", "answered", "said", "api", "flag"),
    [
        pytest.param(
            "train.jsonl",
            [True, True, False, True],
            FINETUNE,
            "read_as='prompts=train.jsonl'",
            "--as prompts=train.jsonl",
            id="finetune",
        ),
        pytest.param(
            "evals.jsonl",
            [False, False, True, False],
            CHAT,
            "read_as='finetune=evals.jsonl' or read_as='prompts=evals.jsonl'",
            "--as finetune=evals.jsonl or --as prompts=evals.jsonl",
            id="chat",
        ),
    ],
)
def test_a_line_of_the_other_kind_names_read_as_to_the_api_and_as_to_the_cli(
    cli, tmp_path: Path, name, answered, said, api, flag
):
    path = _lines(tmp_path / name, answered)
    with pytest.raises(InputError) as exc:
        gpt41cost.estimate([str(path)], models=["gpt-4.1"])
    assert exc.value.message == (
        f"{path}: {said}{api}; nothing was counted: fix the line or pass skip_bad=True to count the other lines"
    )
    assert "--" not in exc.value.message
    run = cli("estimate", path, "-m", "gpt-4.1", expect=3)
    assert run.stderr == (
        f"gpt41cost: error: {path}: {said}{flag}; nothing was counted: fix the line or pass --skip-bad to count "
        "the other lines\n"
    )
    # skipped: recorded as every skipped input is, in the command line's words, without the bad line's advice
    got = gpt41cost.estimate([str(path)], models=["gpt-4.1"], skip_bad=True)
    assert got.skipped == (f"{path}: {said}{flag}",)
    run = cli("estimate", path, "-m", "gpt-4.1", "--skip-bad", "-f", "json", expect=0)
    assert f"skipped: {path}: {said}{flag}\n" in run.stderr


def test_stdin_is_read_as_a_kind_alone(cli):
    data = "".join(json.dumps(r) + "\n" for r in [{"messages": [USER, ANSWER]}, {"messages": [USER]}])
    run = cli("estimate", "-", "-m", "gpt-4.1", input=data, expect=3)
    assert "line 2: a fine-tuning example needs an assistant message" in run.stderr
    assert "chat requests? pass --as prompts; nothing was counted" in run.stderr


@pytest.mark.needs_fork
@pytest.mark.parametrize(
    ("answered", "api", "flag"),
    [
        pytest.param([True] * 7 + [False], "read_as='prompts=big.jsonl'", "--as prompts=big.jsonl", id="finetune"),
        pytest.param(
            [False] * 7 + [True],
            "read_as='finetune=big.jsonl' or read_as='prompts=big.jsonl'",
            "--as finetune=big.jsonl or --as prompts=big.jsonl",
            id="chat",
        ),
    ],
)
def test_read_in_ranges_by_forked_processes_the_advice_is_spelled_alike(
    cli, tmp_path: Path, small_ranges, answered, api, flag
):
    """The range holding line 8 is read by a forked process, which hands its error to the parent."""
    from gpt41cost.readers import pool

    path = _lines(tmp_path / "big.jsonl", answered, pad=600)
    small_ranges()
    assert pool.eligible(path.stat().st_size) and len(pool.spans(str(path), path.stat().st_size)) > 1
    tail = "; nothing was counted: fix the line or pass "
    with pytest.raises(InputError) as exc:
        gpt41cost.estimate([str(path)], models=["gpt-4.1"])
    assert exc.value.message.startswith(f"{path}: line 8: ")
    assert exc.value.message.endswith(f"{api}{tail}skip_bad=True to count the other lines")
    run = cli("estimate", path, "-m", "gpt-4.1", expect=3)
    assert run.stderr.startswith(f"gpt41cost: error: {path}: line 8: ")
    assert run.stderr.endswith(f"{flag}{tail}--skip-bad to count the other lines\n")
    got = gpt41cost.estimate([str(path)], models=["gpt-4.1"], skip_bad=True)
    assert len(got.skipped) == 1 and got.skipped[0].startswith(f"{path}: line 8: ")
    assert got.skipped[0].endswith(flag)
