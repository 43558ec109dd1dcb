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
from hypothesis import given, settings
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


@settings(max_examples=200, deadline=None)
@given(before=_INPUT_TEXT, after=_INPUT_TEXT)
def test_input_text_in_a_template_survives_named(before: str, after: str):
    """Whatever an input's text, interpolated into a template it is in the message as it was,
    spelled for the API (:attr:`message`) and for the command line (:meth:`named`)."""
    template = f"{before}: pass {slot('skip_bad')} or {slot('budget')} ({after})"
    err = ParameterError(template, "skip_bad", "budget")
    assert err.message == f"{before}: pass skip_bad or budget ({after})"
    assert err.named(_CLI.__getitem__) == f"{before}: pass --skip-bad or --budget ({after})"

    advice = Advice(
        f"{before}: pass {slot('skip_bad')}, or {slot('read_as')} {after}",
        "skip_bad",
        "read_as",
        values={"read_as": f"text={after}"},
    )
    assert advice.message == f"{before}: pass skip_bad=True, or read_as={f'text={after}'!r} {after}"
    cli = f"{before}: pass --skip-bad, or --as text={after} {after}"
    assert advice.named(_CLI.__getitem__) == cli
    assert advice.skipped().message == cli
