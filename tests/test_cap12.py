"""Review 12 of the output cap (a request's max_tokens over the model's 32,768 maximum output:
listed as not fitting, figured at the maximum; docs/accounting.md §11): plan's window check,
the JSON contract's nulls, one rounding of the steady cache, the Batch pre-flight, the messages.
Money is checked by hand against gpt-4.1's prices: $2 input, $8 output per 1M tokens."""

from __future__ import annotations

import json
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest

import gpt41cost
from gpt41cost.catalog import Catalog
from gpt41cost.errors import InputError
from gpt41cost.measure import Measured
from gpt41cost.workload import workload_from_dict, workload_profiles

AS_OF = "2026-12-06"
TAGLINE = {"role": "user", "content": "Write a tagline"}  # 10 input tokens as a Chat request
HUGE = {"model": "gpt-4.1", "messages": [TAGLINE], "max_tokens": 2_000_000, "n": 2}


def write(path: Path, body: Any) -> Path:
    path.write_text(json.dumps(body))
    return path


def test_plan_takes_a_cap_over_the_maximum_at_the_maximum_in_the_window_check(tmp_path: Path) -> None:
    """10 input + 2,000,000 as written is over the 1,047,576 window, but every figure takes the cap
    at 32,768 (10 + 32,768 fits), as limits and estimate do: plan prices it and lists it. Money:
    expected 2 choices x 500 output: 10 x $2/M + 1,000 x $8/M = $0.00802 a request; 100 a day for
    30 days: $24.06."""
    write(tmp_path / "huge.json", HUGE)
    w = {"model": "gpt-4.1", "prompts": [f"{tmp_path}/huge.json"], "output_tokens": 500, "tier": 5}
    p = gpt41cost.plan({**w, "traffic": {"requests_per_day": 100}}, as_of=AS_OF)
    assert p.assessment.costs[0].total_usd == D("24.06")
    assert p.assessment.demand.profile.reserves == (2 * 32_768,)
    assert p.to_dict()["inputs"]["requests_over_max_output"] == [
        {"request": f"{tmp_path}/huge.json", "output_cap_tokens": 2_000_000}
    ]
    lim = gpt41cost.limits(f"{tmp_path}/huge.json", models="gpt-4.1", requests_per_day=100, output_tokens=500,
                           as_of=AS_OF)  # fmt: skip
    assert lim.assessments[0].costs[0].total_usd == p.assessment.costs[0].total_usd


def _one(where: str, tokens: int, cap: int | None) -> Measured:
    return Measured(where, "chat", dict.fromkeys(("gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano"), tokens),
                    max_output_tokens=cap)  # fmt: skip


def test_plan_says_what_to_do_with_a_request_over_the_window(catalog: Catalog) -> None:
    """1,040,000 input + 32,768 (a cap of 40,000 taken at the maximum) = 1,072,768 > 1,047,576: the
    room left is 7,576 tokens, and the message says so; without a cap the workload's max_tokens."""
    w = workload_from_dict(
        {"model": "gpt-4.1", "prompts": ["samples/support/*.txt"], "output_tokens": 500, "max_tokens": 9000,
         "traffic": {"requests_per_day": 100}, "tier": 5},
        catalog,
    )  # fmt: skip
    with pytest.raises(InputError) as got:
        workload_profiles(w, catalog, [_one("big.json", 1_040_000, 40_000)])
    assert got.value.message == (
        "big.json: 1,040,000 input tokens plus 32,768 output do not fit gpt-4.1's 1,047,576-token context "
        "window; lower its max_tokens to 7,576 or less, shorten its input, or leave the file out (exclude)"
    )  # the API's parameter; the CLI's flag, --exclude (tests/test_fixM16.py)
    with pytest.raises(InputError) as got:
        workload_profiles(w, catalog, [_one("p.txt", 1_040_000, None)])
    assert got.value.message.endswith(
        "plus 9,000 output do not fit gpt-4.1's 1,047,576-token context window; lower the workload's "
        "max_tokens (or output_tokens) to 7,576 or less, or shorten its input"
    )


def _image_workload(tmp_path: Path) -> dict[str, Any]:
    """A photo (1024 x 1024) and a text prompt on a 50/50 mix: the photo's tokens differ by model."""
    from .test_images import png_header

    (tmp_path / "photo.png").write_bytes(png_header(1024, 1024))
    (tmp_path / "q.txt").write_text("Describe the attached photo in one sentence.")
    return {"models": {"gpt-4.1": 0.5, "gpt-4.1-mini": 0.5}, "prompts": [f"{tmp_path}/*"], "output_tokens": 100,
            "traffic": {"requests_per_day": 2000}, "tier": 1}  # fmt: skip


def test_plan_gives_each_model_its_own_input_figures_as_limits_does(tmp_path: Path) -> None:
    """A mix whose models' input tokens differ: plan's top-level input figures were a share-weighted
    blend (neither model's); now each model has its own in models[].inputs, equal to limits', and
    the top level is null where they differ, as in limits."""
    w = _image_workload(tmp_path)
    p = gpt41cost.plan(w, as_of=AS_OF).to_dict()
    lim = gpt41cost.limits(str(tmp_path), models=["gpt-4.1", "gpt-4.1-mini"], requests_per_day=2000,
                           output_tokens=100, as_of=AS_OF).to_dict()  # fmt: skip
    for key in ("mean_input_tokens", "input_tokens_total", "max_input_tokens", "mean_cached_tokens"):
        own = [m["inputs"][key] for m in p["models"]]
        assert own == [m["inputs"][key] for m in lim["models"]], key
        if own[0] != own[1]:
            assert p["inputs"][key] is None and lim["inputs"][key] is None, key
    totals = [m["inputs"]["input_tokens_total"] for m in p["models"]]
    assert totals[0] != totals[1] and p["inputs"]["prompt_files"] == 2
    text = " ".join(gpt41cost.plan(w, as_of=AS_OF).render().split())
    assert "input tokens/request: gpt-4.1: 2 requests measured" in text


def test_the_json_contract_lists_the_per_model_figures_as_nullable() -> None:
    """README's key lists (tools/json_contract) say `| null` for every top-level input figure a
    model has its own of: limits and plan write null there when the models' values differ."""
    from gpt41cost.views import limits, plan
    from tools.json_contract import README, readme_block

    text = README.read_text(encoding="utf-8")
    for command, keys in (("limits", limits.PER_MODEL), ("plan", plan.PER_MODEL)):
        block = readme_block(text, command)
        assert block is not None
        listed = dict(line.split("  ", 1) for line in block.splitlines() if line.startswith(".inputs."))
        for key in keys:
            assert "null" in listed[f".inputs.{key}"].split(" | "), (command, key)


def _batch_line(cid: str, url: str, body: dict[str, Any]) -> str:
    return json.dumps({"custom_id": cid, "method": "POST", "url": url, "body": body})


def test_batch_preflight_fails_a_responses_line_with_n_as_a_cap_over_the_maximum(tmp_path: Path) -> None:
    """Both are refusals OpenAI makes one line at a time (inferred): a `responses_n` error, as a
    cap of 40,000 is a `max_output_too_large` one (was an uncounted warning only, exit 0)."""
    path = tmp_path / "r.jsonl"
    url = "/v1/responses"
    path.write_text(
        _batch_line("r1", url, {"model": "gpt-4.1", "input": "Hi", "n": 4, "max_output_tokens": 50}) + "\n"
        + _batch_line("r2", url, {"model": "gpt-4.1", "input": "Hello", "max_output_tokens": 50}) + "\n"
    )  # fmt: skip
    e = gpt41cost.estimate(str(path), models="gpt-4.1", as_of=AS_OF)
    assert e.rejected is not None
    (f,) = [f for f in e.checks[0].findings if f.severity == "error"]
    assert (f.code, f.line) == ("responses_n", 1)
    assert "remove n" in f.message and "n=4" in f.message


def test_responses_n_says_send_n_requests_only_for_several_choices() -> None:
    """R8's remedy: 'send n requests' only where n asks for more than one (n=1, null, true: remove n)."""
    from gpt41cost.requests import responses_n

    assert responses_n(4).endswith("priced as 1 choice; remove n, or send 4 requests")
    for n in (1, None, True, "2"):
        assert responses_n(n).endswith("priced as 1 choice; remove n"), n


def test_estimate_warns_of_a_cap_over_the_maximum_as_limits_and_plan_do(tmp_path: Path) -> None:
    """estimate wrote nothing on stderr for it; now the one warning limits and plan give, which
    names the field's value neutrally (a Responses body's is max_output_tokens, not max_tokens)."""
    write(tmp_path / "a.json", {"model": "gpt-4.1", "input": "Hi", "max_output_tokens": 40_000})
    warned = [w for w in gpt41cost.estimate(str(tmp_path), models="gpt-4.1", as_of=AS_OF).report().warnings
              if "does not fit" in w]  # fmt: skip
    lim = gpt41cost.limits(str(tmp_path), models="gpt-4.1", peak_rpm=1, output_tokens=100, as_of=AS_OF)
    assert warned == [w for w in lim.report().warnings if "does not fit" in w]
    assert warned == [
        f"1 request does not fit: {tmp_path}/a.json (output cap 40,000) asks for more than the maximum output of "
        "gpt-4.1 (32,768 tokens), which OpenAI refuses (inferred: a 400 error); lower the cap (max_tokens, "
        "max_completion_tokens or max_output_tokens) to 32,768 or less. Figures take such a cap as 32,768 tokens a "
        "choice (expected output, TPM reservation), never as written"
    ]
    assert lim.to_dict()["inputs"]["requests_over_max_output"] == [
        {"request": f"{tmp_path}/a.json", "output_cap_tokens": 40_000}
    ]


def test_plan_refuses_a_workload_cap_in_the_words_of_limits(tmp_path: Path) -> None:
    """One wording (measure.over_max_problem): thousands separator and the remedy (was '40000 is
    over gpt-4.1's maximum output of 32,768 tokens')."""
    w = {"models": {"gpt-4.1": 0.5, "gpt-4.1-mini": 0.5}, "input_tokens": 1000, "max_tokens": 40_000,
         "output_tokens": 300, "traffic": {"requests_per_day": 100}, "tier": 1}  # fmt: skip
    with pytest.raises(InputError) as got:
        gpt41cost.plan(w, as_of=AS_OF)
    assert got.value.message.endswith(
        "max_tokens: 40,000 is over gpt-4.1's maximum output of 32,768 tokens; give 32,768 or less"
    )


def test_plan_names_the_models_of_a_mix_in_the_over_maximum_note(tmp_path: Path) -> None:
    write(tmp_path / "a.json", {"model": "gpt-4.1", "messages": [TAGLINE], "max_tokens": 40_000})
    w = {"models": {"gpt-4.1": 0.5, "gpt-4.1-mini": 0.5}, "prompts": [f"{tmp_path}/a.json"], "output_tokens": 300,
         "traffic": {"requests_per_day": 100}, "tier": 5}  # fmt: skip
    notes = [n for n in gpt41cost.plan(w, as_of=AS_OF).report().warnings if "does not fit" in n]
    assert len(notes) == 1 and "the maximum output of gpt-4.1 and gpt-4.1-mini (32,768 tokens)" in notes[0]


def test_limits_label_says_the_largest_cap_is_at_most_the_maximum(tmp_path: Path) -> None:
    """No output flag: the expected output is the largest own cap, 40,000, figured at 32,768; the
    label said 'the largest of the requests' own max_tokens' beside 32,768."""
    write(tmp_path / "a.json", {"model": "gpt-4.1", "messages": [TAGLINE], "max_tokens": 40_000})
    write(tmp_path / "b.json", {"model": "gpt-4.1", "messages": [TAGLINE], "max_tokens": 200})
    r = gpt41cost.limits(str(tmp_path), models="gpt-4.1", peak_rpm=1, as_of=AS_OF)
    (line,) = [t for k, t in r.report().assumptions if k == "expected output/request"]
    assert line.startswith(
        "32,768 tokens (the largest of the requests' own max_tokens, 40,000, at most the model's maximum output; "
        "an upper bound)"
    )


def _project(tmp_path: Path) -> list[str]:
    """The review's project: 4 Chat requests and 1 Responses request online, a 3-line Batch file,
    all sharing a 2.9k-token system prompt (gpt-4.1-mini). Returns the files."""
    ada = "You are Ada, the support assistant for Acme Billing. " * 240
    out = []
    for k, ask in enumerate(("My invoice is wrong", "I cannot log in", "Refund please", "How do I export data?")):
        msgs = [{"role": "system", "content": ada}, {"role": "user", "content": ask}]
        out.append(
            str(write(tmp_path / f"chat-{k}.json", {"model": "gpt-4.1-mini", "messages": msgs, "max_tokens": 400}))
        )
    resp = {"model": "gpt-4.1-mini", "instructions": ada, "input": "Summarize ticket 42", "max_output_tokens": 300}
    out.append(str(write(tmp_path / "resp.json", resp)))
    lines = [
        _batch_line(f"n{k}", "/v1/chat/completions", {"model": "gpt-4.1-mini", "max_tokens": 10, "messages": [
            {"role": "system", "content": ada}, {"role": "user", "content": f"Classify ticket {k}"}]})
        for k in range(3)
    ]  # fmt: skip
    (tmp_path / "nightly.jsonl").write_text("\n".join(lines) + "\n")
    return [*out, str(tmp_path / "nightly.jsonl")]


def test_the_steady_cache_is_rounded_as_estimate_rounds_it_in_any_order(tmp_path: Path) -> None:
    """estimate splits the month's steady-state cached tokens between its parts (online, Batch),
    then each part among its requests; limits and plan rounded over all requests at once, so the
    files' order moved one token a request between an online and the Batch request: 11,250
    requests of that kind a month (90,000 / 8) x ($0.40 - $0.10)/M = $0.003375, plan $59.97375
    against estimate's $59.977125. Now every command and order gives estimate's figure."""
    files = _project(tmp_path)
    common = {"models": "gpt-4.1-mini", "requests_per_day": 3000, "output_tokens": 250, "as_of": AS_OF}
    est = gpt41cost.estimate(files, cache="auto", **common).result.models[0].monthly_usd
    assert est == D("59.977125")
    for order in (files, files[::-1], [files[5], files[2], files[4], *files[:2], files[3]]):
        lim = gpt41cost.limits(order, **common).assessments[0].costs[0].total_usd
        assert lim == est, order
    w = {"model": "gpt-4.1-mini", "prompts": [f"{tmp_path}/*.json", f"{tmp_path}/*.jsonl"], "output_tokens": 250,
         "traffic": {"requests_per_day": 3000, "peak_rpm": 20}, "cache": "auto", "tier": 2}  # fmt: skip
    assert gpt41cost.plan(w, as_of=AS_OF).assessment.monthly_spend_usd == est == D("59.97375") + D("0.003375")


def test_estimate_checks_the_window_with_the_cap_at_the_maximum(tmp_path: Path) -> None:
    """16 input tokens with max_tokens 2,000,000: one misfit, the cap over the maximum; the window
    holds 10 + 32,768 (plan's check), so no second line 'input + output 2,000,010 > context window'."""
    path = write(tmp_path / "huge.json", HUGE)
    (m,) = gpt41cost.estimate(str(path), models="gpt-4.1", as_of=AS_OF).result.models
    assert [(f.problem, f.over_max) for f in m.misfits] == [
        ("output 2,000,000 > max output 32,768 (OpenAI refuses it; figured at 32,768)", True)
    ]


def test_plan_says_what_to_do_with_a_given_size_over_the_window() -> None:
    """1,040,000 + 9,000 = 1,049,000 > 1,047,576: the line says so and what to give (it said only
    'input plus output is over gpt-4.1's 1,047,576-token context window')."""
    w = {"model": "gpt-4.1", "input_tokens": 1_040_000, "output_tokens": 500, "max_tokens": 9000,
         "traffic": {"requests_per_day": 100}, "tier": 5}  # fmt: skip
    with pytest.raises(InputError) as got:
        gpt41cost.plan(w, as_of=AS_OF)
    assert got.value.message.endswith(
        "input_tokens: 1,040,000 input plus 9,000 output is over gpt-4.1's 1,047,576-token context window; give "
        "input_tokens and max_tokens that sum to 1,047,576 or less"
    )
