"""A Chat request's ``n`` (choices): output billed for each choice, input once, each choice within
``max_tokens`` (docs/accounting.md §2, §9, §11), the same in estimate, limits, plan and the Python API;
requests OpenAI rejects refused alike by the CLI and ``count_request``; a Responses ``conversation``
listed as not counted. Every figure is checked by hand against the fixture's prices: gpt-4.1 $2 input
and $8 output per 1M tokens, gpt-4.1-mini $0.40 and $1.60 (Batch half), tier 1 gpt-4.1 TPM 30,000."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import gpt41cost
from gpt41cost import measure
from gpt41cost.errors import InputError
from gpt41cost.measure import Measured, Totals
from gpt41cost.rules import all_rules

from .conftest import DATA, Cli

FIXTURE = ["--pricing", str(DATA / "pricing-fixture.yaml")]
TAGLINE = {"role": "user", "content": "Write a tagline"}  # 3 + 1 ("user") + 3 ("Write a tagline") + 3 = 10 tokens
N3 = {"model": "gpt-4.1", "messages": [TAGLINE], "n": 3, "max_tokens": 100}


def write(path: Path, body: Any) -> Path:
    path.write_text(json.dumps(body))
    return path


def prompts_file(path: Path, bodies: list[dict[str, Any]]) -> Path:
    """A prompts JSONL file: one request body a line (priced at standard rates, unlike a Batch file)."""
    path.write_text("".join(json.dumps(b) + "\n" for b in bodies))
    return path


def only(doc: dict[str, Any]) -> dict[str, Any]:
    (m,) = doc["models"]
    return m


def test_trial_reproduction_estimate(cli: Cli, tmp_path: Path) -> None:
    """The trial's n3.json: 10 input x $2/M + 3 choices x 100 x $8/M = $0.00002 + $0.0024 = $0.00242;
    every choice capped at 100, so the worst case is the same."""
    path = write(tmp_path / "n3.json", N3)
    m = only(cli.json("estimate", path, "-m", "gpt-4.1", *FIXTURE))
    assert (m["input_tokens_total"], m["output_tokens_total"]) == (10, 300)
    assert (m["total_usd"], m["worst_case_total_usd"]) == ("0.00242", "0.00242")
    shown = cli("estimate", path, "-m", "gpt-4.1", *FIXTURE).stdout
    assert "1 request asks for n > 1 choices: output is priced for each choice (each within max_tokens)" in shown


def test_expected_and_worst_case_per_choice(cli: Cli, tmp_path: Path) -> None:
    """Output assumption 500: n=2 capped at 1,000 is expected 2 x 500 = 1,000 and at worst 2 x 1,000;
    n=4 with no cap 4 x 500 = 2,000 (its worst case is the assumption too); a plain request 500.
    Expected: 30 input + (1,000 + 2,000 + 500) x $8/M = $0.00006 + $0.028 = $0.02806.
    Worst: 30 input + (2,000 + 2,000 + 500) x $8/M = $0.00006 + $0.036 = $0.03606."""
    bodies = [
        {"model": "gpt-4.1", "messages": [TAGLINE], "n": 2, "max_tokens": 1000},
        {"model": "gpt-4.1", "messages": [TAGLINE], "n": 4},
        {"model": "gpt-4.1", "messages": [TAGLINE]},
    ]
    path = prompts_file(tmp_path / "b.jsonl", bodies)
    args = ["estimate", path, "-m", "gpt-4.1", "--as", "prompts", "--output-tokens", "500", *FIXTURE]
    m = only(cli.json(*args))
    assert (m["input_tokens_total"], m["output_tokens_total"]) == (30, 3_500)
    assert (m["total_usd"], m["worst_case_total_usd"]) == ("0.02806", "0.03606")
    assert "2 requests ask for n > 1 choices" in cli(*args).stdout


def test_per_input_figures_count_the_choices(cli: Cli, tmp_path: Path) -> None:
    """Two inputs: n3.json (300 output tokens) and a plain request (min(500, 100) = 100)."""
    a = write(tmp_path / "a.json", N3)
    b = write(tmp_path / "b.json", {**N3, "n": 1})
    doc = cli.json("estimate", a, b, "-m", "gpt-4.1", "--per-input", *FIXTURE)
    assert [i["models"][0]["output_tokens"] for i in doc["inputs"]] == [300, 100]
    assert only(doc)["output_tokens_total"] == 400


def test_a_choice_fits_the_window_alone(catalog) -> None:  # type: ignore[no-untyped-def]
    """n multiplies the output billed, not what one completion needs of the context window."""
    bases = tuple(catalog.models)
    window = {b: catalog.models[b].context_window for b in bases}
    t = Totals(catalog, dict.fromkeys(bases, 500))
    t.add(Measured("a", "chat", {b: window[b] - 400 for b in bases}, line=1, max_output_tokens=350, choices=5))
    assert all(not t.misfits[b] for b in bases)
    assert (t.capped, dict(t.caps), dict(t.more), t.multi) == (1, {350: 1}, {(350, 5): 1}, 1)


def test_totals_merged_from_parts_keep_the_choices(catalog) -> None:  # type: ignore[no-untyped-def]
    """A run read in parts (other processes) sums the same output as one read whole."""
    bases = tuple(catalog.models)
    rows = [(None, 3), (200, 2), (None, 1), (800, 4)]
    whole = Totals(catalog, dict.fromkeys(bases, 500))
    parts = [Totals(catalog, dict.fromkeys(bases, 500), defer=True) for _ in range(2)]
    for i, (cap, n) in enumerate(rows):
        m = Measured("f", "batch", dict.fromkeys(bases, 10), line=i + 1, max_output_tokens=cap, choices=n)
        whole.add(m)
        parts[i // 2].add(m)
    merged = Totals(catalog, dict.fromkeys(bases, 500))
    for p in parts:
        merged.merge(p)
    # 3 x 500 + 2 x 200 + 500 + 4 x 500 = 4,400; worst: 1,500 + 400 + 500 + 4 x 800 = 5,600
    for t in (whole, merged):
        assert measure.output_sum(500, t.requests, t.caps, t.more) == 4_400
        assert measure.worst_output(500, t.requests, t.caps, t.more) == 5_600
        assert t.multi == 3


def test_the_rules_per_request() -> None:
    assert [measure.expected_output(500, c, 3) for c in (None, 100, 800)] == [1_500, 300, 1_500]
    assert [measure.output_reservation(500, c, 3) for c in (None, 100, 800)] == [1_500, 300, 2_400]


def test_limits_reserve_n_times_the_cap(cli: Cli, tmp_path: Path) -> None:
    """The trial's limits run: TPM at admission is 10 input + 3 x 100 reserved = 310 a request;
    at 100 requests a minute 31,000 of tier 1's 30,000 (103.3%): it does not fit tier 1."""
    path = write(tmp_path / "n3.json", N3)
    doc = cli.json("limits", path, "-m", "gpt-4.1", "--peak-rpm", "100", *FIXTURE)
    m = only(doc)
    tier1 = next(t for t in m["tiers"] if t["tier"] == 1)
    assert tier1["usage"]["tpm"]["used"] == 31_000
    assert not tier1["fits"]
    assert doc["inputs"]["mean_expected_output_tokens"] == 300
    # what TPM counts for the output: 3 x 100; output_reservation_tokens stays the reservation of a
    # request without a cap of its own (here the largest cap, 100)
    assert (doc["inputs"]["mean_output_reservation_tokens"], doc["inputs"]["output_reservation_tokens"]) == (300, 100)
    shown = cli("limits", path, "-m", "gpt-4.1", "--peak-rpm", "100", *FIXTURE).stdout
    assert "1 request asks for n > 1 choices" in shown and "each reserves n x its output reservation" in shown


def test_limits_counts_a_cap_below_the_assumption_per_choice(cli: Cli, tmp_path: Path) -> None:
    """n=3 capped at 200 under an assumption of 500: capped below (200 < 500), expected 600."""
    path = write(tmp_path / "c.json", {**N3, "max_tokens": 200})
    doc = cli.json("limits", path, "-m", "gpt-4.1", "--peak-rpm", "10", "--output-tokens", "500", *FIXTURE)
    assert (doc["inputs"]["expected_output_capped_requests"], doc["inputs"]["mean_expected_output_tokens"]) == (1, 600)


def test_plan_prices_every_choice(cli: Cli, tmp_path: Path) -> None:
    """1,000 requests a day, 30 days: 30,000 x $0.00242 = $72.60 a month."""
    write(tmp_path / "n3.json", N3)
    (tmp_path / "w.yaml").write_text(
        "model: gpt-4.1\nprompts: [n3.json]\noutput_tokens: 500\ntraffic: {requests_per_day: 1000}\ntier: 2\n"
    )
    doc = cli.json("plan", tmp_path / "w.yaml", *FIXTURE)
    assert Decimal(doc["models"][0]["monthly_cost_usd"]["standard"]) == Decimal("72.6")
    assert (doc["inputs"]["mean_expected_output_tokens"], doc["inputs"]["mean_output_reservation_tokens"]) == (300, 300)


def test_plan_fits_the_window_per_choice(cli: Cli, tmp_path: Path) -> None:
    """A prompt whose input plus one choice's 20,000 fits gpt-4.1's window: n=3 changes nothing
    there (each choice is its own completion)."""
    write(tmp_path / "n3.json", {**N3, "max_tokens": 20_000})
    (tmp_path / "w.yaml").write_text(
        "model: gpt-4.1\nprompts: [n3.json]\noutput_tokens: 500\ntraffic: {requests_per_day: 10}\ntier: 5\n"
    )
    doc = cli.json("plan", tmp_path / "w.yaml", *FIXTURE)
    # 300 requests x (10 x $2/M + 3 x 500 x $8/M) = 300 x $0.01202 = $3.606
    assert Decimal(doc["models"][0]["monthly_cost_usd"]["standard"]) == Decimal("3.606")


def test_python_api_agrees(tmp_path: Path) -> None:
    path = write(tmp_path / "n3.json", N3)
    fixture = str(DATA / "pricing-fixture.yaml")
    got = gpt41cost.count_request(N3)
    assert (got.input_tokens, got.max_output_tokens, got.choices) == (10, 100, 3)
    assert got.notes == ("n=3: output is billed for each of the 3 choices, each within max_tokens; input once",)
    m = gpt41cost.estimate([str(path)], models=["gpt-4.1"], catalog=fixture).to_dict()["models"][0]
    assert (m["output_tokens_total"], m["total_usd"]) == (300, "0.00242")
    assert gpt41cost.count_request({**N3, "n": None}).choices == 1


@pytest.mark.parametrize("n", [0, -1, 129, "3", 2.5, True])
def test_a_choice_count_openai_rejects_is_a_bad_request(cli: Cli, tmp_path: Path, n: Any) -> None:
    """The API reference: n is an integer from 1 to 128."""
    path = write(tmp_path / "bad.json", {**N3, "n": n})
    r = cli("estimate", path, "-m", "gpt-4.1", *FIXTURE)
    assert (r.exit_code, r.stdout) == (3, "")
    (line,) = r.stderr.strip().splitlines()
    assert line.startswith(f"gpt41cost: error: {path}: 'n' must be a whole number of choices from 1 to 128, got ")
    assert f"got {json.dumps(n)}, " in line  # as the file wrote it: true, "3", 2.5 (not True, '3')
    with pytest.raises(InputError, match="'n' must be a whole number of choices from 1 to 128"):
        gpt41cost.count_request({**N3, "n": n})


def test_empty_messages_refused_by_the_api_as_by_the_cli(cli: Cli, tmp_path: Path) -> None:
    body = {"model": "gpt-4.1", "messages": []}
    r = cli("estimate", write(tmp_path / "e.json", body), *FIXTURE)
    assert r.exit_code == 3
    message = "'messages' is empty: OpenAI rejects a request without messages"
    assert message in r.stderr
    with pytest.raises(InputError) as caught:
        gpt41cost.count_request(body)
    assert caught.value.message == f"body: {message}"
    assert caught.value.exit_code == r.exit_code
    # a Responses body has no messages to be empty
    assert gpt41cost.count_request({"model": "gpt-4.1", "input": "hi"}).input_tokens > 0


@pytest.mark.parametrize("conversation", ["conv_123", {"id": "conv_123"}])
def test_a_responses_conversation_is_not_counted(cli: Cli, tmp_path: Path, conversation: Any) -> None:
    """Its earlier items are billed as input too, but they are not in the file."""
    body = {"model": "gpt-4.1", "conversation": conversation, "input": "next"}
    path = write(tmp_path / "c.json", body)
    what = "conversation: the conversation's earlier items are billed as input too, but they are not in this request"
    assert cli.json("estimate", path, "-m", "gpt-4.1", *FIXTURE)["uncounted"] == [{"where": str(path), "what": what}]
    doc = cli.json("limits", path, "-m", "gpt-4.1", "--peak-rpm", "1", "--output-tokens", "10", *FIXTURE)
    assert [u["what"] for u in doc["uncounted"]] == [what]
    assert gpt41cost.count_request(body).uncounted == (what,)


def test_the_rules_are_listed(catalog) -> None:  # type: ignore[no-untyped-def]
    by_name = {r.name: r for r in all_rules(catalog)}
    assert (by_name["choices (n)"].basis, by_name["choices (n)"].source) == ("documented", "REF")
    assert (by_name["choices within the cap"].basis, by_name["choices within the cap"].source) == ("inference", "CBRL")
