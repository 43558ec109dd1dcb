from __future__ import annotations

import _thread
import atexit
import contextlib
import copy
import functools
import gc
import importlib
import io
import json
import locale
import marshal
import os
import resource
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import warnings
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

if TYPE_CHECKING:
    from gpt41cost.catalog import Catalog

TESTS = Path(__file__).parent
DATA = TESTS / "data"
ROOT = Path(__file__).parent.parent


#: The date CLI tests run on (the date of the run decides prices in force and model status).
TEST_DATE = "2026-12-06"
#: Every process a test starts runs under this address-space limit (MB) and timeout (s).
MEMORY_MB = 2048
TIMEOUT_S = 60


def process_limits(close: int | None = None) -> Callable[[], None]:
    """A ``preexec_fn``: close the child's descriptor ``close`` (a caller that closed a standard
    stream), then put the child under the memory limit, with no core dump."""

    def pre() -> None:
        if close is not None:
            os.close(close)
        limit = MEMORY_MB * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return pre


def pytest_configure(config: pytest.Config) -> None:
    """Under ``-n auto`` pytest-xdist hands tests out in blocks ("load"); "worksteal" lets a worker
    that runs out take some of another's, so a few long tests (real processes, the browser) do not
    end the run on one worker while the other waits.

    The tests' temporary files (``tmp_path`` and the like, pytest's cleanup of earlier runs'
    directories, the scratch of :meth:`Cli.shell`) go to memory when the system has room there and
    ``$TMPDIR`` names no other place: on a disk mounted with ``discard`` removing a file costs a
    few milliseconds of waiting, and a run makes and removes some 3,000. Only the tests' own: the
    code under test keeps the temporary directory a user's run has (``tempfile.gettempdir()``,
    where tokens.py looks for tiktoken's cache), and pytest is told where through its
    ``PYTEST_DEBUG_TEMPROOT``. A passing test's ``tmp_path`` is removed as it ends and a passing
    run's directory at the end of the run (``tmp_path_retention_policy = "failed"`` in
    pyproject.toml), so memory holds nothing after a passing run; only the last run's failures
    are kept (``tmp_path_retention_count = 1``)."""
    if getattr(config.option, "dist", None) == "load":
        config.option.dist = "worksteal"
    controller = _controller(config)
    if controller:
        _huge_pages_for_workers()
    if _scratch() is not None:
        os.environ.setdefault("PYTEST_DEBUG_TEMPROOT", MEMORY_TMP)
    gc.set_threshold(*_GC_THRESHOLDS[:2], FULL_GC_EVERY)
    if controller:
        threading.Thread(target=_import_hypothesis, daemon=True).start()
    else:
        if getattr(config, "workerinput", {}).get(_BATCHED):
            _batch_events(config)
        if hasattr(config, "workerinput"):
            atexit.register(_end_worker, os.getpid())
        _hypothesis_profile()  # where tests run: not in -n's controller, which waits to start the workers
        _trim_before_forks()


def _end_worker(worker: int) -> None:
    """An -n worker's last exit function (registered after those of logging and execnet, which
    run after it, and before any a test adds, which run before it): logging's own end (every
    handler flushed and closed), the standard streams flushed, then the process ends, without
    the interpreter's teardown of every object the worker made over the run (the modules, the
    collected tests, hypothesis' caches, the vocabularies), which frees memory the system
    takes back anyway. Threads have been joined and the other exit functions run, as in any
    end. The controller has every report by then, and reads no worker's exit code. A process
    forked from the worker that ends through its exit functions ends as it would."""
    if os.getpid() != worker:
        return
    import logging

    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(0)


def _trim_before_forks() -> None:
    """Where tests run, glibc gives the memory it holds free back to the system before each fork
    (``malloc_trim``, about 0.1 ms). A fork copies the page table of every page the process has
    and the child tears its copy down as it ends: about 0.065 CPU ms a MB of resident memory here,
    parent and child together (some 20 ms a fork at 250 MB), for each of the ~290 forks of a run
    (the package's reading processes, :meth:`Cli.start` and :meth:`Cli.shell`). A test process
    grows from ~95 MB to 200-250 MB over a run, and some of that is only held: after the
    vocabulary of a test module is dropped (tests/test_fidelity_cl100k.py), 112 -> 103 MB without
    a trim, 75 MB with one. Nothing in glibc is lost by it: its next allocations map pages again."""
    with contextlib.suppress(OSError, AttributeError):  # a C library without malloc_trim: forks as they were
        import ctypes

        trim = ctypes.CDLL(None).malloc_trim
        trim.argtypes = [ctypes.c_size_t]
        os.register_at_fork(before=lambda: trim(0))


def _controller(config: pytest.Config) -> bool:
    """Is this -n's controller, which starts the test processes and runs no test itself?"""
    return bool(getattr(config.option, "numprocesses", None)) and not hasattr(config, "workerinput")


def _import_hypothesis() -> None:
    """In -n's controller, which runs no test: hypothesis' pytest plugin imports hypothesis there
    for the run's summary (about 0.14 CPU s), after every test has run, when nothing else is left
    to run. Imported in a thread as the controller starts the workers, it mostly uses a core left
    idle while it waits for them (`pytest -n 2 tests/test_rules.py`, 12 alternating runs: median
    0.793 -> 0.772 s wall)."""
    with contextlib.suppress(Exception):  # the plugin imports it again, and reports what fails
        import hypothesis.internal.observability  # noqa: F401


#: The characters UTF-8 encodes, each decoding back to itself: every code point but the surrogates.
UTF8_INTERVALS = ((0, 0xD7FF), (0xE000, sys.maxunicode))


#: The key under which an -n worker sends a report's fields as one ``marshal`` string (see
#: :func:`pytest_report_to_serializable`); set in the workers' ``workerinput`` by a controller that reads them.
_PACKED = "gpt41cost_report"


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """In -n's controller, as it starts each worker: this controller reads reports packed by
    :func:`pytest_report_to_serializable` and the events of a test sent at once
    (:func:`_batch_events`; a controller that did not load this file has no such hook, and its
    workers send reports and events as pytest-xdist does)."""
    node.workerinput[_PACKED] = True
    if _take_batches(node):
        node.workerinput[_BATCHED] = True


#: The event an -n worker sends for the events it held (:func:`_batch_events`): their names and
#: arguments as one ``marshal`` string, which its controller reads (:func:`_take_batches`).
_BATCH = "gpt41cost_events"
#: The key of the workers' ``workerinput`` that tells them their controller reads :data:`_BATCH`.
_BATCHED = "gpt41cost_batches"
#: The events a worker holds (a test report only when packed: no failure text).
_HELD = frozenset({"logstart", "testreport", "logfinish"})


def _batch_events(config: pytest.Config) -> None:
    """Where tests run under -n: pytest-xdist sends its controller six events for each test (its
    start, the setup, call and teardown reports, its end, and "protocol complete", which tells
    the scheduler the test is done), each written, sent down the pipe, read, handed from
    execnet's receiving thread to the controller's main thread and dispatched on its own. The
    worker holds those of a test until its "protocol complete" and sends them as one event of
    one ``marshal`` string, which the controller takes apart into the same events, handled in the
    same order (:func:`_take_batches`). Only while the test goes as expected: a report with
    failure text (a failure, an error, a skip) or any other event (a warning) sends what is held
    first, then itself, as xdist would; a worker that dies mid-test has the test it was running
    reported as its crash, as before (the scheduler knows it from "protocol complete" alone).
    The events go in the order they are sent, one at a time: a steal (work-stealing's
    "unscheduled") is sent from execnet's receiving thread while a test runs, and sends what the
    test has held first (without the lock, a test's events held as a steal sent those before
    them were cleared unsent: 46 and 309 tests of a whole-suite run never reported).
    The whole suite's controller 2.56 -> 1.65 CPU s (-n auto, medians of 3 paired runs); 3,000
    passing tests that do nothing under -n 2, all processes: 6.08 -> 5.24 CPU s."""
    interactor = next((p for p in config.pluginmanager.get_plugins() if type(p).__name__ == "WorkerInteractor"), None)
    if interactor is None or not callable(getattr(interactor, "sendevent", None)):
        return
    send = interactor.sendevent
    held: list[tuple[str, dict[str, Any]]] = []
    one_at_a_time = threading.Lock()

    def sendevent(name: str, **kw: Any) -> None:
        with one_at_a_time:  # the test's events, and "unscheduled" from execnet's receiving thread
            if name in _HELD and (name != "testreport" or _PACKED in kw["data"]):
                held.append((name, kw))
                return
            last = name == "runtest_protocol_complete"
            if held:
                if last:
                    held.append((name, kw))
                try:
                    events = marshal.dumps(held)
                except ValueError:  # a value marshal cannot write: each as xdist sends it
                    for event, args in held:
                        send(event, **args)
                else:
                    send(_BATCH, events=events)
                held.clear()
                if last:
                    return
            send(name, **kw)

    interactor.sendevent = sendevent


def _take_batches(node: Any) -> bool:
    """In -n's controller, for the worker ``node``: an event of a test's held events
    (:func:`_batch_events`) is taken apart where xdist reads each (``process_from_remote``, in
    execnet's receiving thread: the reports made from what was sent), and its events handled in
    the main thread, in order, by the handlers xdist has for each (``DSession.worker_<event>``).
    False where xdist does not read events so (another version), and the worker sends them as
    before."""
    dsession = node.config.pluginmanager.getplugin("dsession")
    receive = getattr(node, "process_from_remote", None)
    if dsession is None or receive is None or not callable(getattr(node, "putevent", None)):
        return False
    handlers = {name: getattr(dsession, f"worker_{name}", None) for name in (*_HELD, "runtest_protocol_complete")}
    if None in handlers.values():
        return False
    config = node.config

    def process_from_remote(eventcall: Any) -> None:
        if type(eventcall) is not tuple or eventcall[0] != _BATCH:
            return receive(eventcall)
        events = marshal.loads(eventcall[1]["events"])
        try:
            made = [(handlers[name], _received(config, name, kw)) for name, kw in events]
        except Exception:  # each event as xdist reads it, which reports what it cannot read
            for event in events:
                receive(event)
            return
        node.putevent((_BATCH, {"node": node, "events": made}))  # as notify_inproc puts, without its repr of them

    def handle(node: Any, events: list[tuple[Callable[..., None], dict[str, Any]]]) -> None:
        for handler, kw in events:
            handler(node=node, **kw)

    node.process_from_remote = process_from_remote
    setattr(dsession, f"worker_{_BATCH}", handle)
    return True


def _received(config: pytest.Config, name: str, kw: dict[str, Any]) -> dict[str, Any]:
    """The arguments xdist's controller gives the handler of event ``name`` sent with ``kw``: for a
    test report, the report made again (``process_from_remote``)."""
    if name != "testreport":
        return kw
    kw = dict(kw)
    item_index = kw.pop("item_index", None)
    rep = config.hook.pytest_report_from_serializable(config=config, data=kw["data"])
    if item_index is not None:
        rep.item_index = item_index
    return {"rep": rep}


@pytest.hookimpl(wrapper=True)
def pytest_report_to_serializable(config: pytest.Config, report: pytest.TestReport) -> Iterator[Any]:
    """Where tests run under -n, each test sends its controller three reports (setup, call and
    teardown), which execnet writes and reads an item at a time in Python, the node id, each
    keyword and each part of the location on its own. A test report with no failure text
    (``longrepr``: every passing test's) goes as one ``marshal`` string of the same fields
    instead, which both ends make in C, and the controller makes the same report of it
    (:func:`pytest_report_from_serializable`): per 6,000 reports, execnet's writing 0.43 -> 0.27
    CPU s in the workers and its reading 0.38 -> 0.20 s in the controller, which spends 0.03 s
    more making the reports (a 2,000-test file under -n 2); the controller of a 4,000-test file
    2.77 -> 2.46 CPU s (medians of 4 alternating runs). A field ``marshal`` cannot write (a
    ``user_properties`` value of a class of its own) sends the report as before."""
    data = yield
    packs = getattr(config, "workerinput", {}).get(_PACKED)
    if packs and type(report) is pytest.TestReport and report.longrepr is None:
        with contextlib.suppress(ValueError):
            return {_PACKED: marshal.dumps(data)}
    return data


@pytest.hookimpl(tryfirst=True)
def pytest_report_from_serializable(data: dict[str, Any]) -> pytest.TestReport | None:
    """In -n's controller: a report sent packed (:func:`pytest_report_to_serializable`) made as
    pytest's own hook makes it from the same fields (with no ``longrepr``, ``TestReport(**fields)``),
    pytest-xdist's own (``item_index``, ``worker_id``) added as it adds them."""
    packed = data.pop(_PACKED, None)
    if packed is None:
        return None
    return pytest.TestReport(**marshal.loads(packed), **data)


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """Where tests run, once hypothesis' plugin has ended its initialization (which warns of any
    use of .hypothesis/ before): :func:`_utf8_table`."""
    if not _controller(session.config):
        _utf8_table()


def _utf8_table() -> None:
    """hypothesis' ``st.text()`` draws the characters UTF-8 can encode, and the first use in a run
    works them out: it encodes each of the 1,114,112 code points and merges 1.1 million
    one-character intervals: about 1.0 CPU s on every fresh checkout, where its cache (.hypothesis/)
    is empty. The answer is Unicode's: every code point but the surrogates. It is written where
    hypothesis keeps it, as the same JSON hypothesis writes there itself (a hypothesis that names
    the file otherwise does not read it, and works the table out again). The same characters are
    drawn either way."""
    with contextlib.suppress(Exception):  # then hypothesis works it out, as without this
        import gzip

        from hypothesis.internal.charmap import charmap_file

        path = charmap_file("codec-v2-utf-8")
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            part = path.with_name(f"{path.name}.{os.getpid()}")
            with gzip.GzipFile(part, "wb", mtime=1) as f:
                f.write(json.dumps([UTF8_INTERVALS, []]).encode())
            os.replace(part, path)


#: glibc's tunable that backs what its malloc maps with transparent huge pages (glibc 2.35+;
#: ignored elsewhere).
HUGE_PAGES = "glibc.malloc.hugetlb=1"


def _huge_pages_for_workers() -> None:
    """The test workers -n starts (they inherit this environment) back what glibc's malloc maps
    (the vocabularies tiktoken builds, large buffers) with transparent huge pages where the kernel
    offers them on request (``madvise``). Each fork copies the parent's page table, and the child
    tears it down at its end: the test process (some 250 MB by the end of a run) forks some 900
    times (a pool's workers, each :meth:`Cli.start` and :meth:`Cli.shell` run), about 11 ms of
    system time each in 4 KB pages; a huge page is one entry for 512 of them. A
    ``GLIBC_TUNABLES`` that already says ``glibc.malloc.hugetlb`` is left as it is."""
    tunables = os.environ.get("GLIBC_TUNABLES", "")
    if "glibc.malloc.hugetlb" not in tunables:
        os.environ["GLIBC_TUNABLES"] = f"{tunables}:{HUGE_PAGES}" if tunables else HUGE_PAGES


def _hypothesis_profile() -> None:
    """Property tests are judged on their examples, not on time: under `-n auto` or on a loaded CI
    machine an example can take longer than hypothesis' 200 ms deadline, and generating data can
    trip its too-slow check, without anything being wrong. Each test's own settings still size it.
    (Loaded before the test modules are imported: their settings start from it.)"""
    from hypothesis import HealthCheck, settings

    settings.register_profile("gpt41cost", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True)
    settings.load_profile("gpt41cost")


#: The collector's thresholds a fresh interpreter starts with (a forked run gets them back).
_GC_THRESHOLDS = gc.get_threshold()
#: How many middle-generation collections the test process lets pass between two full ones (the
#: interpreter's default is 10). A full collection walks every object the process holds, the
#: collected tests and what pytest, hypothesis and the package keep: the suite made some 30 of
#: them in one process, 2-3 CPU s of its time, where the code under test made only its own garbage.
FULL_GC_EVERY = 100


@pytest.hookimpl(wrapper=True)
def pytest_collection(session: pytest.Session) -> Iterator[None]:
    """Each -n worker collects every test module, and on a fresh checkout pytest rewrites each
    module's asserts and caches the result (about 1.4 CPU s for this suite, the bulk of a cold
    collection), which the workers, importing in the same order, all did at once. Before its
    collection each worker of a whole-suite run imports the test modules starting at its own
    share of them, so it rewrites that share and mostly finds the others' already cached. The
    collection that follows is pytest's own, on modules already imported (a module that fails to
    import is left to it, which reports the error)."""
    worker = getattr(session.config, "workerinput", None)
    if worker is not None and [Path(a).resolve() for a in session.config.args] == [TESTS]:
        names = sorted(p.stem for p in TESTS.glob("test_*.py"))
        start = len(names) * int(worker["workerid"].removeprefix("gw")) // int(worker["workercount"])
        for name in names[start:] + names[:start]:
            with contextlib.suppress(Exception):
                importlib.import_module(f"tests.{name}")
    return (yield)


#: The ``threading.local`` objects there were as collection ended, when they were frozen with
#: everything else (see :func:`forks_from_threads`).
_FROZEN_LOCALS: weakref.WeakSet[Any] = weakref.WeakSet()


def pytest_collection_finish(session: pytest.Session) -> None:
    """What collecting made (the test modules, their items and what they hold) lives until the
    end of the run: no collection walks it again (see FULL_GC_EVERY)."""
    gc.collect()
    _FROZEN_LOCALS.update(o for o in gc.get_objects() if type(o) is _thread._local)
    gc.freeze()


@pytest.fixture
def forks_from_threads() -> Iterator[None]:
    """For a test whose threads fork (workers of a pool started in a thread): each forked child
    clears the state of every thread but the one that forked, the main thread's included, and so
    frees the main thread's values of every ``threading.local`` (hypothesis keeps caches of
    thousands of objects in them by the middle of a run): some 10,000 pages written, and so
    copied, per child. Held here too while the test runs, they are not freed in the children.
    The locals are those frozen as collection ended and those made since, which the collector
    still sees: nothing is unfrozen and frozen again (that froze the garbage an old collection
    would have freed, 11,000-63,000 objects a run, for the rest of the run)."""
    made = (o for o in gc.get_objects() if type(o) is _thread._local)
    kept = [local.__dict__ for local in (*_FROZEN_LOCALS, *made)]
    yield
    del kept


#: The tmpfs the tests' temporary files go to when it has room (see pytest_configure).
MEMORY_TMP = "/dev/shm"


@functools.cache
def _scratch() -> str | None:
    """Where the tests' own temporary files go: :data:`MEMORY_TMP` when ``$TMPDIR`` names no other
    place and it has room, else None (``tempfile``'s choice)."""
    return MEMORY_TMP if not os.environ.get("TMPDIR") and _roomy(MEMORY_TMP) else None


def _roomy(path: str, room: int = 1 << 30) -> bool:
    """Is ``path`` a writable directory with ``room`` bytes free (the suite writes about 100 MB)?"""
    try:
        stat = os.statvfs(path)
    except OSError:
        return False
    return os.access(path, os.W_OK) and stat.f_bavail * stat.f_frsize >= room


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Tests never depend on today's date: every run is dated TEST_DATE unless it says otherwise.
    Nor on the terminal they run in: no $COLUMNS or $LINES (pytest-xdist's workers set 80x24), so
    tables keep whole lines unless a test gives a width. Set as each test starts, before any of its
    fixtures (a test changes them through ``monkeypatch``, which puts them back as it ends), in
    place of an autouse fixture: two fixtures (it and the ``monkeypatch`` it used) set up and torn
    down for every test.

    A test marked ``needs_fork`` reads a file on several processes (readers/pool.py): on one core
    or without fork there are none, and it is reported skipped."""
    os.environ["GPT41COST_AS_OF"] = TEST_DATE
    os.environ.pop("COLUMNS", None)
    os.environ.pop("LINES", None)
    if item.get_closest_marker("needs_fork") is not None:
        from gpt41cost.readers import pool

        if not pool.forks():
            pytest.skip("one core or no fork: no reading processes")


@pytest.fixture
def small_ranges(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """``small_ranges()``: from then on every request file of 2 KB or more is read by the
    processes, in ranges of about 2 KB."""

    def use() -> None:
        from gpt41cost.readers import pool

        monkeypatch.setattr(pool, "MIN_BYTES", 2048)
        monkeypatch.setattr(pool, "RANGE_BYTES", 2048)

    return use


@pytest.fixture
def small_usage_ranges(monkeypatch: pytest.MonkeyPatch) -> Callable[[Path], None]:
    """From then on every plain usage log is read as one over the package's size threshold (8 MiB)
    is, by several processes, in ranges of 8 KB: a log of a few hundred lines makes some 20 of
    them, where one over the threshold had to be written for a test (40,000-70,000 lines, 3 ranges
    of 4 MiB). ``small_usage_ranges(path)`` after the read: it was read so, in more than 10 ranges."""
    import functools

    from gpt41cost.readers import usage as ru

    scans: list[int] = []
    scan = ru._scan_parallel
    monkeypatch.setattr(ru, "read_usage", functools.partial(ru.read_usage, parallel_min_bytes=0))
    monkeypatch.setattr(ru, "RANGE_BYTES", 8192)
    monkeypatch.setattr(ru, "_scan_parallel", lambda *a, **kw: scans.append(1) or scan(*a, **kw))

    def check(path: Path) -> None:
        assert scans and len(ru._ranges(str(path), 0, path.stat().st_size, 2)) > 10

    return check


def model(doc: Mapping[str, Any], name: str) -> Any:
    """The figures of model ``name`` in a report's ``--format json`` document."""
    return next(m for m in doc["models"] if m["model"] == name)


def spend_log(path: Path, rows: Sequence[Mapping[str, object]]) -> Path:
    """A LiteLLM spend log at ``path``: one row per entry of ``rows`` (its keys over the defaults),
    each 1,000 input and 100 output tokens ($0.0028) on 2025-12-06."""
    path.write_text(
        "".join(
            json.dumps(
                {"request_id": f"r{i}", "prompt_tokens": 1000, "completion_tokens": 100, "spend": 0.0028}
                | {"startTime": "2025-12-06T10:00:00Z", "cache_hit": "False"}
                | dict(row)
            )
            + "\n"
            for i, row in enumerate(rows)
        )
    )
    return path


def chat_response(rid: str, model: str, created: int, prompt: int = 1200, cached: int = 1024, out: int = 300) -> str:
    """One Chat Completions response as a log line (``json.dumps``): ``prompt`` input tokens, of
    them ``cached``, and ``out`` output tokens."""
    return json.dumps(
        {
            "id": rid,
            "object": "chat.completion",
            "created": created,
            "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": out,
                "total_tokens": prompt + out,
                "prompt_tokens_details": {"cached_tokens": cached},
            },
        }
    )


def fixture_doc() -> Any:
    """The test catalog (:data:`DATA` / pricing-fixture.yaml) as ``yaml.safe_load`` reads it, a
    copy of its own at each call (tests edit it into bad or dated catalogs): parsed once per
    process, as PyYAML's pure-Python parse takes about 11 ms a time, a deep copy 0.1 ms."""
    return copy.deepcopy(_fixture_yaml())


def dump_yaml(doc: Any, **kw: Any) -> str:
    """``yaml.safe_dump(doc, **kw)`` written by libyaml's emitter where PyYAML has it (the same
    text for every document the tests write, checked over a whole run; 1.2 ms against 5.3 ms for
    the test catalog)."""
    import yaml

    return str(yaml.dump(doc, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), **kw))


@functools.cache
def _fixture_yaml() -> Any:
    import yaml

    return yaml.safe_load((DATA / "pricing-fixture.yaml").read_text())


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """A frozen copy of the catalog: tests that check arithmetic must not move when prices change."""
    from gpt41cost.catalog import load_catalog

    return load_catalog(DATA / "pricing-fixture.yaml")


@pytest.fixture(scope="session")
def shipped_catalog() -> Catalog:
    from gpt41cost.catalog import load_catalog

    return load_catalog(ROOT / "gpt41cost" / "pricing.yaml")


@dataclass(frozen=True)
class Run:
    """One ``gpt41cost`` run: what a caller of the program sees."""

    exit_code: int
    stdout: str
    stderr: str
    output: str  # stdout and stderr as a terminal shows them, interleaved in the order written

    @classmethod
    def of_process(cls, done: subprocess.CompletedProcess[bytes]) -> Run:
        """The same view of a run in a process of its own (stdout and stderr captured apart)."""
        out, err = (b.decode("utf-8", "replace") if b else "" for b in (done.stdout, done.stderr))
        return cls(done.returncode, out, err, err + out)

    def json(self, code: int | None = None) -> Any:
        """stdout parsed as JSON (with ``code``, once the exit code is checked)."""
        assert code is None or self.exit_code == code, self.stderr
        try:
            return json.loads(self.stdout)
        except ValueError:
            message = f"exit {self.exit_code}, stdout is not JSON: {self.stdout[:200]!r} {self.stderr}"
            raise AssertionError(message) from None


Arg = str | PathLike[str] | int


class Cli:
    """Runs the program's entry point (``gpt41cost.cli.main``, which the ``gpt41cost`` script's
    ``gpt41cost.cli:run`` calls) in this process, with stdin, stdout, stderr and the environment of its own. An
    exception the program lets escape fails the test with its traceback, as it would print one."""

    def __init__(self, head: tuple[str, ...] = (), tail: tuple[str, ...] = ()) -> None:
        self.head, self.tail = head, tail

    def __call__(
        self,
        *args: Arg | Sequence[Arg],
        input: str | bytes | None = None,
        env: Mapping[str, str | None] | None = None,
        expect: int | tuple[int, ...] | None = None,
        encoding: str = "utf-8",
    ) -> Run:
        """``gpt41cost ARGS`` (each argument a string, path or number, or a list of them); with
        ``expect``, the exit code (or one of them) the run must end with; ``encoding`` is that of
        the standard streams (an ASCII or Latin-1 terminal)."""
        from typer.testing import CliRunner

        from gpt41cost.cli import main

        argv = [*self.head, *(str(a) for arg in args for a in _flat(arg)), *self.tail]
        sigterm = signal.getsignal(signal.SIGTERM)  # main() installs its own handler: keep pytest's
        try:
            with CliRunner(charset=encoding).isolation(input=input, env=env) as (out, err, both):
                try:
                    main(argv)
                    code = 0
                except SystemExit as exc:
                    code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
                finally:
                    sys.stdout.flush()
                    sys.stderr.flush()
                run = Run(code, *(_text(stream, encoding) for stream in (out, err, both)))
        finally:
            signal.signal(signal.SIGTERM, sigterm)
        if expect is not None:
            assert run.exit_code in ((expect,) if isinstance(expect, int) else expect), run.stderr
        return run

    def start(
        self,
        *args: Arg | Sequence[Arg],
        script: str | None = None,
        stdin: Any = subprocess.DEVNULL,
        stdout: Any = subprocess.PIPE,
        stderr: Any = subprocess.PIPE,
        close: int | None = None,
        real: bool = False,
    ) -> subprocess.Popen[bytes]:
        """``gpt41cost ARGS`` (or ``python -c SCRIPT ARGS``) in a process of its own, from the
        repository root, under the memory limit (:func:`process_limits`): for what only a process
        shows (signals, closed or full streams, killed workers, a hang or a memory blow-up stopped
        by the limits). The environment is the test's (its pinned date).

        The process is a fork of this one (:class:`_Forked`), which has the package imported and
        the vocabulary loaded: the run is what ``python -m gpt41cost`` runs, in a process with its
        own pid, streams, signals and limits, without Python's start-up. ``real`` starts the
        interpreter instead, for what only its start-up shows (standard streams closed before
        Python makes ``sys.stdin``, ``sys.stdout`` and ``sys.stderr``)."""
        head = ["-c", script] if script is not None else ["-m", "gpt41cost"]
        argv = [*self.head, *(str(a) for arg in args for a in _flat(arg)), *self.tail]
        popen = subprocess.Popen if real else _Forked
        return popen(
            [sys.executable, *head, *argv],
            stdin=stdin,
            stdout=stdout,
            stderr=stderr,
            preexec_fn=process_limits(close),
            cwd=ROOT,
        )

    def process(self, *args: Arg | Sequence[Arg], **kw: Any) -> Run:
        """:meth:`start`, then wait for the end (at most TIMEOUT_S, then it is killed and the test fails)."""
        with self.start(*args, **kw) as p:
            try:
                out, err = p.communicate(timeout=TIMEOUT_S)
            except subprocess.TimeoutExpired:
                p.kill()
                raise
        return Run.of_process(subprocess.CompletedProcess(p.args, p.returncode, out, err))

    def shell(self, command: str, env: Mapping[str, str]) -> str:
        """``bash -c COMMAND`` from the repository root in ``env``, stdout and stderr merged as a
        terminal shows them (a README example), where each ``gpt41cost`` the command line starts is
        a fork of this process running the installed script's entry point (``gpt41cost.cli:run``,
        which ends the process as the interpreter would) with that process's arguments,
        environment, directory and standard streams, exit code and all: pipes, ``$?`` and
        redirections are bash's own (the ``gpt41cost`` bash finds on PATH is a script, :data:`_SHIM`,
        that asks this process for its run and ends as the run ends). What a fork does not pay is
        Python's start-up and the vocabulary load, which tests/test_readme.py still proves with
        examples run as real processes."""
        _warm()
        with tempfile.TemporaryDirectory(dir=_scratch()) as tmp, socket.socket(socket.AF_INET) as server:
            shim = Path(tmp, "gpt41cost")
            shim.write_text(_SHIM, encoding="utf-8")
            shim.chmod(0o755)
            server.bind(("127.0.0.1", 0))
            server.listen(8)
            port = str(server.getsockname()[1])
            env = {**env, "PATH": f"{tmp}{os.pathsep}{env.get('PATH', '')}", _SERVER: port}
            with tempfile.TemporaryFile(dir=_scratch()) as out:
                bash = subprocess.Popen(
                    ["/bin/bash", "-c", command], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
                )
                _serve(server, bash, shim)
                out.seek(0)
                return out.read().decode("utf-8", "replace")

    def json(self, *args: Arg | Sequence[Arg], code: int = 0, **kw: Any) -> Any:
        """The ``--format json`` document of a run that exits ``code`` (``-f json`` is added)."""
        run = self(*args, "-f", "json", **kw)
        assert run.exit_code == code, run.stderr
        return run.json()

    def bound(self, *head: str, tail: Sequence[str] = ()) -> Cli:
        """The same runner with arguments put before and after each run's own."""
        return Cli((*self.head, *head), (*tuple(tail), *self.tail))


#: The environment variable that tells the ``gpt41cost`` of :meth:`Cli.shell` where to ask for its
#: run: the port on 127.0.0.1 the test process listens on (the shim is bash, whose ``/dev/tcp`` is TCP).
_SERVER = "GPT41COST_TEST_FORK_SERVER"
#: The shim's copy of its stdin is this descriptor, of its stdout and stderr the next two.
_STREAM_COPY = 5
#: That ``gpt41cost``: it keeps a copy of each standard stream it was started with as descriptors
#: 5-7 (bash changes 0-2 for the moment a command's redirection lasts, its own ``>&3`` included; and
#: started without a stderr but with the others, it reads this script through descriptor 2) and
#: tells the test process its pid; the test process forks a run of the entry point on the arguments,
#: environment and directory /proc shows of it and on those streams, which it takes with
#: ``pidfd_getfd`` (:func:`_asked`); the shim ends as that run ends, with its exit code, or by the
#: signal that ended it (a signal bash keeps to itself, SIGQUIT, with the status a shell shows for
#: it, 128 + N). A bash script, not Python, which took 11.6 CPU ms to start with ``-IS`` and four C
#: modules where bash takes 1.6 (100 starts each): a ``Cli.shell("gpt41cost --version")`` 41 -> 28
#: CPU ms of child processes, tests/test_readme.py and test_fixI15.py (27 of them) 4.46 -> 4.09 CPU
#: s (medians of 3 and 7 alternating runs).
_SHIM = f"""#!/bin/bash
[ -e /dev/fd/0 ] && ! [ /dev/fd/0 -ef "$0" ] && exec {_STREAM_COPY}<&0
[ -e /dev/fd/1 ] && ! [ /dev/fd/1 -ef "$0" ] && exec {_STREAM_COPY + 1}>&1
[ -e /dev/fd/2 ] && ! [ /dev/fd/2 -ef "$0" ] && exec {_STREAM_COPY + 2}>&2
exec 3<>"/dev/tcp/127.0.0.1/${_SERVER}" && echo "$$" >&3 && read -r -u 3 code || exit 1
if ((code < 0)); then trap - $((-code)); kill -n $((-code)) $$; exit $((128 - code)); fi
exit "$code"
"""
#: The warning filters a fresh CPython 3.11 starts with, before -W and PYTHONWARNINGS.
_WARNING_DEFAULTS = (
    ("default", DeprecationWarning, "__main__"),
    ("ignore", DeprecationWarning, ""),
    ("ignore", PendingDeprecationWarning, ""),
    ("ignore", ImportWarning, ""),
    ("ignore", ResourceWarning, ""),
)


@functools.cache
def _warm() -> None:
    """Every module of the package imported, the vocabulary loaded and the code of ``warnings``
    read (:func:`_fresh_warnings`), once in this process: every fork (:meth:`Cli.shell`,
    :meth:`Cli.start`) has them."""
    import pkgutil

    import gpt41cost

    for module in pkgutil.walk_packages(gpt41cost.__path__, "gpt41cost."):
        if module.name != "gpt41cost.__main__":  # which runs the program
            importlib.import_module(module.name)
    gpt41cost.count_tokens("warm")
    _warnings_code()


def _serve(server: socket.socket, bash: subprocess.Popen[bytes], shim: Path) -> None:
    """Fork one run of the entry point for each ``gpt41cost`` (``shim``) that asks, until ``bash``
    ends; each asker gets its run's exit code (or minus the signal that ended it)."""
    runs: dict[int, tuple[int, socket.socket]] = {}  # a run's pidfd: its pid, the asker
    done = os.pidfd_open(bash.pid)
    deadline = time.monotonic() + TIMEOUT_S
    try:
        while True:
            ready, _, _ = select.select([server, done, *runs], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                raise AssertionError(f"the command line did not end in {TIMEOUT_S} s")
            if server in ready:
                conn, _ = server.accept()
                request, fds = _asked(conn, shim)
                pid = os.fork()
                if pid == 0:  # what the asker's process would not hold: the server's own ends
                    for held in (server, conn, *(c for _, c in runs.values())):
                        held.close()
                    for fd in (done, *runs):
                        os.close(fd)
                    _forked_run(request, fds)
                for fd in fds:
                    os.close(fd)
                runs[os.pidfd_open(pid)] = (pid, conn)
            for fd in [fd for fd in runs if fd in ready]:
                pid, conn = runs.pop(fd)
                os.close(fd)
                code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
                conn.sendall(f"{code}\n".encode())
                conn.close()
            if done in ready and not runs:
                bash.wait()
                return
    finally:
        for pid, conn in runs.values():
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            conn.close()
        for fd in runs:
            os.close(fd)
        os.close(done)
        if bash.poll() is None:
            bash.kill()
            bash.wait()


def _asked(conn: socket.socket, shim: Path) -> tuple[dict[str, Any], list[int]]:
    """The run the ``shim`` process that connected asks for: its arguments (``sys.argv``: the
    script's path, then its own), environment and directory, as /proc shows them, and the standard
    streams it was started with, the same open files (``pidfd_getfd`` of its copies; one it was
    started without is left out)."""
    line = b""
    while not line.endswith(b"\n") and (chunk := conn.recv(64)):
        line += chunk
    pid = int(line)
    proc = Path(f"/proc/{pid}")
    argv = [os.fsdecode(a) for a in (proc / "cmdline").read_bytes().split(b"\0")[1:-1]]  # bash's own first
    assert argv[:1] == [str(shim)], f"a process other than the shim asked for a run: {argv}"
    env = dict(os.fsdecode(e).partition("=")[::2] for e in (proc / "environ").read_bytes().split(b"\0") if b"=" in e)
    env.pop(_SERVER)
    streams, fds = [], []
    pidfd = os.pidfd_open(pid)
    try:
        for stream in (0, 1, 2):
            if (fd := _pidfd_getfd(pidfd, _STREAM_COPY + stream)) is not None:
                streams.append(stream)
                fds.append(fd)
    finally:
        os.close(pidfd)
    return {"argv": argv, "cwd": os.readlink(proc / "cwd"), "env": env, "streams": streams}, fds


def _pidfd_getfd(pidfd: int, fd: int) -> int | None:
    """A descriptor of this process for the open file that is descriptor ``fd`` of the process of
    ``pidfd`` (Linux 5.6's ``pidfd_getfd``, which Python 3.11 does not wrap), or None where that
    process has no such descriptor."""
    import ctypes
    import errno

    got = int(_libc().syscall(_PIDFD_GETFD, pidfd, fd, 0))
    if got >= 0:
        return got
    if (err := ctypes.get_errno()) == errno.EBADF:
        return None
    raise OSError(err, os.strerror(err))


@functools.cache
def _libc() -> Any:
    import ctypes

    return ctypes.CDLL(None, use_errno=True)


#: ``pidfd_getfd``'s system call number (the same on every Linux architecture).
_PIDFD_GETFD = 438


def _forked_run(request: dict[str, Any], fds: list[int]) -> NoReturn:
    """In the forked child: become the process that asked (its standard streams, directory,
    environment and arguments), then run the installed script's entry point (:func:`_run_as_main`)."""
    try:
        for stream in (0, 1, 2):
            if stream in request["streams"]:
                fd = fds[request["streams"].index(stream)]
                os.dup2(fd, stream)
                os.close(fd)
            else:  # the asker's was closed
                os.close(stream)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.argv = request["argv"]
    except BaseException:
        os._exit(1)
    _run_as_main(None)


def _run_as_main(script: str | None) -> NoReturn:
    """In a forked child whose descriptors, directory, environment and ``sys.argv`` are those of
    the run: the interpreter state a fresh ``python`` has (standard streams made from descriptors
    0-2, warnings, signal and exception hooks), then ``SCRIPT`` as ``python -c`` runs it, or the
    installed script's entry point ``gpt41cost.cli:run`` (what ``python -m gpt41cost`` runs too),
    which ends the process itself as it ends a real one (threads, exit functions, flushes and all):
    a hang or a lost flush at the end shows here as it would. What follows is the interpreter's
    end for what it leaves: a traceback for an exception let through, then the same end
    :func:`gpt41cost.cli.finish` gives ``run`` (threading's exit hooks, the other threads joined,
    exit functions, streams flushed; 120 when a flush fails); a KeyboardInterrupt left unhandled
    ends the process by SIGINT."""
    import faulthandler
    import types

    from gpt41cost.cli import exit_code, finish, run

    code = 1
    try:
        gc.freeze()  # this process's own objects are not the run's: no collection walks (and copies) them
        gc.set_threshold(*_GC_THRESHOLDS)  # the run collects as a fresh interpreter does
        atexit._clear()
        faulthandler.disable()
        _fresh_warnings()
        _fresh_signals()
        sys.excepthook, sys.unraisablehook = sys.__excepthook__, sys.__unraisablehook__
        threading.excepthook = threading.__excepthook__
        sys.stdin, sys.stdout, sys.stderr = sys.__stdin__, sys.__stdout__, sys.__stderr__ = _streams()
        interrupted = False
        try:
            if script is None:
                run()
            else:
                module = types.ModuleType("__main__")
                sys.modules["__main__"] = module
                exec(compile(script, "<string>", "exec"), module.__dict__)
            code = 0
        except SystemExit as exc:
            code = exit_code(exc)
        except KeyboardInterrupt:
            if sys.stderr is not None:
                traceback.print_exc()
            interrupted = True
        except BaseException:
            if sys.stderr is not None:
                traceback.print_exc()
        code = finish(code)  # the end run() gives the installed script, for a script too
        if interrupted:
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGINT)
    finally:
        os._exit(code)


class _Forked(subprocess.Popen[bytes]):
    """A :class:`subprocess.Popen` whose child is a fork of this process running ``python -m
    gpt41cost ARGS`` or ``python -c SCRIPT ARGS`` (the ``args`` given) in the state a fresh
    interpreter has (:func:`_run_as_main`), instead of a new interpreter: the child gets the pipes,
    directory and ``preexec_fn`` as ``Popen`` gives them, and no other descriptor of this
    process; waiting, signals, ``communicate`` and the exit status are ``Popen``'s own."""

    def _execute_child(  # type: ignore[override]
        self,
        args: list[str],
        executable: Any,
        preexec_fn: Callable[[], None] | None,
        close_fds: bool,
        pass_fds: Any,
        cwd: Any,
        env: Any,
        startupinfo: Any,
        creationflags: int,
        shell: bool,
        p2cread: int,
        p2cwrite: int,
        c2pread: int,
        c2pwrite: int,
        errread: int,
        errwrite: int,
        *rest: Any,
    ) -> None:
        assert args[1] in ("-m", "-c") and env is None and not shell, args
        script = args[2] if args[1] == "-c" else None
        argv = ["-c", *args[3:]] if script is not None else [str(ROOT / "gpt41cost" / "__main__.py"), *args[3:]]
        _warm()
        pid = os.fork()
        if pid == 0:
            try:
                ends = [(p2cread, 0), (c2pwrite, 1), (errwrite, 2)]
                kept = {fd: os.dup(fd) for fd, _ in ends if fd != -1}  # a pipe end may already sit on 0-2
                for fd, std in ends:
                    if fd != -1:
                        os.dup2(kept[fd], std)
                os.closerange(3, resource.getrlimit(resource.RLIMIT_NOFILE)[0])
                if cwd is not None:
                    os.chdir(cwd)
                sys.argv = argv
                if preexec_fn is not None:
                    preexec_fn()
            except BaseException:
                os._exit(1)
            _run_as_main(script)
        self.pid = pid
        self._child_created = True
        self._close_pipe_fds(p2cread, p2cwrite, c2pread, c2pwrite, errread, errwrite)  # type: ignore[attr-defined]


def _fresh_signals() -> None:
    """Signal handlers as a fresh interpreter has them: the default action for each, but Python's
    own KeyboardInterrupt on SIGINT and SIGPIPE and SIGXFSZ ignored (this process's test runner
    may have handlers of its own)."""
    for sig in signal.valid_signals():
        if sig not in (signal.SIGKILL, signal.SIGSTOP):
            with contextlib.suppress(OSError, ValueError):  # one the system keeps to itself
                signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


@functools.cache
def _warnings_code() -> Any:
    """The compiled code of the ``warnings`` module, as its import ran it (read once, in the test
    process, before it forks)."""
    spec = warnings.__spec__
    assert spec is not None and spec.loader is not None
    return spec.loader.get_code(spec.name)  # type: ignore[attr-defined]


def _fresh_warnings() -> None:
    """Warnings as a fresh interpreter shows them (a test records them instead): the module's own
    printer, the default filters, then PYTHONWARNINGS. The module's code is run again over it, as
    ``importlib.reload`` does, from the code read before the fork: a reload in each forked run
    found, read and unmarshalled the module first (about 2 CPU ms of a forked ``--version``'s 8)."""
    exec(_warnings_code(), warnings.__dict__)
    warnings.resetwarnings()
    for action, category, module in _WARNING_DEFAULTS:
        warnings.filterwarnings(action, category=category, module=module, append=True)  # type: ignore[arg-type]
    options = [o for o in os.environ.get("PYTHONWARNINGS", "").split(",") if o]
    warnings._processoptions(options)  # type: ignore[attr-defined]


def _streams() -> tuple[io.TextIOWrapper | None, ...]:
    """stdin, stdout and stderr over descriptors 0-2 as CPython makes them at start-up, from
    PYTHONIOENCODING, PYTHONUNBUFFERED and the locale of the environment (None where closed)."""
    encoding, _, errors = os.environ.get("PYTHONIOENCODING", "").partition(":")
    encoding = encoding or locale.getencoding()
    c_locale = sys.flags.utf8_mode or locale.setlocale(locale.LC_CTYPE) in ("C", "POSIX")
    errors = errors or ("surrogateescape" if c_locale else "strict")
    unbuffered = bool(os.environ.get("PYTHONUNBUFFERED"))

    def stream(fd: int, mode: str, errors: str) -> io.TextIOWrapper | None:
        writing = mode == "w"
        try:
            os.fstat(fd)
        except OSError:
            return None
        buffered = open(fd, mode + "b", buffering=0 if writing and unbuffered else -1, closefd=False)  # noqa: SIM115
        tty = os.isatty(fd)
        return io.TextIOWrapper(
            buffered,  # type: ignore[arg-type]
            encoding=encoding,
            errors=errors,
            newline="\n",
            line_buffering=writing and (tty or fd == 2),
            write_through=writing and unbuffered,
        )

    return stream(0, "r", errors), stream(1, "w", errors), stream(2, "w", "backslashreplace")


def _flat(arg: Arg | Sequence[Arg]) -> Iterator[Arg]:
    if isinstance(arg, (list, tuple)):
        yield from arg
    else:
        yield arg  # type: ignore[misc]


def _text(stream: Any, encoding: str) -> str:
    return stream.getvalue().decode(encoding, "replace").replace("\r\n", "\n")


@pytest.fixture
def cli() -> Cli:
    """``cli(*args, input=None, env=None)`` runs ``gpt41cost ARGS``; see :class:`Cli`."""
    return Cli()
