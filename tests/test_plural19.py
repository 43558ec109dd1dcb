"""Session 19, plural19: every count a message writes is ``report.counted``'s, as "1 request" /
"2 requests", its verb agreeing ("1 record repeats" / "2 records repeat"); none writes "(s)".

Each message here was "N noun(s)" before ("not priced: X: 1 request(s)", "skipped 1 bad record(s)",
"1 day(s) before the run date", "1 record(s) repeat", "1 bad line(s) or file(s) skipped", ...);
each test checks the form for one and for two, through the CLI or the public API.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

import gpt41cost
from tests.conftest import chat_response

#: a model the catalog does not price
UNPRICED = "gpt-4o-2024-08-06"
#: 2026-12-01 10:00 UTC: before the tests' run date (2026-12-06)
DEC_1 = int(dt.datetime(2026, 12, 1, 10, tzinfo=dt.UTC).timestamp())
DAY = 86_400


def _log(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def _some(n: int, one: str, many: str) -> str:
    """``one`` for n == 1, else ``many`` with n in it."""
    return one if n == 1 else many.format(n=n)


@pytest.mark.parametrize("n", [1, 2])
def test_estimate_counts_the_bad_files_skipped(cli, tmp_path: Path, n: int) -> None:
    (tmp_path / "ok.txt").write_text("hello\n", encoding="utf-8")
    for i in range(n):
        (tmp_path / f"bad{i}.jsonl").write_text('{"a":\n', encoding="utf-8")
    r = cli("estimate", tmp_path, "--skip-bad", "--output-tokens", "10", "-m", "gpt-4.1", "-f", "json", expect=0)
    said = _some(n, "1 bad line or file", "{n} bad lines or files")
    assert f"gpt41cost: warning: {said} skipped; the others were counted\n" in r.stderr


@pytest.mark.parametrize("n", [1, 2])
def test_estimate_counts_the_empty_files_skipped(cli, tmp_path: Path, n: int) -> None:
    (tmp_path / "ok.txt").write_text("hello\n", encoding="utf-8")
    empty = [tmp_path / f"e{i}.txt" for i in range(n)]
    for e in empty:
        e.write_text("", encoding="utf-8")
    r = cli("estimate", tmp_path, "--output-tokens", "10", "-m", "gpt-4.1", "-f", "json", expect=0)
    said = _some(n, "1 empty file", "{n} empty files")
    assert f"gpt41cost: warning: skipped {said}: {', '.join(map(str, empty))}\n" in r.stderr
    assert f"Skipped {said} found in directories (listed under Inputs)" in json.loads(r.stdout)["notes"]


@pytest.mark.parametrize("n", [1, 2])
def test_estimate_counts_the_inputs_that_look_like_templates(cli, tmp_path: Path, n: int) -> None:
    for i in range(n):
        (tmp_path / f"t{i}.txt").write_text("Hello {{ name }}\n", encoding="utf-8")
    r = cli("estimate", tmp_path, "--output-tokens", "10", "-m", "gpt-4.1", "-f", "json", expect=0)
    said = _some(n, "1 input looks like an unrendered template", "{n} inputs look like unrendered templates")
    them = _some(n, "render it first to count the prompt sent", "render them first to count the prompts sent")
    assert f"gpt41cost: warning: {said} (Jinja or mustache markup: " in r.stderr
    assert f"{them} (listed under Inputs)\n" in r.stderr


@pytest.mark.parametrize("n", [1, 2])
def test_usage_names_the_unpriced_requests_counted(cli, tmp_path: Path, n: int) -> None:
    log = _log(tmp_path / "u.jsonl", [chat_response("p", "gpt-4.1", DEC_1)]
               + [chat_response(f"u{i}", UNPRICED, DEC_1) for i in range(n)])  # fmt: skip
    r = cli("usage", log, expect=0)
    said = _some(n, "1 request", "{n} requests")
    assert f"gpt41cost: warning: not priced: {UNPRICED}: {said} (not in the pricing catalog)\n" in r.stderr
    assert f"Total $0.003264 for 1 priced request; {said} not priced (see above)." in r.stdout
    assert "(s)" not in r.stdout + r.stderr


@pytest.mark.parametrize("n", [1, 2])
def test_usage_strict_counts_the_models_not_priced(cli, tmp_path: Path, n: int) -> None:
    models = [UNPRICED, "gpt-4o-mini-2024-07-18"][:n]
    log = _log(tmp_path / "u.jsonl", [chat_response(f"u{i}", m, DEC_1) for i, m in enumerate(models)])
    r = cli("usage", log, "--strict", expect=1)
    said = _some(n, "1 model", "{n} models")
    assert r.stderr.rstrip().endswith(f"--strict: {said} not priced: {', '.join(models)}")


@pytest.mark.parametrize("n", [1, 2])
def test_usage_counts_the_bad_records_skipped(cli, tmp_path: Path, n: int) -> None:
    log = _log(tmp_path / "u.jsonl", [chat_response("a", "gpt-4.1", DEC_1), *["not json"] * n])
    r = cli("usage", log, expect=0)
    said = _some(n, "skipped 1 bad record (not JSON: 1)", "skipped {n} bad records (not JSON: {n})")
    assert f"gpt41cost: warning: {said}; --strict fails on the first\n" in r.stderr


@pytest.mark.parametrize("n", [1, 2])
def test_usage_counts_the_duplicates_dropped(cli, tmp_path: Path, n: int) -> None:
    responses = [chat_response(f"r{i}", "gpt-4.1", DEC_1) for i in range(n)]
    log = _log(tmp_path / "u.jsonl", [*responses, *responses])
    notes = cli("usage", log, "-f", "json", expect=0).json()["notes"]
    said = _some(n, "1 record repeats", "{n} records repeat")
    assert f"Duplicates dropped: {said} a response id already counted (the same response in two files, or " in (
        " ".join(notes)
    )


@pytest.mark.parametrize("n", [1, 2])
def test_usage_counts_the_requests_dated_after_the_run_date(cli, tmp_path: Path, n: int) -> None:
    later = [chat_response(f"l{i}", "gpt-4.1", DEC_1 + 7 * DAY) for i in range(n)]
    log = _log(tmp_path / "u.jsonl", [chat_response("a", "gpt-4.1", DEC_1), *later])
    notes = cli("usage", log, "-f", "json", expect=0).json()["notes"]
    said = _some(n, "1 request is", "{n} requests are")
    own = _some(n, "its own day", "their own days")
    assert (
        f"{said} dated after the run's date 2026-12-06 (2026-12-08): counted here at the prices for {own}, left out "
        "of a --forecast" in " ".join(notes)
    )


@pytest.mark.parametrize("n", [1, 2])
def test_usage_counts_the_responses_over_the_maximum_output(tmp_path: Path, n: int) -> None:
    over = [chat_response(f"o{i}", "gpt-4.1", DEC_1, out=40_000) for i in range(n)]
    got = gpt41cost.usage([str(_log(tmp_path / "u.jsonl", over))])
    who = _some(n, "a response reports", "responses report")
    assert (
        f"gpt-4.1: {who} more tokens than OpenAI serves in one request ({n} with output over its maximum output "
        "of 32,768): a mislabelled model or a broken log? Priced all the same."
    ) in got.report().warnings


@pytest.mark.parametrize("n", [1, 2])
def test_a_csv_export_names_the_column_or_columns_it_lacks(cli, tmp_path: Path, n: int) -> None:
    header = "start_time,model,input_tokens,num_model_requests" if n == 1 else "start_time,model,input_tokens"
    csv = tmp_path / "u.csv"
    csv.write_text(f"{header}\n1764979200,gpt-4.1,1000{',1' if n == 1 else ''}\n", encoding="utf-8")
    r = cli("usage", csv, expect=3)
    said = _some(n, "column output_tokens", "columns num_model_requests, output_tokens")
    assert f"CSV export lacks the {said} (header: " in r.stderr


@pytest.mark.parametrize("n", [1, 2])
def test_forecast_counts_the_days_since_the_records_end(cli, tmp_path: Path, n: int) -> None:
    log = _log(tmp_path / "u.jsonl", [chat_response("a", "gpt-4.1", DEC_1)])
    run_date = f"2026-12-0{1 + n}"
    notes = cli("usage", log, "--forecast", "--as-of", run_date, "-f", "json", expect=0).json()["notes"]
    said = _some(n, "1 day", "{n} days")
    assert f"The records end on 2026-12-01, {said} before the run date ({run_date}): the forecast runs" in (
        " ".join(notes)
    )


@pytest.mark.parametrize("n", [1, 2])
def test_estimate_counts_the_bad_lines_past_those_shown(cli, tmp_path: Path, n: int) -> None:
    """Ten bad lines are shown; the rest were '... and 1 more bad lines skipped'."""
    ok = json.dumps({"model": "gpt-4.1", "messages": [{"role": "user", "content": "hi"}]})
    path = _log(tmp_path / "p.jsonl", [ok, *["not json"] * (10 + n)])
    r = cli("estimate", path, "--skip-bad", "-m", "gpt-4.1", "-f", "json", expect=0)
    said = _some(n, "1 more bad line", "{n} more bad lines")
    assert f"gpt41cost: warning: ... and {said} skipped\n" in r.stderr


@pytest.mark.parametrize("n", [1, 2])
def test_a_batch_files_bad_line_counts_the_others(cli, tmp_path: Path, n: int) -> None:
    """limits on a Batch file with bad lines: '(and 1 more such lines)' before."""
    body = {"model": "gpt-4.1", "messages": [{"role": "user", "content": "hi"}]}
    line = json.dumps({"custom_id": "a", "method": "POST", "url": "/v1/chat/completions", "body": body})
    path = _log(tmp_path / "b.jsonl", [line, *["not json"] * (1 + n)])
    r = cli("limits", path, "--peak-rpm", "10", "-m", "gpt-4.1", expect=3)
    said = _some(n, "1 more such line", "{n} more such lines")
    assert f"(and {said}); nothing was counted" in r.stderr


def test_a_shutdown_on_the_rest_of_the_last_day_counts_no_whole_day(cli, tmp_path: Path) -> None:
    """Records through the run date, the month's last day, of a model shut down earlier: its row
    read '(the rest of 2027-01-31 and 0 days left)'; the day before, the rest and 1 day."""
    from tests.test_fixJ16 import _catalog_file, _page

    cat = _catalog_file(tmp_path)
    for last, left in ((31, "the rest of 2027-01-31"), (30, "the rest of 2027-01-30 and 1 day")):
        page = _page(tmp_path / f"jan{last}.json", [(dt.date(2027, 1, i), 5_000_000) for i in range(1, last + 1)])
        r = cli("usage", page, "--pricing", cat, "--forecast", "--as-of", f"2027-01-{last}", expect=0)
        assert f"gpt-4.1-2025-04-14 shut down from 2027-01-14 ({left} left)" in r.stdout


def test_a_forecast_over_one_day_names_the_day_once(cli, tmp_path: Path) -> None:
    """Records of one day: the forecast read '(2026-12-01 to 2026-12-01)' and 'over the 1 day
    2026-12-01 to 2026-12-01'; a span of days is still 'D to D'."""
    log = _log(tmp_path / "u.jsonl", [chat_response(f"r{i}", "gpt-4.1", DEC_1) for i in range(3)])
    out = cli("usage", log, "--forecast", "--as-of", "2026-12-02", expect=0).stdout
    assert "spent so far (2026-12-01) " in out
    assert "run rate per day (mean of 1 day, 2026-12-01) " in out
    assert "over the 1 day 2026-12-01 (days without records count as none)" in " ".join(out.split())
    two = _log(tmp_path / "v.jsonl", [chat_response(f"r{i}", "gpt-4.1", DEC_1 + i * DAY) for i in range(2)])
    out = cli("usage", two, "--forecast", "--as-of", "2026-12-03", expect=0).stdout
    assert "spent so far (2026-12-01 to 2026-12-02) " in out
    assert "run rate per day (mean of 2 days, 2026-12-01 to 2026-12-02) " in out
