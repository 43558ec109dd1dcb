"""Reports people read and machines parse (issue #16): one CSV table of raw numbers per output,
JSON that follows the typing rules and the README's key list, warnings on stderr in every
format, and an HTML page whose every chart has its SVG and its data table."""

from __future__ import annotations

import csv
import io
import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from gpt41cost.views.estimate import WHAT_IF_KEYS
from tools import json_contract

from .conftest import Run
from .rendered import Rendered, rendered

ROOT = Path(__file__).parent.parent

#: One run per command on the samples (the README's "Done when" runs, and each optional section).
RUNS = [(command, args) for command, runs in json_contract.RUNS.items() for args in runs]


def _ids(run: tuple[str, list[str]]) -> str:
    return " ".join([run[0], *run[1]])[:60]


#: Runs made once per process: (the arguments, the directory and environment) -> the run.
_MADE: dict[tuple[tuple[str, ...], str, frozenset[tuple[str, str]]], Run] = {}
#: Each run made by :func:`_rendered_once` and its render call, by the same key.
_RENDERED: dict[tuple[tuple[str, ...], str, frozenset[tuple[str, str]]], Rendered] = {}


def _key(args: tuple[str | list[str], ...]) -> tuple[tuple[str, ...], str, frozenset[tuple[str, str]]]:
    argv = tuple(a for arg in args for a in ([arg] if isinstance(arg, str) else arg))
    return argv, os.getcwd(), frozenset((k, v) for k, v in os.environ.items() if not k.startswith("PYTEST_"))


def _once(cli, *args: str | list[str]) -> Run:  # type: ignore[no-untyped-def]
    """``gpt41cost ARGS`` (exit 0 or 1), one run per process: the tests that read the same command
    line in the same environment read one run (the estimate runs on samples/support that the
    what-if, Batch, chart and CSV tests share)."""
    key = _key(args)
    if key not in _MADE:
        _MADE[key] = cli(key[0], expect=(0, 1))
    return _MADE[key]


def _rendered_once(cli, *args: str | list[str]) -> Rendered:  # type: ignore[no-untyped-def]
    """:func:`_once`'s run and the one :func:`gpt41cost.report.render` call it made
    (:func:`tests.rendered.rendered`): the CSV test reads its tables, the table-format test its report."""
    key = _key(args)
    if key not in _RENDERED:
        with pytest.MonkeyPatch.context() as patch:
            _RENDERED[key] = rendered(cli, patch, list(key[0]), expect=(0, 1))
        _MADE[key] = _RENDERED[key].run
    return _RENDERED[key]


def _written(cli, args: list[str], fmt: str) -> str:  # type: ignore[no-untyped-def]
    """What ``gpt41cost estimate ARGS -f FMT`` writes (JSON, CSV, Markdown or the table format):
    the JSON run, made once per process (:func:`_rendered_once`), or its report rendered in
    ``fmt`` as the CLI renders it (the same report in every format; no $COLUMNS in either run)."""
    done = _rendered_once(cli, "estimate", args, "-f", "json")
    return done.run.stdout if fmt == "json" else done.again(fmt)


@pytest.mark.parametrize("run", RUNS, ids=_ids)
def test_every_csv_table_is_one_table_of_raw_numbers(cli, run) -> None:  # type: ignore[no-untyped-def]
    """The ``--table help`` listing and each table are rendered here from the report of the run's
    default CSV (one run of the command, not one for each table; the CLI's own ``--table help``
    is tests/test_fixH15.py's and tests/test_out14.py's); the CLI's default CSV and its ``--table
    NAME`` are those renderings (the first table's and the last's)."""
    from gpt41cost.report import render

    command, args = run
    done = _rendered_once(cli, command, args, "-f", "csv")
    default, report = done.run, done.report
    assert (done.fmt, done.table) == ("csv", None)
    listing = list(csv.DictReader(io.StringIO(render(report, "csv", "help"))))
    assert listing and listing[0]["default"] == "yes"
    assert [t["default"] for t in listing[1:]] == ["no"] * (len(listing) - 1)
    shown = {}  # each table's CSV, as --table NAME writes it
    for table in listing:
        out = shown[table["table"]] = render(report, "csv", table["table"])
        rows = list(csv.reader(io.StringIO(out)))
        header, body = rows[0], rows[1:]
        assert all(len(r) == len(header) for r in body), f"{table['table']}: not one table"
        assert len(set(header)) == len(header)
        numeric = [c for c in table["numeric columns"].split("; ") if c]
        for name in numeric:
            i = header.index(name)
            for r in body:
                cell = r[i]
                assert cell == "" or re.fullmatch(r"-?\d+(\.\d+)?", cell), f"{table['table']}.{name}: {cell!r}"
        for r in body:
            for cell in r:  # no display formatting anywhere: no currency signs, separators, percent signs
                assert not re.fullmatch(r"[-+]?\$[\d,.]+|[-+]?[\d,.]+%|\d{1,3}(,\d{3})+(\.\d+)?", cell), cell
    assert default.stdout == shown[listing[0]["table"]]
    last = listing[-1]["table"]
    if len(listing) > 1:
        assert cli(command, args, "-f", "csv", "--table", last, expect=(0, 1)).stdout == shown[last]


def test_csv_model_names_are_plain_and_the_decoration_has_its_own_column(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    req = tmp_path / "chat.json"
    req.write_text(json.dumps({"model": "gpt-4.1-mini", "messages": [{"role": "user", "content": "hi"}]}))
    out = cli("estimate", [str(req)], "-f", "csv", expect=(0, 1)).stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["model"], r["requested"]) for r in rows] == [
        ("gpt-4.1-mini", "yes"),
        ("gpt-4.1", "no"),
        ("gpt-4.1-nano", "no"),
    ] or {r["model"]: r["requested"] for r in rows}["gpt-4.1-mini"] == "yes"
    assert {r["model"]: r["vs gpt-4.1"] for r in rows}["gpt-4.1"] == "0"
    doc = json.loads(cli("estimate", [str(req)], "-f", "json", expect=(0, 1)).stdout)
    assert doc["requested_model"] == "gpt-4.1-mini"
    assert [m["model"] for m in doc["models"] if m["requested"]] == ["gpt-4.1-mini"]
    assert "gpt-4.1-mini (requested)" in cli("estimate", [str(req)], expect=(0, 1)).stdout


def test_plan_csv_carries_the_verdict_on_every_row(cli) -> None:  # type: ignore[no-untyped-def]
    out = cli("plan", ["samples/workloads/support-bot-2026-03.yaml"], "-f", "csv", expect=(0, 1)).stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["verdict"] for r in rows} == {"FAIL"}
    assert [r["model"] for r in rows] == ["gpt-4.1-nano", "gpt-4.1-mini", "gpt-4.1"]  # no total or budget rows
    ok = list(
        csv.DictReader(
            # support-bot passes before its models' shutdown was announced (2026-10-14; inferred for the aliases)
            io.StringIO(
                cli("plan", ["samples/workloads/support-bot.yaml", "--as-of", "2026-10-13"], "-f", "csv").stdout
            )
        )
    )
    assert {r["verdict"] for r in ok} == {"PASS"}


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown", "html"])
def test_a_note_that_changes_a_figure_is_a_warning_in_every_format(cli, fmt, tmp_path) -> None:  # type: ignore[no-untyped-def]
    req = tmp_path / "remote.json"
    image = {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}
    req.write_text(json.dumps({"model": "gpt-4.1", "messages": [{"role": "user", "content": [image]}]}))
    r = cli("estimate", [str(req)], "-f", fmt, expect=(0, 1))
    warnings = [line for line in r.stderr.splitlines() if line.startswith("gpt41cost: warning: ")]
    assert any("NOT COUNTED" in w for w in warnings), r.stderr
    assert any("gpt-4.1-nano: shut down 2026-10-23" in w for w in warnings)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        pytest.param(["-f", "csv", "--table", "nope"], "--table nope: no such table here; choose one of", id="unknown"),
        pytest.param(["--table", "models"], "--table picks a CSV table; use it with --format csv", id="not-csv"),
    ],
)
def test_table_flag_errors_are_one_line(cli, extra, message) -> None:  # type: ignore[no-untyped-def]

    r = cli(["estimate", "--input-tokens", "100", *extra])
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.count("\n") == 1 and message in r.stderr


def test_every_estimate_table_the_readme_names_is_there_when_empty(cli) -> None:  # type: ignore[no-untyped-def]
    """Review 20: `--table misfits` on a run where every request fits (and worst-case, cache,
    inputs on one plain prompt) was exit 2 'no such table here', so a CI step listing the
    requests that do not fit failed exactly when all fit. Each is its header (and rows) now."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if line.startswith("  | `estimate` | `models`"))
    tables = ["models", "input-sizes", "cache", "worst-case", "training", "inputs", "uncounted", "misfits"]
    assert all(f"`{t}`" in row for t in tables)  # the README's names (and a Batch file's two)
    prompt = str(ROOT / "samples" / "support" / "ticket-01.txt")
    listed = cli(["estimate", prompt, "-f", "csv", "--table", "help"])
    assert [line.split(",")[0] for line in listed.stdout.splitlines()[1:]] == tables
    r = cli(["estimate", prompt, "-f", "csv", "--table", "misfits"])
    assert (r.exit_code, r.stdout) == (0, "model,request,input,output,problem\n")
    r = cli(["estimate", prompt, "-f", "csv", "--table", "inputs"])
    assert r.stdout.splitlines() == ["input,read as,why", f"{prompt},text,extension .txt"]
    assert "Requests that do not fit" not in cli(["estimate", prompt]).stdout  # people see it when it says something


@pytest.mark.parametrize("command", list(json_contract.RUNS))
def test_json_follows_the_typing_rules_and_the_readme_lists_every_key(command) -> None:  # type: ignore[no-untyped-def]
    problems = [
        p for args in json_contract.RUNS[command] for p in json_contract.problems(json_contract.run_json(command, args))
    ]
    assert problems == []
    listed = json_contract.readme_block((ROOT / "README.md").read_text(encoding="utf-8"), command)
    assert listed is not None, f"README has no <!-- json-keys:{command} --> block"
    kinds = json_contract.contract(command)
    assert [p for p, seen in kinds.items() if {"int", "number"} <= seen] == []  # one JSON type per key
    assert listed == json_contract.block(command, kinds), "run `python -m tools.json_contract`, review the README diff"


def test_the_key_list_says_null_wherever_the_result_types_allow_it() -> None:
    """The list showed only the types the sample runs print: a breakdown row with nothing priced
    (cost and share null) was listed as string and number. It adds null wherever a field or
    property of the result types is ``X | None``, and only there."""
    usage = json_contract.contract("usage")
    for rows in ("models", "by_mode", "by_day", "by_day_model", "by_project", "by_user", "by_api_key"):
        assert usage[f".{rows}[].cost_usd"] == {"null", "string"}, rows
        assert usage[f".{rows}[].cost_share"] == {"null", "number"}, rows
    assert usage[".unpriced[].model"] == {"null", "string"}  # records that name no model
    assert usage[".reconciliation.by_day[].billed_usd"] == {"null", "string"}  # a day not on the bill
    assert usage[".reconciliation.total.ratio"] == {"null", "number"}  # nothing computed
    # sums, never null: the total of the priced part, both sides of the reconciliation's total
    assert usage[".total_usd"] == usage[".reconciliation.total.billed_usd"] == {"string"}
    assert usage[".reconciliation.total.computed_usd"] == {"string"}
    estimate = json_contract.contract("estimate")
    assert estimate[".models[].total_batch_usd"] == {"string"}  # every run prices the Batch variant
    assert estimate[".models[].monthly_batch_usd"] == {"null", "string"}  # no traffic given
    assert json_contract.contract("limits")[".models[].lowest_tier"] == {"int", "null"}  # no tier fits


def test_the_typing_rules_catch_what_they_forbid() -> None:
    bad = {
        "used": "160",
        "Assumption Key": 1,
        "total_usd": 1.5,
        "input_tokens": 1.5,
        "cache_hit_rate": "0.5",
    }
    found = json_contract.problems(bad)
    assert len(found) == 5, found


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.figures: list[dict[str, int]] = []
        self.external: list[str] = []
        self.in_figure = False

    def handle_starttag(self, tag, attrs) -> None:  # type: ignore[no-untyped-def]
        a = dict(attrs)
        if tag in ("script", "link", "img", "iframe", "object") or any(
            k in ("src", "href") and v and not v.startswith("#") for k, v in a.items()
        ):
            self.external.append(f"{tag} {a}")
        if tag == "figure":
            self.in_figure = True
            self.figures.append({"svg": 0, "table": 0, "title": 0, "desc": 0})
        elif self.in_figure and tag in ("svg", "table", "title", "desc"):
            self.figures[-1][tag] += 1

    def handle_endtag(self, tag) -> None:  # type: ignore[no-untyped-def]
        if tag == "figure":
            self.in_figure = False


#: The charts issue #16 asks for, per command.
CHARTS = {
    "estimate": [
        "Cost per request by model",
        "Cost per month by model",
        "Input size per request",
        "Prompt-cache savings (what-if)",  # plain text assumes no cache: the cached variant is a what-if
    ],
    "limits": ["gpt-4.1-mini: RPM and TPM use per tier"],
    "plan": ["Monthly cost by model"],
    "usage": ["Daily cost by model", "Cost by model", "Cached share by model", "What if"],
}
HTML_RUNS = {
    "estimate": ["samples/support", "--requests-per-day", "20000"],  # issue #16's done-when command
    "limits": ["samples/support", "-m", "gpt-4.1-mini", "--requests-per-day", "50000", "--max-tokens", "800"],
    "plan": ["samples/workloads/support-bot.yaml"],
    "usage": ["samples/usage", "--what-if", "batch=0.5"],
}


@pytest.mark.parametrize("command", list(HTML_RUNS))
def test_html_is_self_contained_and_every_chart_has_svg_text_and_table(cli, command) -> None:  # type: ignore[no-untyped-def]
    page = _once(cli, command, HTML_RUNS[command], "-f", "html").stdout
    p = _Page()
    p.feed(page)
    assert p.external == []
    assert p.figures and all(f == {"svg": 1, "table": 1, "title": 1, "desc": 1} for f in p.figures), p.figures
    for title in CHARTS[command]:
        assert f">{title}</figcaption>" in page
    assert "prefers-color-scheme: dark" in page and "@media print" in page
    assert 'role="img"' in page


@pytest.mark.parametrize("run", RUNS, ids=_ids)
def test_the_table_format_fits_a_100_and_an_80_column_terminal(cli, run) -> None:  # type: ignore[no-untyped-def]
    """The run's report, rendered in the table format as the CLI renders it at $COLUMNS (the same
    report in every format: that of the run's default CSV, with its ASCII and encoding options),
    fits 100 columns and 80; 400 wide, its widest line is no narrower than at 100. The CLI's own
    table runs at 80 columns and 100 (the width reaching the renderer) are
    tests/test_views_fixes.py's: every command, the trial's runs, four models at 100."""
    from gpt41cost.report import display_width, render

    command, args = run
    done = _rendered_once(cli, command, args, "-f", "csv")
    assert (done.fmt, done.width) == ("csv", None)  # no $COLUMNS: the options are those of any format's run
    shown = {w: render(done.report, "table", None, w, **done.options).splitlines() for w in (80, 100, 400)}
    for w in (80, 100):
        assert shown[w] and [line for line in shown[w] if display_width(line) > w] == [], w
    assert max(display_width(line) for line in shown[400]) >= max(display_width(line) for line in shown[100])


@pytest.mark.parametrize(
    "label",
    [
        pytest.param("ft:gpt-4.1-mini-2025-04-14:org:name:id", id="ft-name"),
        pytest.param("all priced traffic on ft:gpt-4.1-mini-2025-04-14:acme:support:x1", id="words-and-ft"),
        pytest.param("x" * 70, id="one-long-word"),
        pytest.param("gpt-4.1", id="short"),
    ],
)
def test_a_chart_label_is_wrapped_never_shortened(label) -> None:
    from gpt41cost.report import LABEL_CHARS, label_lines

    lines = label_lines(label)
    assert all(len(line) <= LABEL_CHARS for line in lines)
    assert "".join(lines).replace(" ", "") == label.replace(" ", "")
    assert len(lines) == 1 or len(label) > LABEL_CHARS


def test_a_long_model_name_is_whole_on_the_chart(cli) -> None:  # type: ignore[no-untyped-def]
    name = "ft:gpt-4.1-mini-2025-04-14:org:name:id"
    page = cli("estimate", ["--input-tokens", "1000", "-m", name], "-f", "html", expect=(0, 1)).stdout
    labels = re.findall(r'<text [^>]*text-anchor="end">(.*?)</text>', page)
    shown = ["".join(re.findall(r"<tspan[^>]*>(.*?)</tspan>", t)) for t in labels]
    assert name in shown
    assert '<tspan x="194" dy="13">org:name:id</tspan>' in page  # on a second line


def _month_chart_data(page: str) -> tuple[list[str], list[str]]:
    """The series of the HTML's "Cost per month by model" data table, and gpt-4.1's row."""
    table = page.split("<caption>Data: Cost per month by model</caption>")[1].split("</table>")[0]
    row = table.split("<td>gpt-4.1</td>")[1].split("</tr>")[0]
    return re.findall(r"<th scope[^>]*>(.*?)</th>", table), re.findall(r'<td class="n">(.*?)</td>', row)


def test_estimate_charts_show_the_cached_and_batch_variants(cli) -> None:  # type: ignore[no-untyped-def]
    from decimal import Decimal

    args = ["samples/support", "--requests-per-day", "20000", "--cache", "auto"]
    doc = json.loads(_once(cli, "estimate", args, "-f", "json").stdout)
    for m in doc["models"]:  # the Batch API halves both rates and has no cached rate
        assert Decimal(m["monthly_batch_usd"]) == Decimal(m["monthly_without_cache_usd"]) / 2
        assert Decimal(m["per_request_batch_usd"]) * m["requests"] == Decimal(m["total_batch_usd"])
    page = _once(cli, "estimate", args, "-f", "html").stdout
    assert _month_chart_data(page) == (
        ["", "as estimated", "without cache", "Batch API"],
        ["$3,129.30", "$4,396.50", "$2,198.25"],
    )
    assert "Data: Cost per request by model" in page
    # no cache assumed (plain text by default): the cached variant is a what-if, --cache auto's figures
    plain = _once(cli, "estimate", args[:3], "-f", "html").stdout
    what_if = "what-if: with the prompt cache (as --cache auto would detect)"
    assert _month_chart_data(plain) == (
        ["", "as estimated", what_if, "Batch API"],
        ["$4,396.50", "$3,129.30", "$2,198.25"],
    )
    assert ">Prompt-cache savings (what-if)</figcaption>" in plain
    assert "<li>What-if series (" in plain and "cold cache: the first request of a run pays full price" in plain


def test_the_cache_what_if_is_what_cache_auto_gives_and_leaves_the_run_uncached(cli) -> None:  # type: ignore[no-untyped-def]
    from decimal import Decimal

    base = ["samples/support", "--requests-per-day", "20000"]
    runs = {
        name: json.loads(_once(cli, "estimate", [*base, *extra], "-f", "json").stdout)
        for name, extra in (("default", []), ("none", ["--cache", "none"]), ("auto", ["--cache", "auto"]))
    }
    for name in ("default", "none"):
        doc = runs[name]
        assert doc["assumptions"]["cache"] == "none"
        for m, auto in zip(doc["models"], runs["auto"]["models"], strict=True):
            assert m["cached_input_tokens_total"] == 0 and m["monthly_usd"] == m["monthly_without_cache_usd"]
            assert m["monthly_if_cached_usd"] == auto["monthly_usd"]
            assert m["per_request_if_cached_usd"] == auto["per_request_usd"]
            assert m["total_if_cached_usd"] == auto["total_usd"]
            assert m["cached_input_tokens_if_cached_total"] == auto["cached_input_tokens_total"] > 0
            saved = Decimal(m["monthly_usd"]) - Decimal(m["monthly_if_cached_usd"])
            assert Decimal(m["monthly_cache_savings_if_cached_usd"]) == saved > 0
            assert Decimal(m["cache_savings_if_cached_usd"]) == Decimal(m["total_usd"]) - Decimal(auto["total_usd"])
    assert runs["default"]["models"][0]["monthly_if_cached_usd"] == "3129.3"
    assert all(m[k] is None for m in runs["auto"]["models"] for k in WHAT_IF_KEYS)
    table = _written(cli, base, "table")
    assert "What-if with the prompt cache (as --cache auto would detect): gpt-4.1 $3,129.30/month" in table
    assert "What-if" not in _written(cli, [*base, "--cache", "auto"], "table")


#: estimate runs whose Batch and what-if figures differ in kind: per request or a month, with the
#: prompt cache given or detected, at priority or batch prices
VARIANT_RUNS = [
    pytest.param([], id="per-request"),
    pytest.param(["--requests-per-day", "20000"], id="monthly"),
    pytest.param(["--requests-per-day", "20000", "--cache-hit-rate", "0.8"], id="cached"),
    pytest.param(["--requests-per-day", "20000", "--cache", "auto"], id="cache-auto"),
    pytest.param(["--requests-per-day", "20000", "--priority"], id="priority-run"),
    pytest.param(["--requests-per-day", "20000", "--batch"], id="batch-run"),
]


@pytest.mark.parametrize("extra", VARIANT_RUNS)
def test_estimate_csv_carries_the_batch_and_what_if_figures_json_has(cli, extra) -> None:  # type: ignore[no-untyped-def]
    """The CSV of "Cost per model" lacked the Batch variant and the cache what-if of JSON and HTML:
    it ends with them, under JSON's keys, with JSON's figures and an empty cell for JSON's null.
    One run, its report in each format (:func:`_written`)."""
    args = ["samples/support", *extra]
    doc = json.loads(_written(cli, args, "json"))
    out = _written(cli, args, "csv")
    keys = ["per_request_batch_usd", "total_batch_usd", "monthly_batch_usd", *WHAT_IF_KEYS]
    header, *rows = list(csv.reader(io.StringIO(out)))
    assert header[-len(keys) :] == keys and header[-len(keys) - 1] == "uncounted parts"
    want = [[m["model"], *("" if m[k] is None else str(m[k]) for k in keys)] for m in doc["models"]]
    assert [[r[0], *r[-len(keys) :]] for r in rows] == want
    assert any(v for row in want for v in row[1:])  # figures, not only empty cells
    shown = _written(cli, args, "markdown")
    assert not any(k in shown for k in keys)  # CSV columns: people read them in the notes and the HTML


@pytest.mark.parametrize("extra", VARIANT_RUNS)
def test_estimate_table_and_markdown_say_what_the_batch_api_would_cost(cli, extra) -> None:  # type: ignore[no-untyped-def]
    """Asked "does the Batch API halve the bill?": the table and Markdown carried no Batch figure (JSON,
    CSV and HTML did). One note line gives each model's, JSON's figure rounded for people, a month
    when traffic is given; not in a run already at batch prices. One run, its report in each
    format (:func:`_written`)."""
    from decimal import Decimal

    from gpt41cost.report import usd, usd_auto

    args = ["samples/support", *extra]
    doc = json.loads(_written(cli, args, "json"))
    monthly = "--requests-per-day" in extra
    figures = ", ".join(
        f"{m['model']} {usd(Decimal(m['monthly_batch_usd']), 2)}/month"
        if monthly
        else f"{m['model']} {usd_auto(Decimal(m['per_request_batch_usd']))} a request"
        for m in doc["models"]
    )
    cached = " cached input at the batch input rate" if {"--cache-hit-rate", "auto"} & set(extra) else ""
    off = "50% off standard prices" if "--priority" in extra else "50% off"  # half of standard, not of priority
    label = f"Batch API ({off}, results within 24 h" + (";" + cached if cached else "") + ")"
    for fmt in ("table", "markdown"):
        out = _written(cli, args, fmt).replace("\\$", "$")  # Markdown's \$ reads $
        lines = [line.strip(" -") for line in out.splitlines() if "Batch API (" in line]
        assert lines == ([] if "--batch" in extra else [f"{label}: {figures}"]), fmt
    if monthly and not cached and doc["assumptions"]["processing"] == "standard":  # half of standard
        gpt41 = doc["models"][0]
        assert Decimal(gpt41["monthly_batch_usd"]) * 2 == Decimal(gpt41["monthly_without_cache_usd"])


def _warnings_run(tmp_path: Path, case: str) -> tuple[str, list[str]]:
    data = ROOT / "tests" / "data" / "usage"
    fixture = str(ROOT / "tests" / "data" / "pricing-fixture.yaml")
    if case == "usage-unpriced":
        return "usage", [str(data / "chat.jsonl"), "--pricing", fixture]
    if case == "usage-skipped":
        return "usage", [str(data / "bad" / "mixed.jsonl"), "--pricing", fixture]
    reqs = tmp_path / "requests.jsonl"
    good = json.dumps({"model": "gpt-4.1", "messages": [{"role": "user", "content": "hello"}]})
    reqs.write_text(f"{good}\nnot json\n{good}\n", encoding="utf-8")
    return "estimate", [str(reqs), "--skip-bad"]


@pytest.mark.parametrize("case", ["usage-unpriced", "usage-skipped", "estimate-skip-bad"])
def test_every_warning_on_stderr_is_listed_in_the_html(cli, tmp_path, case) -> None:  # type: ignore[no-untyped-def]
    import html

    command, args = _warnings_run(tmp_path, case)
    r = cli(command, args, "-f", "html", expect=(0, 1))
    said = [x.removeprefix("gpt41cost: warning: ") for x in r.stderr.splitlines() if x.startswith("gpt41cost: warning")]
    assert said, r.stderr
    section = r.stdout.split("<h2>Warnings</h2>")[1].split("</ul>")[0]
    assert [html.unescape(x) for x in re.findall(r"<li>(.*?)</li>", section)] == said


def test_usage_daily_cost_is_stacked_by_model_from_the_days_by_model_table(cli) -> None:  # type: ignore[no-untyped-def]
    from decimal import Decimal

    args = ["samples/usage"]
    doc = json.loads(cli("usage", args, "-f", "json", expect=(0, 1)).stdout)
    for day in doc["by_day"]:
        parts = [d for d in doc["by_day_model"] if d["day"] == day["day"]]
        assert sum(Decimal(p["cost_usd"]) for p in parts if p["cost_usd"] is not None) == Decimal(day["cost_usd"])
        assert sum(p["requests"] for p in parts) == day["requests"]
    rows = list(
        csv.DictReader(io.StringIO(cli("usage", args, "-f", "csv", "--table", "days-by-model", expect=(0, 1)).stdout))
    )
    assert [(r["day"], r["model"], r["requests"]) for r in rows] == [
        (d["day"], d["model"], str(d["requests"])) for d in doc["by_day_model"]
    ]
    page = cli("usage", args, "-f", "html", expect=(0, 1)).stdout
    figure = page.split(">Daily cost by model</figcaption>")[1].split("</figure>")[0]
    heads = re.findall(r"<th scope[^>]*>(.*?)</th>", figure)
    assert heads == ["", *(m["model"] for m in doc["models"])]  # one series per model, stacked
    assert len(re.findall(r"<rect ", figure)) == len(doc["by_day"]) * len(doc["models"])
    assert "By day and model" not in cli("usage", args, expect=(0, 1)).stdout  # machines only: CSV and JSON
    assert "By day and model" not in page.split("<h2>Tables</h2>")[1]


#: Text from inputs that an ASCII or Latin-1 stdout cannot carry whole: é is Latin-1, 世 is not.
NAMES = {"model": "modèle-世", "file": "café-世.json", "plan": "facturación-世"}


#: The table runs of :func:`named_inputs`, made once per process: (command, stdout's encoding) ->
#: the run and its render call (:func:`tests.rendered.rendered`).
_NAMED: dict[tuple[str, str], Rendered] = {}


@pytest.fixture(scope="module")
def named_inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[list[str], list[str]]]:
    """One run per command whose output names inputs with non-ASCII characters (a request file
    with a part it cannot count, a plan, an unpriced model), and the CSV table naming them."""
    tmp_path = tmp_path_factory.mktemp("named")
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    image = {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}
    content = [{"type": "text", "text": "Describe this."}, image]
    (prompts / NAMES["file"]).write_text(
        json.dumps({"model": "gpt-4.1", "messages": [{"role": "user", "content": content}]}), encoding="utf-8"
    )
    plan = tmp_path / "w.yaml"
    plan.write_text(
        f"name: {NAMES['plan']}\nmodel: gpt-4.1-mini\nprompts: [prompts/*]\noutput_tokens: 100\n"
        "traffic:\n  requests_per_day: 1000\ntier: 2\n",
        encoding="utf-8",
    )
    record = json.loads((ROOT / "samples/usage/chat-completions.jsonl").read_text(encoding="utf-8").splitlines()[0])
    log = tmp_path / "u.jsonl"
    log.write_text(json.dumps({**record, "model": NAMES["model"]}, ensure_ascii=False) + "\n", encoding="utf-8")
    return {
        "estimate": ([str(prompts)], ["--table", "uncounted"]),
        "limits": ([str(prompts), "--peak-rpm", "10", "--max-tokens", "100"], ["--table", "uncounted"]),
        "plan": ([str(plan)], ["--table", "uncounted"]),
        "usage": ([str(log)], ["--table", "unpriced"]),
    }


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown", "html"])
def test_an_output_that_cannot_carry_a_name_gets_it_escaped(cli, named_inputs, fmt, encoding) -> None:  # type: ignore[no-untyped-def]
    """PYTHONIOENCODING=ascii and a file or model name with é: every format failed with exit 7.
    JSON and HTML become ASCII (they are read as UTF-8 whatever the locale) and read back the same;
    the formats people read backslash-escape what the encoding cannot carry, before columns are fitted.
    JSON, CSV and Markdown are the report of the command's table run on that stdout (made once per
    process) rendered as the CLI renders them there, and written in its encoding as the CLI writes
    them; the HTML page, which also lists the warnings written while reading, is a run of its own."""

    for command, (args, csv_table) in named_inputs.items():
        if fmt == "html":
            r = cli(command, args, "-f", fmt, encoding=encoding, expect=(0, 1))
        else:
            key = (command, encoding)
            if key not in _NAMED:
                with pytest.MonkeyPatch.context() as patch:
                    _NAMED[key] = rendered(cli, patch, [command, *args], encoding=encoding, expect=(0, 1))
            r = _NAMED[key].run
            if fmt != "table":
                out = _NAMED[key].again(fmt, csv_table[1] if fmt == "csv" else None)
                out.encode(encoding)  # as the CLI writes it to a stdout of that encoding
                r = Run(r.exit_code, out, "", out)
        assert r.stdout and "\ufffd" not in r.stdout, (command, r.stderr)
        names = [NAMES["model"]] if command == "usage" else [NAMES["file"]]
        names += [NAMES["plan"]] if command == "plan" and fmt != "csv" else []
        if fmt in ("json", "html") or encoding == "ascii":
            assert r.stdout.isascii(), command
        for name in names:
            if fmt == "json":
                assert name in json.dumps(json.loads(r.stdout), ensure_ascii=False), command
            elif fmt == "html":
                assert name.encode("ascii", "xmlcharrefreplace").decode() in r.stdout, command
            else:
                assert name.encode(encoding, "backslashreplace").decode(encoding) in r.stdout, (command, name)
    if fmt == "table":  # usage's: the escaped name is what the columns are fitted to
        lines = r.stdout.splitlines()
        head = next(x for x in lines if x.lstrip().startswith("model") and x.rstrip().endswith("why"))
        row = next(x for x in lines if "not in the pricing catalog" in x)
        assert row.index("not in the pricing catalog") == head.index("why")
