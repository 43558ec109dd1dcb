"""The suite's own plumbing (tests/conftest.py): what it changes of how pytest and pytest-xdist
run the tests must not change what they report."""

from __future__ import annotations

from types import SimpleNamespace

import execnet.gateway_base as execnet
import pytest

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
