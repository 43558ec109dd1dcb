from __future__ import annotations

import json
from decimal import Decimal

import pytest

from gpt41cost.errors import ExitCode
from gpt41cost.tokens import get_encoding
from gpt41cost.views.estimate import MODEL_KEYS

from .conftest import DATA, Cli, model

FIXTURE = ["--pricing", str(DATA / "pricing-fixture.yaml")]


@pytest.fixture
def cli(cli: Cli) -> Cli:
    """Every run here prices with the frozen test catalog (``--pricing`` after the run's own arguments)."""
    return cli.bound(tail=FIXTURE)


@pytest.mark.parametrize(
    ("args", "per_request"),
    [
        pytest.param([], "0.216", id="standard"),
        pytest.param(["--cached-tokens", "100000"], "0.066", id="all-cached"),
        pytest.param(["--batch"], "0.108", id="batch"),
    ],
)
def test_hand_checkable_costs(cli, args, per_request):
    r = cli(
        "estimate",
        "--input-tokens",
        "100000",
        "--output-tokens",
        "2000",
        "-m",
        "gpt-4.1",
        "--format",
        "json",
        *args,
    )
    assert r.exit_code == 0, r.stderr
    m = r.json()["models"][0]
    assert Decimal(m["per_request_usd"]) == Decimal(per_request)


def test_monthly_hand_check(cli):
    r = cli(
        "estimate",
        "--input-tokens",
        "100000",
        "--output-tokens",
        "2000",
        "-m",
        "gpt-4.1",
        "--requests-per-month",
        "1000000",
        "-f",
        "json",
    )
    assert Decimal(r.json()["models"][0]["monthly_usd"]) == Decimal("216000")
    r = cli(
        "estimate",
        "--input-tokens",
        "100000",
        "--output-tokens",
        "2000",
        "-m",
        "gpt-4.1",
        "--requests-per-day",
        "1000",
        "-f",
        "json",
    )
    assert Decimal(r.json()["models"][0]["monthly_usd"]) == Decimal("6480")


def test_json_contract_keys(cli, tmp_path):
    p = tmp_path / "p.txt"
    p.write_text("Classify: the invoice is wrong.")
    r = cli("estimate", str(p), "-f", "json")
    doc = r.json()
    assert doc["schema_version"] == 3
    assert (doc["as_of"], doc["catalog_as_of"]) == ("2026-12-06", "2025-04-14")  # the fixture catalog
    assert [m["model"] for m in doc["models"]] == ["gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano"]
    for m in doc["models"]:
        assert set(MODEL_KEYS) <= set(m)
        assert m["monthly_usd"] is None
        assert set(m["lifecycle"]) == {
            "status",
            "deprecated_on",
            "shutdown_on",
            "substitute",
            "replacement",
            "basis",
            "reason",
            "announced_later",
        }
    assert MODEL_KEYS == (
        "model",
        "requests",
        "input_tokens_total",
        "cached_input_tokens_total",
        "output_tokens_total",
        "per_request_usd",
        "total_usd",
        "monthly_usd",
        "lifecycle",
    )


def test_files_are_counted_exactly(cli, tmp_path):
    texts = ["Hello there, how are you?\r\n", "Привет 🚀 <|endoftext|>\n\n  x", "a" * 5000]
    for i, t in enumerate(texts):
        (tmp_path / f"p{i}.txt").write_bytes(t.encode())
    r = cli("estimate", str(tmp_path), "-m", "gpt-4.1", "-f", "json", "--output-tokens", "0")
    m = r.json()["models"][0]
    enc = get_encoding()
    assert m["requests"] == 3
    assert m["input_tokens_total"] == sum(len(enc.encode_ordinary(t)) for t in texts)


def test_directory_globs(cli, tmp_path):
    (tmp_path / "a.txt").write_text("one")
    (tmp_path / "b.md").write_text("two")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.txt").write_text("three")
    r = cli("estimate", str(tmp_path), "--include", "*.txt", "-f", "json")
    assert r.json()["models"][0]["requests"] == 2
    r = cli("estimate", str(tmp_path), "--exclude", "sub/*", "-f", "json")
    assert r.json()["models"][0]["requests"] == 2


def test_stdin(cli):
    r = cli("estimate", "-", "-f", "json", input="hello world")
    assert r.json()["models"][0]["input_tokens_total"] == 2


def test_cache_hit_rate_applies_minimum_and_steps(cli, tmp_path):
    (tmp_path / "small.txt").write_text("word" + " word" * 499)  # 500 tokens: below the minimum
    (tmp_path / "big.txt").write_text("word" + " word" * 2999)  # 3000 tokens: 0.5 -> 1500 -> 1408
    r = cli("estimate", str(tmp_path), "-m", "gpt-4.1", "--cache-hit-rate", "0.5", "-f", "json")
    m = r.json()["models"][0]
    assert m["input_tokens_total"] == 3500
    assert m["cached_input_tokens_total"] == 1408


def test_context_window_misfit_is_flagged(cli):
    # a given size over the window is refused, as limits and price() refuse it (limits.check_window)
    r = cli("estimate", "--input-tokens", "1040000", "--output-tokens", "10000", "-m", "gpt-4.1", expect=2)
    assert "1,040,000 input plus 10,000 output is over gpt-4.1's 1,047,576-token context window" in r.stderr
    r = cli("estimate", "--input-tokens", "10", "--output-tokens", "40000", "-m", "gpt-4.1", expect=2)
    assert "maximum output of 32,768 tokens" in r.stderr  # refused (a request file's cap over it is listed)


def test_savings_against_gpt41(cli):
    r = cli("estimate", "--input-tokens", "1000", "-f", "json")
    doc = r.json()
    assert Decimal(model(doc, "gpt-4.1-mini")["saving_vs_gpt_4_1_pct"]) == Decimal(80)
    assert Decimal(model(doc, "gpt-4.1-nano")["saving_vs_gpt_4_1_pct"]) == Decimal(95)


@pytest.mark.parametrize("fmt", ["table", "csv", "markdown"])
def test_every_format_renders_the_same_result(cli, fmt):
    r = cli("estimate", "--input-tokens", "100000", "--output-tokens", "2000", "-f", fmt)
    assert r.exit_code == 0
    assert "gpt-4.1-nano" in r.stdout
    if fmt == "csv":
        assert r.stdout.splitlines()[1].startswith("gpt-4.1,active,1,100000,0,2000,0.216,")
    else:
        assert "$0.2160" in r.stdout  # per request: four significant digits, the same in every row


def test_table_shows_assumptions(cli):
    r = cli("estimate", "--input-tokens", "10", "--requests-per-day", "100")
    assert "output tokens per request: 500 (default 500; set --output-tokens)" in r.stdout
    assert "a month is 30 days" in r.stdout


def _bad(tmp_path):
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "binary.bin").write_bytes(b"\x89PNG\x00\x00\x00binary")
    (tmp_path / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    (tmp_path / "emptydir").mkdir()
    unreadable = tmp_path / "secret.txt"
    unreadable.write_text("x")
    unreadable.chmod(0)
    return tmp_path


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        pytest.param(["{d}/missing.txt"], ExitCode.INPUT, "missing.txt: no such file", id="missing-path"),
        pytest.param(["{d}/empty.txt"], ExitCode.INPUT, "empty.txt: empty file", id="empty-file"),
        pytest.param(["{d}/emptydir"], ExitCode.INPUT, "emptydir: directory has no files", id="empty-dir"),
        pytest.param(
            ["{d}", "--include", "*.nothing"],
            ExitCode.INPUT,
            "directory has no files matching *.nothing",
            id="no-matching-files",
        ),
        pytest.param(["{d}/binary.bin"], ExitCode.INPUT, "binary.bin: looks like a binary file", id="binary"),
        pytest.param(["{d}/latin1.txt"], ExitCode.INPUT, "latin1.txt: not valid utf-8 at byte 3", id="bad-utf8"),
        pytest.param(
            ["--input-tokens", "-5"], ExitCode.USAGE, "--input-tokens: cannot be negative, got -5", id="negative-tokens"
        ),
        pytest.param(
            ["--input-tokens", "5", "--output-tokens", "-1"],
            ExitCode.USAGE,
            "--output-tokens: cannot be negative",
            id="negative-output",
        ),
        pytest.param(
            ["--input-tokens", "5", "--cache-hit-rate", "1.5"],
            ExitCode.USAGE,
            "--cache-hit-rate: must be between 0 and 1",
            id="hit-rate-above-1",
        ),
        pytest.param(
            ["--input-tokens", "5", "--cache-hit-rate", "lots"],
            ExitCode.USAGE,
            "is not a number",
            id="hit-rate-not-number",
        ),
        pytest.param(["--input-tokens", "5", "--batch", "--priority"], ExitCode.USAGE, "not both", id="batch-priority"),
        pytest.param(
            ["--input-tokens", "5", "-m", "gpt-4.1-mino"],
            ExitCode.USAGE,
            "did you mean gpt-4.1-mini",
            id="unknown-model",
        ),
        pytest.param([], ExitCode.USAGE, "nothing to estimate", id="no-input"),
        pytest.param(
            ["{d}/latin1.txt", "--encoding", "klingon"], ExitCode.USAGE, "unknown text encoding", id="unknown-encoding"
        ),
        pytest.param(
            ["--input-tokens", "5", "--requests-per-day", "-3"],
            ExitCode.USAGE,
            "--requests-per-day",
            id="negative-traffic",
        ),
    ],
)
def test_bad_input_is_one_clear_line(cli, tmp_path, args, code, message):
    d = _bad(tmp_path)
    r = cli("estimate", *[a.format(d=d) for a in args])
    assert r.exit_code == code, r.stderr
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("gpt41cost: error: ")
    assert message in lines[0]
    assert "Traceback" not in r.stderr


def test_unreadable_file(cli, tmp_path, monkeypatch):
    # Simulated, so the test also holds when the suite runs as root (root reads mode-000 files).
    import builtins

    d = _bad(tmp_path)
    real_open = builtins.open

    def guarded(file, *a, **k):
        if str(file).endswith("secret.txt"):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *a, **k)

    monkeypatch.setattr(builtins, "open", guarded)
    r = cli("estimate", f"{d}/secret.txt")
    assert r.exit_code == ExitCode.INPUT
    assert "permission denied" in r.stderr


def test_latin1_with_encoding_flag(cli, tmp_path):
    d = _bad(tmp_path)
    r = cli("estimate", f"{d}/latin1.txt", "--encoding", "latin-1", "-f", "json")
    assert r.exit_code == 0
    assert r.json()["models"][0]["input_tokens_total"] == 2


def test_bad_catalog_via_env(tmp_path):
    bad = tmp_path / "p.yaml"
    bad.write_text("schema_version: 1\n")
    r = Cli()(["estimate", "--input-tokens", "5"], env={"GPT41COST_PRICING": str(bad)})
    assert r.exit_code == ExitCode.CATALOG
    assert f"{bad}: as_of: missing key" in r.stderr


def test_small_monthly_notes_keep_their_figures():
    """The Batch note of a month under a dollar (30 x (2,000 x $0.10/M + 500 x $0.40/M) / 2 = $0.006)
    reads '$0.0060/month' (was '$0.01/month')."""
    import gpt41cost

    r = gpt41cost.estimate(input_tokens=2000, requests_per_day=1, models="gpt-4.1-nano", as_of="2026-10-01")
    assert "gpt-4.1-nano $0.0060/month" in r.render()


def test_a_text_prompt_is_its_text_alone_and_the_report_says_what_a_message_adds(cli: Cli, tmp_path) -> None:
    """Review 20b: a prompt file counts its text (15 tokens here) where the one user message it is
    sent in bills 22; the figure stays the text's, the assumptions name the 7 tokens."""
    import gpt41cost

    text = "Classify the sentiment of this review as positive or negative: I love it"
    (tmp_path / "p.txt").write_text(text, encoding="utf-8")
    as_message = gpt41cost.count_request({"model": "gpt-4.1", "messages": [{"role": "user", "content": text}]})
    assert (gpt41cost.count_tokens(text), as_message.input_tokens) == (15, 22)
    r = cli(["estimate", str(tmp_path / "p.txt"), "-m", "gpt-4.1"])
    said = 'prompt text: a text file, prompt string or {"prompt"} line counts its text alone; sent as one message, '
    assert said + "a request bills 7 tokens more (3 a message, 1 its role, 3 reply priming; docs/accounting.md §4)" in (
        r.stdout
    )
    (tmp_path / "m.jsonl").write_text(json.dumps([{"role": "user", "content": text}]) + "\n", encoding="utf-8")
    assert "prompt text" not in cli(["estimate", str(tmp_path / "m.jsonl"), "-m", "gpt-4.1"]).stdout
