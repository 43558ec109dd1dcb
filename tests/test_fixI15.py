"""Session 15, fixI15: one context-window check for a given size in estimate, limits and price()
(item 1); the note on priority priced at standard in limits and plan (item 2); --help examples
that run as written (item 3)."""

from __future__ import annotations

import pytest

import gpt41cost
from gpt41cost.errors import ParameterError

# --------------------------------------------------------------------------- item 1: the context window


def test_estimate_refuses_a_given_size_over_the_context_window(cli) -> None:  # type: ignore[no-untyped-def]
    """estimate --input-tokens 1047577 --output-tokens 0 priced $2.095154 (exit 0) where limits refused it."""
    r = cli("estimate", "--input-tokens", "1047577", "--output-tokens", "0", "-m", "gpt-4.1")
    assert (r.exit_code, r.stdout) == (2, "")
    assert r.stderr == (
        "gpt41cost: error: --input-tokens: 1,047,577 input plus 0 output is over gpt-4.1's 1,047,576-token "
        "context window; give --input-tokens and --output-tokens that sum to 1,047,576 or less\n"
    )
    # the default output (500) is the one priced, so it is the one checked
    r = cli("estimate", "--input-tokens", "1047100", "-m", "gpt-4.1")
    assert (r.exit_code, r.stdout) == (2, "")
    assert "1,047,100 input plus 500 output" in r.stderr
    # limits says the same of the same flags
    r = cli("limits", "--input-tokens", "1047577", "--output-tokens", "0", "-m", "gpt-4.1", "--peak-rpm", "1")
    assert (r.exit_code, r.stdout) == (2, "")
    assert "1,047,577 input plus 0 output is over gpt-4.1's 1,047,576-token context window" in r.stderr
    # exactly the window fits: 1,047,076 x $2/M + 500 x $8/M
    ok = cli.json("estimate", "--input-tokens", "1047076", "-m", "gpt-4.1", "-f", "json")
    assert ok["models"][0]["fits"] is True


def test_price_and_estimate_share_the_window_check() -> None:
    """price() had its own check and words ('1,047,577 + 0 = ... OpenAI refuses such a request')."""
    with pytest.raises(ParameterError) as exc:
        gpt41cost.price(1_047_577, 0, model="gpt-4.1")
    assert str(exc.value) == (
        "input_tokens: 1,047,577 input plus 0 output is over gpt-4.1's 1,047,576-token context window; "
        "give input_tokens and output_tokens that sum to 1,047,576 or less"
    )
    with pytest.raises(ParameterError) as exc2:
        gpt41cost.estimate(input_tokens=1_047_577, output_tokens=0, models="gpt-4.1")
    assert str(exc2.value) == str(exc.value)
    assert str(gpt41cost.price(1_047_576, 0, model="gpt-4.1").total_usd.normalize()) == "2.095152"  # 1,047,576 x $2/M
