"""The CLI's start-up: a run builds and imports only the command it runs (gpt41cost.cli's lazy
group), while ``--help``, shell completion and a mistyped command's suggestion see every command."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import gpt41cost.cli
from gpt41cost.cli import COMMANDS

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "usage" / "chat-completions.jsonl"
COSTS = SAMPLE.parent.parent / "bill-2026-11" / "cost-export.csv"

# Run in a fresh process: each command line in turn (its words apart by tabs), then a line of
# the gpt41cost modules imported so far.
PROBE = """
import sys
from gpt41cost.cli import main
for line in sys.argv[1:]:
    try:
        main(line.split("\t"))
    except SystemExit:
        pass
    sys.stdout.flush()
    print("imported:", *sorted(m for m in sys.modules if m.startswith("gpt41cost")), flush=True)
"""
#: A usage run, then one that gets as far as the reconciliation and the forecast (a costs file that reads).
RUNS = [
    ["usage", str(SAMPLE), "-f", "json", "--as-of", "2026-12-06"],
    ["usage", str(SAMPLE), "--billed", str(COSTS), "--budget", "5", "--forecast", "-f", "json"],
]


@pytest.fixture(scope="module")
def imported() -> list[set[str]]:
    """The gpt41cost modules imported after each of :data:`RUNS`, run one after the other in one
    fresh process (the second's are those the first had and those it imported)."""
    lines = ["\t".join(run) for run in RUNS]
    out = subprocess.run([sys.executable, "-c", PROBE, *lines], capture_output=True, text=True, timeout=120, check=True)
    found = [set(line.split()[1:]) for line in out.stdout.splitlines() if line.startswith("imported: ")]
    assert len(found) == len(RUNS), out.stdout
    return found


def test_every_command_module_is_listed_in_order_of_help():
    # a module of gpt41cost/cli that declares a command must be in COMMANDS, which --help lists
    folder = Path(gpt41cost.cli.__file__).parent
    declaring = {p.stem for p in folder.glob("*.py") if re.search(r"^@app\.command\(", p.read_text(), re.M)}
    assert declaring == set(COMMANDS)
    for name in COMMANDS:
        assert re.search(rf'^@app\.command\("{name}"', (folder / f"{name}.py").read_text(), re.M)


def test_help_lists_every_command_in_order(capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit) as done:
        gpt41cost.cli.main(["--help"])
    assert done.value.code == 0
    listed = re.findall(r"^  (\w+)  ", capsys.readouterr().out.split("Commands:")[1], re.M)
    assert listed == list(COMMANDS)


def test_a_usage_run_imports_its_command_alone(imported: list[set[str]]):
    got = imported[0]
    assert "gpt41cost.cli.usage" in got and "gpt41cost.readers.usage" in got  # it ran
    others = {f"gpt41cost.cli.{n}" for n in COMMANDS if n != "usage"}
    # nor what only --billed (reconcile, the costs reader) or --budget/--forecast (forecast) need
    assert not got & (others | {"gpt41cost.reconcile", "gpt41cost.readers.costs", "gpt41cost.forecast"})


def test_a_usage_run_with_budget_and_costs_imports_what_they_need(imported: list[set[str]]):
    # what the run with --billed, --budget and --forecast imported, that the run before it had not
    needed = {"gpt41cost.reconcile", "gpt41cost.readers.costs", "gpt41cost.forecast"}
    assert needed <= imported[1] - imported[0]


def test_a_mistyped_command_is_told_the_near_one_in_a_fresh_process():
    out = subprocess.run([sys.executable, "-m", "gpt41cost", "usag"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr == "gpt41cost: error: No such command 'usag'. Did you mean 'usage'?; see 'gpt41cost --help'\n"
