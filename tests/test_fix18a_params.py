"""A parameter error's parameters are read from its template's slots: one way, nothing to keep equal.

Before, each ``ParameterError``/``Advice`` was given its parameters twice (as ``slot('name')`` in the
template and again as ``*params``): a slot without its parameter printed the NUL marker, a
parameter without its slot was silently unused (``workload.refuse_over_window`` passed extra ones).
"""

from __future__ import annotations

import ast
import pickle
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gpt41cost.errors import InputError, InputParameterError, ParameterError, UnknownModelError, slot, slots
from gpt41cost.readers.text import Advice

PACKAGE = Path(__file__).parent.parent / "gpt41cost"
#: The classes whose first argument is a template naming parameters with slot().
TEMPLATED = {"ParameterError", "InputParameterError", "Advice", "NotText", "Skippable", "BadDocument"}
TEMPLATED |= {"UncountableAdvice", "then"}

NAMES = st.sampled_from(["skip_bad", "read_as", "include", "output_tokens", "budget", "x"])
# text an input can bring into a template: braces, NULs, a parameter's bare name, anything
TEXT = st.text(alphabet=st.sampled_from("ab {}:=\x00'\\skip_bad\u200d"), max_size=12)
PIECES = st.lists(st.one_of(TEXT, NAMES.map(lambda n: ("slot", n))), max_size=8)


def _template(pieces: list[str | tuple[str, str]]) -> tuple[str, list[str]]:
    text, named = "", []
    for p in pieces:
        if isinstance(p, tuple):
            text += slot(p[1])
            named.append(p[1])
        else:
            text += p
    return text, list(dict.fromkeys(named))


@given(PIECES)
def test_a_template_s_slots_are_its_parameters_and_never_shown(pieces: list[str | tuple[str, str]]) -> None:
    template, named = _template(pieces)
    marker = slot("x").split("x")[0]  # what opens a slot
    for err in (ParameterError(template), Advice(template), InputParameterError(template)):
        assert list(err.params) == named
        for text in (err.message, err.named(lambda p: "--" + p), str(pickle.loads(pickle.dumps(err)))):
            assert marker not in text
        assert err.named(lambda p: f"<{p}>") == _spelled(pieces, lambda p: f"<{p}>")


def _spelled(pieces: list[str | tuple[str, str]], spell: object) -> str:
    return "".join(spell(p[1]) if isinstance(p, tuple) else p for p in pieces)  # type: ignore[operator]


@pytest.mark.parametrize("cls", [ParameterError, InputParameterError, Advice])
def test_parameters_cannot_be_given_again(cls: type[ParameterError]) -> None:
    """The template names them; giving them again is refused (a TypeError; mypy refuses the call)."""
    template = f"{slot('budget')}: must be 0 or more; or pass {slot('skip_bad')}"
    err = cls(template)
    assert err.params == ("budget", "skip_bad") == slots(template)
    assert err.message.startswith("budget: must be 0 or more; or pass skip_bad")
    with pytest.raises(TypeError):
        cls(template, "budget", "skip_bad")  # type: ignore[call-arg, misc, arg-type]


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda t: InputError(t), id="input-error"),
        pytest.param(lambda t: UnknownModelError("gpt-5", ["gpt-4.1"], [], param="models"), id="unknown-model"),
    ],
)
def test_no_error_shows_a_slot_marker(make: object) -> None:
    """A slot in an error that names no parameter is its bare name, never the marker."""
    err = make(f"a.jsonl: bad; pass {slot('skip_bad')}")  # type: ignore[operator]
    assert "\x00" not in err.message and "\x00" not in str(err)


def test_a_skipped_record_spells_its_own_slots() -> None:
    """``skipped`` may name a parameter the message does not: it was left as the marker before."""
    err = Advice("a.pdf: not text", skipped=f"a.pdf: not text; check {slot('encoding')}")
    assert err.skipped().message == "a.pdf: not text; check --encoding"


def test_advice_then_names_both_parts_parameters_with_their_values() -> None:
    err = Advice(f"a: try {slot('read_as')}", values={"read_as": "prompts=a"}).then(f"; or pass {slot('skip_bad')}")
    assert err.params == ("read_as", "skip_bad")
    assert err.message == "a: try read_as='prompts=a'; or pass skip_bad=True"
    assert (
        err.named({"read_as": "--as", "skip_bad": "--skip-bad"}.__getitem__)
        == "a: try --as prompts=a; or pass --skip-bad"
    )
    back = pickle.loads(pickle.dumps(err))
    assert (back.params, back.message, back.named(lambda p: p.upper())) == (
        err.params,
        err.message,
        err.named(lambda p: p.upper()),
    )


def _sites() -> list[tuple[str, int, str]]:
    """Every call in the package of a templated error given more than its template positionally."""
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            f = node.func
            name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
            if name in TEMPLATED and len(node.args) > 1:
                out.append((rel, node.lineno, ast.unparse(node)[:100]))
    return out


def test_no_site_names_its_parameters_twice() -> None:
    """The template names its parameters (slot); no constructor site in the package repeats them."""
    assert _sites() == []
