"""A forked run (Cli.start) shows warnings as a fresh interpreter does, whatever the test process
records: the module's own printer, the default filters, then PYTHONWARNINGS."""

from __future__ import annotations

import warnings

import pytest

SCRIPT = """
import warnings
warnings.warn("shown once")
warnings.warn("shown in __main__", DeprecationWarning)
warnings.warn("an error under -W error::RuntimeWarning", RuntimeWarning)
print(warnings.showwarning.__module__, warnings._showwarnmsg_impl.__module__, len(warnings.filters))
"""


@pytest.mark.parametrize("extra", [{}, {"PYTHONWARNINGS": "error::RuntimeWarning"}])
def test_a_forked_run_warns_as_a_fresh_interpreter(cli, monkeypatch, extra):
    for name, value in extra.items():
        monkeypatch.setenv(name, value)
    warnings.simplefilter("ignore")  # the test process's own filters: not the run's
    forked, real = (cli.process(script=SCRIPT, real=real) for real in (False, True))
    assert (forked.exit_code, forked.stdout) == (real.exit_code, real.stdout)
    shown = [line for line in forked.stderr.splitlines() if not line.startswith(" ")]  # no traceback's frames
    assert shown == [line for line in real.stderr.splitlines() if not line.startswith(" ")]
    assert "UserWarning: shown once" in forked.stderr
    assert forked.exit_code == (1 if extra else 0)
