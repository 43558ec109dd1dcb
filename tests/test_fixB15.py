"""Session 15, fixB15: lifecycle dates announced after the run's date in every JSON report (item 1),
``$`` escaped in Markdown (item 2), one check of the processing shares (item 3) and JSON's
max_peak_rpm a rate like peak_rpm (item 4)."""

from __future__ import annotations

import re
from decimal import Decimal as D
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from .conftest import DATA, ROOT

FIXTURE = str(DATA / "pricing-fixture.yaml")
SUPPORT = str(ROOT / "samples" / "support")
WORKLOADS = sorted(str(p) for p in (ROOT / "samples" / "workloads").glob("*.yaml"))
LIMITS = ["limits", SUPPORT, "--output-tokens", "300", "--requests-per-day", "1000"]


# --------------------------------------------------------------------------- item 1: announced later


def _lifecycles(doc: dict) -> dict[str, dict]:  # type: ignore[type-arg]
    return {m["model"]: m["lifecycle"] for m in doc["models"]}


#: One of samples/support's tickets: what the lifecycle marks are made of is the catalog and the run
#: date, not the input, which the three runs of each command below would count again (68 KB whole).
TICKET = str(ROOT / "samples" / "support" / "ticket-01.txt")


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["estimate", TICKET], id="estimate"),
        pytest.param(["limits", TICKET, "--output-tokens", "300", "--requests-per-day", "1000"], id="limits"),
        pytest.param(["plan", str(ROOT / "samples" / "workloads" / "support-bot.yaml")], id="plan"),
    ],
)
def test_json_marks_lifecycle_dates_announced_after_the_run_date(cli, args) -> None:  # type: ignore[no-untyped-def]
    """gpt-4.1's and gpt-4.1-mini's dates (deprecation 2026-10-14, shutdown 2027-01-14, OpenAI's
    replacement gpt-6-luna) were in every JSON at --as-of 2025-06-01, unmarked, as if known then."""
    early = _lifecycles(cli.json(*args, "--as-of", "2025-06-01"))
    assert early["gpt-4.1"]["shutdown_on"] == "2027-01-14"  # the dates stay, plain
    assert early["gpt-4.1"]["announced_later"] is True and early["gpt-4.1-mini"]["announced_later"] is True
    if "gpt-4.1-nano" in early:  # announced 2026-04-22
        assert early["gpt-4.1-nano"]["announced_later"] is True
    between = _lifecycles(cli.json(*args, "--as-of", "2026-06-01"))
    assert between["gpt-4.1"]["announced_later"] is True
    if "gpt-4.1-nano" in between:
        assert between["gpt-4.1-nano"]["announced_later"] is False
    late = _lifecycles(cli.json(*args, "--as-of", "2026-10-14"))  # the day of the announcement
    assert not any(lc["announced_later"] for lc in late.values())


def test_plan_with_substitutes_marks_them_too(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("plan", str(ROOT / "samples" / "workloads" / "support-bot-2026-03.yaml"), "--substitute", "--as-of",
            "2026-06-01", "-f", "json")  # fmt: skip
    doc = r.json()
    lcs = [m["lifecycle"] for m in doc["with_substitutes"]["models"]]
    assert lcs and all("announced_later" in lc for lc in lcs)
    assert {m["model"]: m["lifecycle"]["announced_later"] for m in doc["with_substitutes"]["models"]}.get(
        "gpt-4.1-mini"
    ) is True


def test_one_helper_marks_pricing_and_the_others() -> None:
    """pricing's mark and every other report's JSON read the one rule, Lifecycle.announced_later."""
    from datetime import date

    import gpt41cost.views.pricing as pricing
    from gpt41cost.lifecycle import Lifecycle

    assert not hasattr(pricing, "announced_later")  # its own copy of the rule is gone
    lc = Lifecycle(date(2026, 4, 22), date(2026, 10, 23), substitute="gpt-4.1-mini")
    assert lc.announced_later(date(2026, 4, 21)) and not lc.announced_later(date(2026, 4, 22))
    assert lc.as_json(date(2026, 4, 21))["announced_later"] is True
    assert lc.shutdown_known(date(2026, 4, 21)) is None and lc.shutdown_known(date(2026, 4, 22)) == date(2026, 10, 23)
    # no deprecation date: the catalog does not say when a shutdown was announced, nothing is marked
    assert Lifecycle(None, date(2026, 10, 23)).as_json(date(2020, 1, 1))["announced_later"] is False


def test_api_to_dict_is_the_cli_json(cli) -> None:  # type: ignore[no-untyped-def]
    import gpt41cost

    e = gpt41cost.estimate(paths=[SUPPORT], as_of="2025-06-01")
    assert e.to_dict() == cli.json("estimate", SUPPORT, "--as-of", "2025-06-01")
    assert e.to_dict()["models"][0]["lifecycle"]["announced_later"] is True


# --------------------------------------------------------------------------- item 2: $ in Markdown

#: A ``$`` that Markdown reads as a math delimiter: one not escaped by an odd run of backslashes.
_BARE_DOLLAR = re.compile(r"(?<!\\)(?:\\\\)*\$")


def test_md_escape_escapes_dollars() -> None:
    from gpt41cost.report import md_escape

    assert md_escape("$0.40 input, $1.60 output") == "\\$0.40 input, \\$1.60 output"
    assert md_escape("$0.40", cell=True) == "\\$0.40"
    assert md_escape("\\$") == "\\\\\\$"  # a backslash before it stays a backslash


@given(st.text(alphabet=st.sampled_from("$\\ a0_|*"), max_size=20))
@example("$0.40 ... $1.60")
@example("\\$0")  # a backslash before the dollar
# 25 examples (200, then 50 before): md_escape leaving $ or \ unescaped fails it 5 seeded runs of 5 at 25 as at 200
@settings(max_examples=25)
def test_md_escape_leaves_no_math_delimiter(text: str) -> None:
    from gpt41cost.report import md_escape

    for s in (md_escape(text), md_escape(text, cell=True)):
        assert all(_odd_backslashes_before(s, m.end() - 1) for m in re.finditer(r"\$", s)), s


def _odd_backslashes_before(s: str, i: int) -> bool:
    n = 0
    while i - n - 1 >= 0 and s[i - n - 1] == "\\":
        n += 1
    return n % 2 == 1


def _rendered_text(markdown: str) -> str:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    return "\n".join(
        "".join(c.content for c in tok.children or [] if c.type == "text") for tok in md.parse(markdown)
        if tok.type == "inline"
    )  # fmt: skip


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["estimate", SUPPORT], id="estimate"),
        pytest.param(LIMITS, id="limits"),
        pytest.param(["plan", WORKLOADS[0]], id="plan"),
        pytest.param(["pricing"], id="pricing"),
    ],
)
def test_markdown_figures_carry_no_math_delimiter(cli, args) -> None:  # type: ignore[no-untyped-def]
    """estimate samples/support -f markdown had '| $0.007328 | $0.058620 |' and notes with two
    prices a line ('$0.003664 a request, $0.000733 a request'): math in GitHub's Markdown."""
    r = cli(*args, "-f", "markdown")
    assert r.exit_code in (0, 1), r.stderr
    assert "\\$" in r.stdout and not [m.start() for m in re.finditer(r"\$", r.stdout)
                                      if not _odd_backslashes_before(r.stdout, m.start())]  # fmt: skip
    text = _rendered_text(r.stdout)
    assert "$" in text and "\\$" not in text  # rendered, \$ reads $


def test_markdown_escapes_dollars_in_input_text(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    w = tmp_path / "w.yaml"
    w.write_text(
        'name: "between $0.40 and $1.60"\nmodel: gpt-4.1-mini\ninput_tokens: 100\noutput_tokens: 10\n'
        "traffic: {requests_per_day: 10}\ntier: 1\n",
        encoding="utf-8",
    )
    r = cli("plan", w, "-f", "markdown")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.startswith("## Plan between \\$0.40 and \\$1.60: ")
    assert _rendered_text(r.stdout).startswith("Plan between $0.40 and $1.60: ")


# --------------------------------------------------------------------------- item 3: one share check


def test_check_shares_is_the_one_check() -> None:
    from gpt41cost.errors import ParameterError
    from gpt41cost.limits import SharesOverOne, check_shares

    check_shares(D("0.5"), D("0.5"))  # exactly 1: fine
    with pytest.raises(SharesOverOne) as over:
        check_shares(D("0.5"), D("0.6"))
    assert over.value.named(lambda p: "--" + p.replace("_", "-")) == (
        "--priority-share: must be between 0 and 1, and with --batch-share at most 1 "
        "(a request sent through the Batch API is not sent at priority)"
    )
    assert over.value.given(str) == (
        "0.6 with batch_share 0.5 is more than 1: a request sent through the Batch API is not sent at priority; "
        "give shares that sum to 1 or less"
    )
    with pytest.raises(ParameterError, match=r"^\{batch_share\}|^batch_share: must be between 0 and 1"):
        check_shares(D("1.5"), D(0))
    with pytest.raises(ParameterError) as out_of_range:
        check_shares(D(0), D("-0.1"))
    assert not isinstance(out_of_range.value, SharesOverOne)
    assert str(out_of_range.value).startswith("priority_share: must be between 0 and 1, and with batch_share")


def test_the_workload_and_the_demand_call_the_core_check(monkeypatch, catalog) -> None:  # type: ignore[no-untyped-def]
    import importlib

    limits_mod = importlib.import_module("gpt41cost.limits")  # gpt41cost.limits is the API's function
    workload_mod = importlib.import_module("gpt41cost.workload")

    calls: list[tuple[D, D]] = []
    real = limits_mod.check_shares

    def spy(batch_share: D, priority_share: D) -> None:
        calls.append((batch_share, priority_share))
        real(batch_share, priority_share)

    monkeypatch.setattr(workload_mod, "check_shares", spy)
    monkeypatch.setattr(limits_mod, "check_shares", spy)
    data = {"model": "gpt-4.1", "input_tokens": 1000, "output_tokens": 100, "traffic": {"requests_per_day": 10},
            "batch_share": "0.25", "priority_share": "0.5", "tier": 2}  # fmt: skip
    w = workload_mod.workload_from_dict(data, catalog, "w.yaml")
    assert calls == [(D("0.25"), D("0.5"))]
    from gpt41cost import limits

    limits(input_tokens=1000, output_tokens=100, peak_rpm=5, models="gpt-4.1", batch_share="0.2",
           priority_share="0.3", catalog=FIXTURE)  # fmt: skip
    assert (D("0.2"), D("0.3")) in calls
    assert w.priority_share == D("0.5")


def test_share_messages_are_as_before(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    r = cli("limits", "--input-tokens", "1000", "--output-tokens", "100", "--requests-per-day", "1000",
            "--priority-share", "0.6", "--batch-share", "0.5")  # fmt: skip
    assert (r.exit_code, r.stdout) == (2, "")
    assert r.stderr == (
        "gpt41cost: error: --priority-share: must be between 0 and 1, and with --batch-share at most 1 "
        "(a request sent through the Batch API is not sent at priority)\n"
    )
    w = tmp_path / "w.yaml"
    w.write_text(
        "model: gpt-4.1\ninput_tokens: 1000\noutput_tokens: 100\ntraffic: {requests_per_day: 10}\n"
        "priority_share: 0.6\nbatch_share: 0.5\ntier: 2\n"
    )
    r = cli("plan", w, "--pricing", FIXTURE)
    assert (r.exit_code, r.stdout) == (3, "")
    assert r.stderr == (
        f"gpt41cost: error: {w}:5: priority_share: 0.6 with batch_share 0.5 is more than 1: a request sent "
        "through the Batch API is not sent at priority; give shares that sum to 1 or less\n"
    )
    import gpt41cost
    from gpt41cost.errors import ParameterError

    with pytest.raises(ParameterError) as api:
        gpt41cost.limits(input_tokens=1000, output_tokens=100, peak_rpm=5, priority_share=0.6, batch_share=0.5)
    assert str(api.value) == (
        "priority_share: must be between 0 and 1, and with batch_share at most 1 "
        "(a request sent through the Batch API is not sent at priority)"
    )


# --------------------------------------------------------------------------- item 4: max_peak_rpm a rate


@pytest.mark.parametrize("per_day", [1000, 1188, 54321])
def test_limits_json_max_peak_rpm_is_a_rate_at_the_peaks_precision(cli, per_day: int) -> None:  # type: ignore[no-untyped-def]
    """limits ... --requests-per-day 1000 -m gpt-4.1 -f json: tier 1 fits at up to 2.4802 RPM (CSV)
    beside a peak of 2.0833, and JSON read max_peak_rpm 2 (an int, floored): under the peak."""
    doc = cli.json("limits", "--input-tokens", "1000", "--output-tokens", "100", "--requests-per-day", per_day,
                   "-m", "gpt-4.1")  # fmt: skip
    peak = doc["inputs"]["peak_rpm"]
    tiers = doc["models"][0]["tiers"]
    assert all(isinstance(t["max_peak_rpm"], float) for t in tiers)
    assert all(t["max_peak_rpm"] >= peak for t in tiers if t["fits"])
    if per_day == 1000:
        assert (peak, tiers[0]["max_peak_rpm"]) == (2.0833, 2.4802)
    csv = cli("limits", "--input-tokens", "1000", "--output-tokens", "100", "--requests-per-day", per_day,
              "-m", "gpt-4.1", "-f", "csv", expect=0).stdout.splitlines()  # fmt: skip
    col = csv[0].split(",").index("max peak RPM")
    assert [float(row.split(",")[col]) for row in csv[1:6]] == [t["max_peak_rpm"] for t in tiers]


@pytest.mark.parametrize("workload", WORKLOADS, ids=[Path(w).stem for w in WORKLOADS])
def test_plan_json_max_peak_rpm_is_a_rate_at_the_peaks_precision(cli, workload: str) -> None:  # type: ignore[no-untyped-def]
    r = cli("plan", workload, "-f", "json")
    doc = r.json()
    peak = doc["inputs"]["peak_rpm"]
    assert all(isinstance(t["max_peak_rpm"], float) for t in doc["tiers"]), doc["tiers"]
    assert all(t["max_peak_rpm"] >= peak for t in doc["tiers"] if t["fits"])
    assert any(t["max_peak_rpm"] != int(t["max_peak_rpm"]) for t in doc["tiers"])  # not floored
