"""The suite's own plumbing (tests/conftest.py): what it changes of how pytest and pytest-xdist
run the tests must not change what they report."""

from __future__ import annotations

import functools
import inspect
import json
import marshal
import os
import signal
import subprocess
import sys
import threading
from types import SimpleNamespace

import execnet.gateway_base as execnet
import pytest

from tools.update_readme import environment

from . import conftest
from .conftest import _PACKED


def _across(config: pytest.Config, report: pytest.TestReport) -> tuple[dict, pytest.TestReport]:
    """``report`` as an -n worker whose controller reads packed reports sends it (with what
    pytest-xdist adds), and as that controller makes it again on arrival."""
    worker = SimpleNamespace(workerinput={_PACKED: True})
    data = config.hook.pytest_report_to_serializable(config=worker, report=report)
    data.update(item_index=7, worker_id="gw1", testrun_uid="0123abcd")
    sent = execnet.loads_internal(execnet.dumps_internal(("testreport", {"data": data})))[1]["data"]
    return data, config.hook.pytest_report_from_serializable(config=config, data=sent)


def _as_pytest_sends(report: pytest.TestReport) -> pytest.TestReport:
    """The same report through pytest's own hooks (as a worker of a controller that does not
    read packed reports sends it)."""
    from _pytest import reports

    data = reports.pytest_report_to_serializable(report)
    assert data is not None
    data.update(item_index=7, worker_id="gw1", testrun_uid="0123abcd")
    sent = execnet.loads_internal(execnet.dumps_internal(data))
    made = reports.pytest_report_from_serializable(sent)
    assert isinstance(made, pytest.TestReport)
    return made


def test_a_passing_report_crosses_as_one_string_and_arrives_the_same(pytestconfig):
    report = pytest.TestReport(
        "tests/test_x.py::test_y[a-é]",
        ("tests/test_x.py", 41, "test_y[a-é]"),
        {"test_y[a-é]": 1, "a-é": 1, "parametrize": 1, "test_x.py": 1, "tests": 1},
        "passed",
        None,
        "call",
        sections=[("Captured log call", "WARNING  urllib3:x.py:1 retrying"), ("Captured stdout setup", "hi\n")],
        duration=0.25,
        start=1796636038.8527355,
        stop=1796636039.1027355,
        user_properties=[("rows", (1, 2.5, None))],
        _hypothesis_stats="- during generate phase (0.01 seconds):",
    )
    data, made = _across(pytestconfig, report)
    assert set(data) == {_PACKED, "item_index", "worker_id", "testrun_uid"}  # one string, and xdist's own
    assert type(made) is pytest.TestReport
    assert vars(made) == vars(_as_pytest_sends(report))
    assert made.location == ("tests/test_x.py", 41, "test_y[a-é]") and made.sections[0] == report.sections[0]
    assert made.item_index == 7 and made.worker_id == "gw1"  # type: ignore[attr-defined]


def test_a_report_with_failure_text_or_a_field_marshal_cannot_write_goes_as_before(pytestconfig):
    failed = pytest.TestReport("t.py::f", ("t.py", 1, "f"), {"f": 1}, "failed", "AssertionError: 1 != 2", "call")
    odd = pytest.TestReport("t.py::g", ("t.py", 2, "g"), {}, "passed", None, "call", user_properties=[("x", object)])
    data, made = _across(pytestconfig, failed)
    assert _PACKED not in data and data["longrepr"] == "AssertionError: 1 != 2"
    assert vars(made) == vars(_as_pytest_sends(failed))
    worker = SimpleNamespace(workerinput={_PACKED: True})
    data = pytestconfig.hook.pytest_report_to_serializable(config=worker, report=odd)  # execnet refuses it too
    assert _PACKED not in data and data["user_properties"] == [("x", object)]


class _Channel:
    """What an -n worker sends its controller."""

    def __init__(self):
        self.sent = []
        self.gateway = SimpleNamespace(execmodel=execnet.get_execmodel("thread"))

    def send(self, item):
        self.sent.append(execnet.loads_internal(execnet.dumps_internal(item)))  # as execnet carries it


class _DSession:
    """The controller's handlers of a worker's events, which record each call."""

    def __init__(self):
        self.calls = []
        for name in ("logstart", "testreport", "logfinish", "runtest_protocol_complete"):
            setattr(self, f"worker_{name}", functools.partial(self._record, name))

    def _record(self, name, node, **kw):
        self.calls.append((name, {k: vars(v) if k == "rep" else v for k, v in kw.items()}))


NODEID, LOCATION = "tests/test_x.py::test_y[é]", ("tests/test_x.py", 41, "test_y[é]")


def _worker(pytestconfig, channel, batched):
    """pytest-xdist's own end of an -n worker, sending on ``channel`` (to a controller that reads
    batched events or not), in the middle of running test NODEID."""
    from xdist.remote import WorkerInteractor

    workerinput = {"workerid": "gw1", "testrunuid": "0123abcd", _PACKED: True, conftest._BATCHED: batched}
    plugins = []
    config = SimpleNamespace(
        workerinput=workerinput,
        option=SimpleNamespace(debug=False),
        hook=pytestconfig.hook,
        pluginmanager=SimpleNamespace(register=plugins.append, get_plugins=lambda: plugins),
    )
    worker = WorkerInteractor(config, channel)
    if batched:
        conftest._batch_events(config)
    worker.session, worker.item_index = SimpleNamespace(items=[SimpleNamespace(nodeid=NODEID)]), 0
    return worker


def _rest_of_test(worker, outcomes):
    """The events of the test after its start: setup, call and teardown ending with ``outcomes``."""
    for when, outcome in zip(("setup", "call", "teardown"), outcomes, strict=True):
        failure = None if outcome == "passed" else "AssertionError: 1 != 2"
        report = pytest.TestReport(
            NODEID, LOCATION, {"test_y[é]": 1}, outcome, failure, when, [("Captured stdout call", "hi\n")]
        )
        worker.pytest_runtest_logreport(report=report)
    worker.pytest_runtest_logfinish(nodeid=NODEID, location=LOCATION)
    worker.sendevent("runtest_protocol_complete", item_index=0, duration=0.25)  # as its test loop does


def _test_runs(pytestconfig, outcomes, batched):
    """The events of one test whose setup, call and teardown end with ``outcomes`` as an -n worker
    sends them (its controller reading batched events or not), and the calls of the controller's
    handlers when it has read them all."""
    from xdist.workermanage import WorkerController

    channel = _Channel()
    worker = _worker(pytestconfig, channel, batched)
    worker.pytest_runtest_logstart(nodeid=NODEID, location=LOCATION)
    _rest_of_test(worker, outcomes)

    dsession, events = _DSession(), []
    node = WorkerController.__new__(WorkerController)
    node.config = SimpleNamespace(
        hook=pytestconfig.hook, pluginmanager=SimpleNamespace(getplugin={"dsession": dsession}.get)
    )
    node.putevent, node.log, node._down, node.gateway = events.append, lambda *a: None, False, SimpleNamespace(id="gw1")
    assert conftest._take_batches(node)
    for event in channel.sent:
        node.process_from_remote(event)
    for name, kw in events:  # the controller's main loop
        getattr(dsession, f"worker_{name}")(**kw)
    return [name for name, _ in channel.sent], dsession.calls


def test_a_passing_test_sends_its_events_at_once_and_they_arrive_the_same(pytestconfig):
    sent, calls = _test_runs(pytestconfig, ("passed", "passed", "passed"), batched=True)
    assert sent == [conftest._BATCH]  # of 6 events
    assert calls == _test_runs(pytestconfig, ("passed", "passed", "passed"), batched=False)[1]
    assert [name for name, _ in calls] == ["logstart", *["testreport"] * 3, "logfinish", "runtest_protocol_complete"]


@pytest.mark.parametrize(
    ("outcomes", "sent"),
    [
        (("passed", "failed", "passed"), ["held", "testreport", "held"]),  # start and setup; call; teardown to the end
        (("failed", "skipped", "failed"), ["held", "testreport", "testreport", "testreport", "held"]),
    ],
)
def test_a_report_with_failure_text_is_sent_as_it_comes(pytestconfig, outcomes, sent):
    held, calls = _test_runs(pytestconfig, outcomes, batched=True)
    assert held == [conftest._BATCH if name == "held" else name for name in sent]
    assert calls == _test_runs(pytestconfig, outcomes, batched=False)[1]


class _StalledChannel(_Channel):
    """A channel on which the first sending from the thread named "steal" waits until ``go``
    (as a write to a full pipe does), once it has said it is ``sending``."""

    def __init__(self):
        super().__init__()
        self.sending, self.go = threading.Event(), threading.Event()

    def send(self, item):
        if threading.current_thread().name == "steal" and not self.sending.is_set():
            self.sending.set()
            assert self.go.wait(10)
        super().send(item)


def test_a_steal_sent_while_a_test_runs_leaves_its_events_whole_and_in_order(pytestconfig):
    """Work-stealing's "unscheduled" is sent from execnet's receiving thread, while a test runs
    in the main thread: the events arrive once each, in the order they were sent."""
    channel = _StalledChannel()
    worker = _worker(pytestconfig, channel, batched=True)
    worker.pytest_runtest_logstart(nodeid=NODEID, location=LOCATION)
    steal = threading.Thread(target=worker.sendevent, args=("unscheduled",), kwargs={"indices": [3]}, name="steal")
    steal.start()
    assert channel.sending.wait(10)  # the steal is sending the test's start
    test = threading.Thread(target=_rest_of_test, args=(worker, ("passed",) * 3))
    test.start()
    test.join(0.2)  # the test's events wait for the steal's (time for them to go wrong where they do not)
    channel.go.set()
    steal.join()
    test.join()
    names = []
    for name, kw in channel.sent:
        names += [event for event, _ in marshal.loads(kw["events"])] if name == conftest._BATCH else [name]
    assert names == ["logstart", "unscheduled", *["testreport"] * 3, "logfinish", "runtest_protocol_complete"]


def test_the_gpt41cost_of_a_command_line_is_a_shell_script(cli):
    """Cli.shell's ``gpt41cost`` asks the test process for its run from bash: a Python interpreter
    took some 13 CPU ms more for each (conftest's _SHIM)."""
    env = environment()
    assert cli.shell('head -c 12 "$(type -P gpt41cost)"', env) == "#!/bin/bash\n"


def _shows_its_run(monkeypatch):
    """Each forked run writes to its stderr what it was given: arguments, directory, environment
    (of it, ONE and the shim's server variable), closed standard streams and stdin's text; then
    exits 3."""

    def run_as_main(script):
        try:
            closed = [fd for fd in (0, 1, 2) if not os.path.exists(f"/proc/self/fd/{fd}")]
            given = {
                "argv": sys.argv[1:],
                "cwd": os.getcwd(),
                "env": {k: v for k, v in os.environ.items() if k in ("ONE", conftest._SERVER)},
                "closed": closed,
                "stdin": "" if 0 in closed else os.read(0, 100).decode(),
            }
            if 2 not in closed:
                os.write(2, json.dumps(given).encode() + b"\n")
            if 1 not in closed:
                os.write(1, b"out\n")
        finally:
            os._exit(3)

    monkeypatch.setattr(conftest, "_run_as_main", run_as_main)


def test_a_forked_run_is_given_what_its_gpt41cost_was(cli, monkeypatch, tmp_path):
    _shows_its_run(monkeypatch)
    shown = cli.shell(
        f"cd {tmp_path} && printf 'in put' | ONE='a b' gpt41cost x 'y z' ''; echo \"exit $?\";"
        ' gpt41cost 1 >&- <&-; echo "exit $?"; gpt41cost 2 2>&- | cat; echo "exit ${PIPESTATUS[0]}"',
        environment(),
    )
    first, second, third, *rest = shown.splitlines()
    assert json.loads(first) == {
        "argv": ["x", "y z", ""], "cwd": str(tmp_path), "env": {"ONE": "a b"}, "closed": [], "stdin": "in put"
    }  # fmt: skip
    assert second == "out" and third == "exit 3"
    assert json.loads(rest[0]) == {"argv": ["1"], "cwd": str(tmp_path), "env": {}, "closed": [0, 1], "stdin": ""}
    assert rest[1:] == ["exit 3", "out", "exit 3"]  # the third's stderr closed: nothing of it shown


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGQUIT])
def test_a_run_ended_by_a_signal_ends_its_gpt41cost_so(cli, monkeypatch, sig):
    def run_as_main(script):
        try:
            signal.signal(sig, signal.SIG_DFL)
            os.kill(os.getpid(), sig)
        finally:
            os._exit(1)

    monkeypatch.setattr(conftest, "_run_as_main", run_as_main)
    shown = cli.shell('gpt41cost; echo "exit $?"', environment())
    assert shown.endswith(f"exit {128 + sig}\n")
    if sig != signal.SIGQUIT:  # which bash keeps to itself: the shim exits 128 + N instead
        real = subprocess.run(
            ["/bin/bash", "-c", f'sh -c "kill -{sig.name[3:]} \\$\\$"; echo "exit $?"'],
            capture_output=True,
            text=True,
            check=False,
        )
        assert shown.count("\n") == (real.stdout + real.stderr).count("\n")


_ENDS = """
import atexit, contextlib, os, sys


class Torn:
    def __del__(self):
        os.write(1, b"torn down\\n")


kept = Torn()
atexit.register(_end_worker, os.getpid())
atexit.register(os.write, 1, b"exit function\\n")
if os.fork() == 0:
    sys.exit(7)
os.write(1, f"fork {os.waitstatus_to_exitcode(os.wait()[1])}\\n".encode())
sys.stdout.write("buffered")
"""


def test_a_worker_ends_after_its_exit_functions_without_the_teardown_and_a_fork_of_it_as_before():
    """conftest's _end_worker in a fresh interpreter (its own source: the conftest module would
    import pytest), registered as an -n worker registers it: the exit functions registered after
    it run, the buffered stdout is written, and the objects are not torn down; a fork of that
    process ends as it would, with its exit code, after its teardown."""
    script = inspect.getsource(conftest._end_worker) + _ENDS
    done = subprocess.run([sys.executable, "-I", "-c", script], capture_output=True, text=True, check=False)
    assert done.stderr == "" and done.returncode == 0
    assert done.stdout == "exit function\ntorn down\nfork 7\nexit function\nbuffered"
