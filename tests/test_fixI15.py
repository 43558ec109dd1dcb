"""Session 15, fixI15: one context-window check for a given size in estimate, limits and price()
(item 1); the note on priority priced at standard in limits and plan (item 2); --help examples
that run as written (item 3)."""

from __future__ import annotations

import re

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


# --------------------------------------------------------------------------- item 2: priority priced at standard

LONG = (
    "at priority are over 128,000 input tokens: priced at standard rates (OpenAI's priority prices exclude long context"
)


def test_limits_and_plan_say_how_many_priority_requests_are_priced_at_standard(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """docs/accounting.md §2: estimate, limits and plan each say how many; limits and plan said nothing."""
    doc = cli.json(
        "limits", "--input-tokens", "200000", "--max-tokens", "1000", "--priority-share", "0.5",
        "--requests-per-day", "1000", "-m", "gpt-4.1", "-f", "json",
    )  # fmt: skip
    assert doc["models"][0]["monthly_cost_usd"]["total"] == "12240"  # unchanged: 30,000 x $0.408
    assert [n for n in doc["notes"] if LONG in n] == [
        "15,000 requests a month " + LONG + ", 'Requests estimated at >128K prompt tokens'; '128K' read as "
        "128,000, inferred)"
    ]
    w = tmp_path / "pri.yaml"
    w.write_text(
        "name: long-priority\nmodels: {gpt-4.1: 1.0}\ninput_tokens: 200000\noutput_tokens: 1000\n"
        "traffic: {requests_per_day: 1000, peak_rpm: 10}\npriority_share: 0.5\nhorizon_months: 1\ntier: 5\n"
    )
    plan = cli.json("plan", w, "-f", "json")
    assert [n for n in plan["notes"] if LONG in n] == [n for n in doc["notes"] if LONG in n]
    # no volume: the share of requests
    r = cli("limits", "--input-tokens", "200000", "--max-tokens", "1000", "--priority-share", "0.5", "--peak-rpm", "3")
    assert "  - 50% of requests " + LONG in r.stdout
    # under the threshold: no note
    r = cli("limits", "--input-tokens", "128000", "--max-tokens", "1000", "--priority-share", "0.5", "--peak-rpm", "3")
    assert LONG not in r.stdout


def test_limits_gives_estimates_note_on_a_body_asking_for_priority(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """req/over.json (service_tier priority, 128,107 input tokens): estimate noted both, limits neither."""
    f = tmp_path / "over.json"
    f.write_text(
        '{"model": "gpt-4.1", "service_tier": "priority", "max_tokens": 1000, '
        '"messages": [{"role": "user", "content": "' + " hello" * 128_100 + '"}]}'
    )
    est = cli.json("estimate", f, "-m", "gpt-4.1", "-f", "json")
    lim = cli.json("limits", f, "--requests-per-day", "100", "-m", "gpt-4.1", "-f", "json")
    asked = [n for n in est["notes"] if "ask for priority" in n or "asks for priority" in n]
    assert asked == [
        "1 request of 1 asks for priority processing (service_tier priority or fast in the body): priced at "
        "priority rates (a fine-tuned model's at standard: it has no priority prices); --priority prices every "
        "online request at priority (any over 128,000 input tokens at standard)"
    ]
    assert [n for n in lim["notes"] if "asks for priority" in n] == [asked[0].split("; --priority")[0]]
    assert (
        sum(
            n.startswith("1 request at priority is over 128,000 input tokens: priced at standard") for n in est["notes"]
        )
        == 1
    )
    assert [n for n in lim["notes"] if LONG in n] == [
        "3,000 requests a month " + LONG + ", 'Requests estimated at >128K prompt tokens'; '128K' read as "
        "128,000, inferred)"
    ]


# --------------------------------------------------------------------------- item 3: --help examples run as written

COMMANDS = ("estimate", "limits", "plan", "usage", "rules", "pricing", "verify")


#: command -> ``gpt41cost COMMAND --help`` at 80 columns, run once per process for the two tests below.
_HELP: dict[str, str] = {}


def _help(cli, command: str) -> str:  # type: ignore[no-untyped-def]
    if command not in _HELP:
        _HELP[command] = cli(command, "--help", env={"COLUMNS": "80"}, expect=0).stdout
    return _HELP[command]


def _examples(cli, command: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The lines under 'Examples:' of ``gpt41cost COMMAND --help`` at 80 columns, each stripped."""
    lines = _help(cli, command).splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "Examples:")
    return [line.strip() for line in lines[start + 1 :] if line.strip()]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_help_example_is_a_whole_command(cli, command: str) -> None:  # type: ignore[no-untyped-def]
    """At 80 columns limits' example broke inside a flag ('--max-' / 'tokens 500'), plan's, usage's,
    rules' and verify's inside a command; usage's named usage_export.csv, the sample being
    samples/usage/usage-export.csv."""
    import re
    import shlex
    from pathlib import Path

    from tools.update_readme import ROOT

    help_text = _help(cli, command)
    known = set(re.findall(r"(?<![\w-])(--[a-z0-9][a-z0-9-]*|-[a-zA-Z])\b", help_text.split("Examples:")[0]))
    examples = _examples(cli, command)
    assert examples
    for line in examples:
        assert f"gpt41cost {command}" in line, f"{command} --help: {line!r} is not a whole command"
        words = shlex.split(line)
        ours = words[words.index("gpt41cost") :]
        ours = ours[: next((i for i, w in enumerate(ours) if w in ("|", ">")), len(ours))]
        flags = [w.split("=")[0] for w in ours if w.startswith("-") and w != "-"]
        assert [f for f in flags if f not in known] == [], f"{command} --help: {line!r}"
        for w in words:
            if w.startswith("samples/"):
                assert Path(ROOT, w).exists(), f"{command} --help names {w}, which is not in the repository"


#: What bash would read as more than words: an example with any of these runs in bash.
SHELL_SYNTAX = re.compile(r"""[|&;<>()$`\\"'*?~{}\[\]#!]""")


@pytest.mark.parametrize("command", [c for c in COMMANDS if c != "verify"])  # verify needs OPENAI_API_KEY
def test_every_help_example_runs(cli, command: str, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Each example that needs neither the network nor a file of the user's own runs, from a
    directory holding the samples, and exits 0: in bash (each ``gpt41cost`` a fork of the test
    process, conftest's ``Cli.shell``) when it pipes, redirects or quotes, else in this process (its
    words are the arguments bash would give, and only the output and exit code are looked at)."""
    from pathlib import Path

    from tools.update_readme import ROOT, environment

    (tmp_path / "samples").symlink_to(Path(ROOT, "samples"))
    monkeypatch.chdir(tmp_path)
    ran = 0
    for line in _examples(cli, command):
        if "--from-api" in line or any(
            w.endswith((".txt", ".yaml", ".jsonl", ".json", ".csv")) and not w.startswith("samples/")
            for w in line.split()
            if not w.startswith("plan.md")
        ):
            continue  # the network, or the user's own file (prompt.txt, my-negotiated-prices.yaml)
        if SHELL_SYNTAX.search(line) or not line.startswith("gpt41cost "):
            shown = cli.shell(f'cd {tmp_path} && set -o pipefail && {line}; echo "exit $?"', environment())
        else:
            run = cli(line.split()[1:], env=environment())
            shown = f"{run.output}exit {run.exit_code}\n"
        if "--check" in line:  # a gate: exit 0 when the plan passes, 1 with its reasons when not
            passed = shown.endswith("exit 0\n") or (shown.endswith("exit 1\n") and "check failed" in shown)
            assert passed, f"$ {line}\n{shown}"
            assert "error:" not in shown.replace("error: samples/workloads/", ""), f"$ {line}\n{shown}"
        else:
            assert shown.endswith("exit 0\n"), f"$ {line}\n{shown}"
            assert "error:" not in shown, f"$ {line}\n{shown}"
        ran += 1
    assert ran >= 1


# --------------------------------------------------------------------------- item 1: a request file over the window


def test_limits_refuses_a_file_request_over_the_window_as_plan_does(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """req/win.jsonl (1,030,007 input + 20,000 max_tokens): limits priced it ($3,105.042/month, exit 0,
    a note), plan refused it (exit 3). docs/accounting.md §11: plan refuses such a request, with a line
    saying how far to lower the cap; limits now refuses it with the same line (workload.refuse_over_window)."""
    import json

    from .test_fixF15 import _small_window  # the fixture catalog with a 40,000-token window

    pricing = _small_window(tmp_path)
    big = "hello" + " hello" * 34_999  # 35,000 tokens
    f = tmp_path / "reqs.jsonl"
    lines = [
        {"model": "gpt-4.1", "messages": [{"role": "user", "content": big}], "max_tokens": 10_000},
        {"model": "gpt-4.1", "messages": [{"role": "user", "content": "hi there"}], "max_tokens": 100},
    ]
    f.write_text("".join(json.dumps(x) + "\n" for x in lines))
    [misfit] = cli.json("estimate", f, "-m", "gpt-4.1", "--pricing", pricing)["models"][0]["misfits"]  # listed
    n = misfit["input_tokens"]
    line = (
        f"{f}:1: {n:,} input tokens plus 10,000 output do not fit gpt-4.1's 40,000-token context window; "
        f"lower its max_tokens to {40_000 - n:,} or less, shorten its input, or leave the file out (--exclude)"
    )
    r = cli("limits", f, "--peak-rpm", "1", "--requests-per-day", "100", "-m", "gpt-4.1", "--pricing", pricing)
    assert (r.exit_code, r.stdout, r.stderr) == (3, "", f"gpt41cost: error: {line}\n")
    w = tmp_path / "win.yaml"
    w.write_text(
        f"name: win\nmodels: {{gpt-4.1: 1.0}}\nprompts: [{f}]\noutput_tokens: 500\n"
        "traffic: {requests_per_day: 100, peak_rpm: 10}\ntier: 5\nhorizon_months: 1\n"
    )
    p = cli("plan", w, "--pricing", pricing)
    assert (p.exit_code, p.stdout, p.stderr) == (3, "", f"gpt41cost: error: {line}\n")
    # a prompt file without its own cap: the flags that gave its output
    t = tmp_path / "long.txt"
    t.write_text(big)
    r = cli("limits", t, "--peak-rpm", "1", "--max-tokens", "6000", "-m", "gpt-4.1", "--pricing", pricing)
    assert r.exit_code == 3 and r.stdout == ""
    assert r.stderr.endswith(
        "35,000 input tokens plus 6,000 output do not fit gpt-4.1's 40,000-token context window; lower "
        "--max-tokens (or --output-tokens) to 5,000 or less, or shorten its input\n"
    )
    # the file that fits is assessed
    small = tmp_path / "small.jsonl"
    small.write_text(json.dumps(lines[1]) + "\n")
    fine = cli.json("limits", small, "--peak-rpm", "1", "-m", "gpt-4.1", "--pricing", pricing)
    assert fine["models"][0]["lowest_tier"] == 1
