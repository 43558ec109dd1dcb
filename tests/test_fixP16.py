"""Session 16, fixP16: three small fixes.

1. ``limits`` shows a use just past the required headroom with the places that show it, as plan
   does since 2671ce5 (report.places_apart): gpt-4.1 at 10,473 requests/day of 1,000 in + 100 out,
   peak 21.82 RPM (x 3 / 1440) x 1,100 = 24,000.625 TPM of tier 1's 30,000 = 80.0021%, at 20%
   headroom: "80.0% 20.0% ... NO" -> "80.002% 19.998% ... NO"; a spend just over the tier's
   monthly usage cap (1,191/day x 30 x $0.0028 = $100.044 of $100): "100.0% of $100.00" ->
   "100.04% of $100.00". CSV and JSON carry their raw numbers, as before.
2. A Batch file's bad line (or one gpt41cost will not count) read by the API names the API's
   parameter (``skip_bad=True``), not the CLI's flag; the CLI's line is unchanged.
3. limits' request over the context window names the parameters that gave its output, as the API
   spells them (``max_tokens (or output_tokens)``) and as the CLI's flags
   (``--max-tokens (or --output-tokens)``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import gpt41cost
from gpt41cost.errors import InputError, InputParameterError, Uncountable

from .conftest import DATA

FIXTURE = str(DATA / "pricing-fixture.yaml")

#: 80.0021% of tier 1's TPM at 20% headroom (item 1)
OVER = ["--input-tokens", "1000", "--output-tokens", "100", "--requests-per-day", "10473", "-m", "gpt-4.1"]
DAY = ["--min-headroom", "20", "--as-of", "2026-12-07", "--pricing", FIXTURE]


# --------------------------------------------------------------------------- item 1


def test_limits_use_just_past_the_headroom_reads_past_it(cli) -> None:  # type: ignore[no-untyped-def]
    table = cli("limits", OVER, DAY, expect=0).stdout
    row = next(line for line in table.splitlines() if line.strip().startswith("gpt-4.1      1"))
    assert row.split()[3:5] == ["80.002%", "19.998%"] and row.split()[-1] == "NO"
    md = cli("limits", OVER, DAY, "--format", "markdown", expect=0).stdout
    assert "| gpt-4.1 | 1 | 4.4% | 80.002% | 19.998% | 2.48 | 879.7% of \\$100.00 | NO |" in md
    html = cli("limits", OVER, DAY, "--format", "html", expect=0).stdout
    assert '<td class="n">80.002%</td><td class="n">19.998%</td>' in html
    # well apart: one place, as before
    assert '<td class="n">5.3%</td><td class="n">94.7%</td>' in html


def test_limits_machine_formats_keep_their_numbers(cli) -> None:  # type: ignore[no-untyped-def]
    csv = cli("limits", OVER, DAY, "--format", "csv", expect=0).stdout
    assert "gpt-4.1,1,4.36375,80.0020833333,19.9979166667,2.4802,879.732,NO," in csv
    tier = cli.json("limits", OVER, DAY)["models"][0]["tiers"][0]
    assert (tier["tpm_used_pct"], tier["headroom_pct"]) == (80.0021, 19.9979)


def test_limits_spend_just_over_the_cap_reads_over_it(cli) -> None:  # type: ignore[no-untyped-def]
    args = ["--input-tokens", "1000", "--output-tokens", "100", "--requests-per-day", "1191", "-m", "gpt-4.1"]
    out = cli("limits", args, "--tier", "1", "--as-of", "2026-12-07", "--pricing", FIXTURE, expect=0).stdout
    row = next(line for line in out.splitlines() if line.strip().startswith("gpt-4.1      1"))
    assert row.endswith("100.04% of $100.00   NO")
    # a spend under the cap by more than a tenth of a point: one place
    args[5] = "1000"  # $84.00 of $100
    out = cli("limits", args, "--tier", "1", "--as-of", "2026-12-07", "--pricing", FIXTURE, expect=0).stdout
    assert "84.0% of $100.00" in out


# --------------------------------------------------------------------------- item 2

OK_LINE = {
    "custom_id": "a",
    "method": "POST",
    "url": "/v1/chat/completions",
    "body": {"model": "gpt-4.1", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 10},
}
BAD_LINE = {**OK_LINE, "custom_id": "b", "body": {"model": "gpt-4.1", "messages": "x"}}
TWICE = (
    '{"custom_id": "c", "custom_id": "d", "method": "POST", "url": "/v1/chat/completions", '
    '"body": {"model": "gpt-4.1", "messages": [{"role": "user", "content": "hi"}]}}'
)
GO_ON = "nothing was counted: fix the line or pass {} to count the other lines"


def _batch(tmp_path: Path, second: str) -> Path:
    f = tmp_path / "b.jsonl"
    f.write_text(json.dumps(OK_LINE) + "\n" + second + "\n")
    return f


@pytest.mark.parametrize(
    ("second", "problem"),
    [
        pytest.param(json.dumps(BAD_LINE), "line 2: 'messages' must be a list of messages", id="bad-line"),
        pytest.param(TWICE, 'line 2: "custom_id" appears twice in one object', id="uncountable"),
    ],
)
def test_a_batch_files_bad_line_names_skip_bad(cli, tmp_path, second, problem) -> None:  # type: ignore[no-untyped-def]
    f = _batch(tmp_path, second)
    with pytest.raises(InputParameterError) as got:
        gpt41cost.limits([str(f)], peak_rpm=10, models="gpt-4.1", catalog=FIXTURE)
    assert got.value.message.startswith(f"{f}: {problem}")
    assert got.value.message.endswith(GO_ON.format("skip_bad=True"))
    assert isinstance(got.value, InputError) and got.value.exit_code == 3
    # the CLI's line as before
    r = cli("limits", f, "--peak-rpm", "10", "-m", "gpt-4.1", "--pricing", FIXTURE)
    assert (r.exit_code, r.stdout) == (3, "")
    assert r.stderr.startswith(f"gpt41cost: error: {f}: {problem}")
    assert r.stderr.endswith(GO_ON.format("--skip-bad") + "\n") and r.stderr.count("\n") == 1


def test_an_uncountable_batch_line_is_still_uncountable(tmp_path) -> None:  # type: ignore[no-untyped-def]
    f = _batch(tmp_path, TWICE)
    with pytest.raises(Uncountable) as got:
        gpt41cost.limits([str(f)], peak_rpm=10, models="gpt-4.1", catalog=FIXTURE)
    assert got.value.exit_code == 3 and "skip_bad=True" in got.value.message


# --------------------------------------------------------------------------- item 3


def _long_prompt(tmp_path: Path) -> tuple[Path, str]:
    from .test_fixF15 import _small_window  # the fixture catalog with a 40,000-token window

    t = tmp_path / "long.txt"
    t.write_text("hello" + " hello" * 34_999)  # 35,000 tokens
    return t, _small_window(tmp_path)


def test_limits_over_the_window_names_the_output_flags(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    t, pricing = _long_prompt(tmp_path)
    r = cli("limits", t, "--peak-rpm", "1", "--max-tokens", "6000", "-m", "gpt-4.1", "--pricing", pricing)
    assert (r.exit_code, r.stdout) == (3, "")
    assert r.stderr == (
        f"gpt41cost: error: {t}: 35,000 input tokens plus 6,000 output do not fit gpt-4.1's 40,000-token context "
        "window; lower --max-tokens (or --output-tokens) to 5,000 or less, or shorten its input\n"
    )


def test_limits_over_the_window_names_the_api_parameters(tmp_path) -> None:  # type: ignore[no-untyped-def]
    t, pricing = _long_prompt(tmp_path)
    with pytest.raises(InputParameterError) as got:
        gpt41cost.limits([str(t)], peak_rpm=1, max_tokens=6000, models="gpt-4.1", catalog=pricing)
    assert got.value.message == (
        f"{t}: 35,000 input tokens plus 6,000 output do not fit gpt-4.1's 40,000-token context window; lower "
        "max_tokens (or output_tokens) to 5,000 or less, or shorten its input"
    )
