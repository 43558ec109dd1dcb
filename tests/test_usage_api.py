"""`usage --from-api` against a fake Usage/Costs API on 127.0.0.1: pagination, grouping, retries,
every error, the key never shown, --save and the offline rerun. No test touches the network."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import orjson
import pytest

from gpt41cost.errors import ApiError, ExitCode
from gpt41cost.openai_http import OpenAIClient, redact
from gpt41cost.readers.usage import read_usage
from gpt41cost.usage import day_label
from gpt41cost.usage_api import fetch_usage, period
from tests.fake_openai import FakeOpenAI, load_buckets, serving

ROOT = Path(__file__).parent.parent
SAMPLES = ROOT / "samples" / "bill-2026-11"
USAGE_PAGES = sorted(str(p) for p in (SAMPLES / "completions").glob("page-*.json"))
COST_PAGES = sorted(str(p) for p in (SAMPLES / "costs").glob("page-*.json"))
FIXTURE_CATALOG = str(Path(__file__).parent / "data" / "pricing-fixture.yaml")
KEY = "sk-admin-test-KEY-0123456789"
NOV = ("--since", "2026-11-01", "--until", "2026-11-30")


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with serving(FakeOpenAI(load_buckets(*USAGE_PAGES), load_buckets(*COST_PAGES), key=KEY)) as f:
        yield f


def _api(cli, fake: FakeOpenAI, *args: str, key: str | None = KEY, **env: str):
    environ = {"OPENAI_ADMIN_KEY": key, "OPENAI_BASE_URL": None, **env}
    return cli(
        ["usage", "--from-api", "--base-url", fake.url, "--backoff", "0", "--pricing", FIXTURE_CATALOG, *args],
        env=environ,
    )


TOTAL_KEYS = ("requests", "input_tokens", "cached_input_tokens", "output_tokens", "total_usd")


def _totals(doc: dict) -> dict:
    return {k: doc[k] for k in TOTAL_KEYS} | {"by_day": [(d["day"], d["cost_usd"]) for d in doc["by_day"]]}


def test_from_api_equals_saved_pages_and_shipped_samples(cli, fake, tmp_path):
    """Done when: --from-api for November gives the same totals as usage on the saved pages."""
    got = _api(cli, fake, *NOV, "--save", str(tmp_path / "bill"), "--format", "json").json(code=0)
    saved = sorted((tmp_path / "bill" / "completions").glob("page-*.json"))
    offline = cli(
        "usage", "--pricing", FIXTURE_CATALOG, str(tmp_path / "bill" / "completions"), "--format", "json"
    ).json(code=0)
    shipped = cli("usage", "--pricing", FIXTURE_CATALOG, str(SAMPLES / "completions"), "--format", "json").json(code=0)
    assert _totals(got) == _totals(offline) == _totals(shipped)
    assert got["requests"] == 119_235
    assert len(got["by_day"]) == 30
    # limit=31 daily buckets a page: November is one page from this server
    assert len(saved) == 1


def test_pagination_follows_next_page(cli, tmp_path):
    with serving(FakeOpenAI(load_buckets(*USAGE_PAGES), key=KEY, page_size=4)) as fake:
        got = _api(cli, fake, *NOV, "--save", str(tmp_path), "--format", "json").json(code=0)
    pages = sorted((tmp_path / "completions").glob("page-*.json"))
    assert len(pages) == 8  # 30 days, 4 a page
    cursors = [r["query"].get("page", [None])[0] for r in fake.requests]
    assert cursors == [None, "cursor_4", "cursor_8", "cursor_12", "cursor_16", "cursor_20", "cursor_24", "cursor_28"]
    assert got["requests"] == 119_235


def test_query_names_period_groups_and_projects(cli, fake):
    r = _api(cli, fake, *NOV, "--group-by", "project_id", "--project", "proj_search", "--format", "json")
    doc = r.json(code=0)
    q = fake.requests[0]["query"]
    assert fake.requests[0]["path"] == "/v1/organization/usage/completions"
    assert q["start_time"] == ["1793491200"]  # 2026-11-01T00:00Z
    assert q["end_time"] == ["1796083200"]  # 2026-12-01T00:00Z, exclusive
    assert q["bucket_width"] == ["1d"]
    assert q["group_by"] == ["model", "batch", "service_tier", "project_id"]
    assert q["project_ids"] == ["proj_search"]
    assert [p["project_id"] for p in doc["by_project"]] == ["proj_search"]
    assert [m["model"] for m in doc["models"]] == ["gpt-4.1-mini"]


def test_grouping_without_project_leaves_it_out(cli, fake):
    doc = _api(cli, fake, *NOV, "--format", "json").json(code=0)
    assert doc["by_project"] == []
    assert fake.requests[0]["query"]["group_by"] == ["model", "batch", "service_tier"]
    doc2 = _api(cli, fake, *NOV, "--group-by", "project_id", "--format", "json").json(code=0)
    assert {p["project_id"] for p in doc2["by_project"]} == {"proj_support", "proj_search"}
    assert doc2["total_usd"] == doc["total_usd"]


def test_costs_fetched_saved_and_reconciled(cli, fake, tmp_path):
    got = _api(cli, fake, *NOV, "--costs", "--save", str(tmp_path), "--format", "json").json(code=0)
    costs_req = [r for r in fake.requests if r["path"] == "/v1/organization/costs"]
    assert costs_req and costs_req[0]["query"]["group_by"] == ["line_item"]
    assert len(list((tmp_path / "costs").glob("page-*.json"))) == 1
    offline = cli.json(
        "usage", "--pricing", FIXTURE_CATALOG, str(tmp_path / "completions"), "--billed", str(tmp_path / "costs")
    )
    assert got["reconciliation"] == offline["reconciliation"]
    assert got["reconciliation"]["flagged"] == 2


def test_retries_on_429_and_5xx_then_succeeds(cli, fake):
    fake.fail = [429, 503, 500, 502]
    doc = _api(cli, fake, *NOV, "--format", "json").json(code=0)
    assert doc["requests"] == 119_235
    assert len(fake.requests) == 5


def test_gives_up_after_retries(cli, fake):
    fake.fail = [503] * 10
    r = _api(cli, fake, *NOV, "--retries", "2")
    assert r.exit_code == ExitCode.API
    assert r.stdout == ""
    assert r.stderr.strip().splitlines() == [
        "gpt41cost: error: GET /organization/usage/completions: 503 server error: fake 503; gave up after 2 "
        "retries, try again later"
    ]
    assert len(fake.requests) == 3


def test_no_retry_on_other_4xx(cli, fake):
    fake.fail = [400]
    r = _api(cli, fake, *NOV)
    assert r.exit_code == ExitCode.API
    assert "HTTP 400" in r.stderr
    assert len(fake.requests) == 1


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        pytest.param(None, "OPENAI_ADMIN_KEY is not set: export an OpenAI key in OPENAI_ADMIN_KEY", id="missing"),
        pytest.param("", "OPENAI_ADMIN_KEY is not set", id="empty"),
        pytest.param("sk-admin-wrong-key-999999", "401 unauthorized", id="wrong-401"),
        pytest.param("sk-proj-not-an-admin-key-000", "403 forbidden", id="not-admin-403"),
        pytest.param("sk admin with spaces", "holds spaces or characters no key has", id="garbage"),
    ],
)
def test_key_errors_are_one_line_and_never_show_the_key(cli, fake, key, expected):
    r = _api(cli, fake, *NOV, key=key)
    assert r.exit_code == ExitCode.API, r.stderr
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], lines
    if key:
        assert key not in r.stderr
        assert key[-4:] + "." not in r.stderr  # OpenAI's 401 echoes the key's ends: masked too
    assert "Traceback" not in r.stderr


def test_network_failure_is_one_line(cli):
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    r = cli(
        ["usage", "--from-api", *NOV, "--base-url", f"http://127.0.0.1:{port}/v1", "--retries", "1", "--backoff", "0"],
        env={"OPENAI_ADMIN_KEY": KEY},
    )
    assert r.exit_code == ExitCode.API
    assert r.stdout == ""
    (line,) = r.stderr.strip().splitlines()
    assert line.startswith(f"gpt41cost: error: GET /organization/usage/completions: cannot reach 127.0.0.1:{port}")
    assert "after 1 retries; check the network or --base-url" in line
    assert KEY not in line


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        pytest.param("html", "the answer (200) is not JSON: '<html><body>proxy login", id="html"),
        pytest.param(
            "no-data", "page 1: malformed page: expected an object with object: page and a data list", id="no-data"
        ),
        pytest.param("bad-bucket", "page 1: malformed page: data[0] is not a bucket", id="bad-bucket"),
        pytest.param("loop", "next_page repeats an earlier cursor; the pages never end", id="cursor-loop"),
        pytest.param(
            "data-twice",
            'page 1: malformed page: "data" appears twice in one object; which one to price is unclear: '
            "check --base-url",
            id="data-twice",
        ),
        pytest.param(
            "bad-result",
            "page 1: malformed page: data[0].results[0]: input_tokens is not a token or request count",
            id="bad-result",
        ),
        pytest.param(
            "bad-amount",
            "GET /organization/costs page 1: malformed page: data[0].results[0]: amount.value is not a number",
            id="bad-amount",
        ),
    ],
)
def test_malformed_page_is_one_line(cli, fake, mode, expected):
    fake.malformed = mode
    if mode == "loop":
        fake.page_size = 4
    r = _api(cli, fake, *NOV, "--costs")
    assert r.exit_code == ExitCode.API
    assert r.stdout == ""
    (line,) = r.stderr.strip().splitlines()
    assert expected in line


def test_base_url_from_environment(cli, fake):
    r = cli(
        ["usage", "--from-api", *NOV, "--pricing", FIXTURE_CATALOG, "--format", "json"],
        env={"OPENAI_ADMIN_KEY": KEY, "OPENAI_BASE_URL": fake.url},
    )
    assert r.json(code=0)["requests"] == 119_235


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(("--from-api", "--since", "2026-11-01"), "--from-api needs --until", id="no-until"),
        pytest.param(
            ("--from-api", "--since", "2026-11-31", "--until", "2026-12-01"), "--since '2026-11-31'", id="bad-date"
        ),
        pytest.param(
            ("--from-api", "--since", "2026-11-30", "--until", "2026-11-01"), "is before --since", id="reversed"
        ),
        pytest.param(("--from-api", *NOV, "--group-by", "colour"), "--group-by 'colour': use one of", id="group"),
        pytest.param(("--since", "2026-11-01", "x.jsonl"), "--since works with --from-api only", id="no-from-api"),
        pytest.param(("--from-api", *NOV, "x.jsonl"), "--from-api reads the API, not files", id="paths-too"),
        pytest.param((), "give usage files or directories", id="nothing"),
        pytest.param(("--from-api", *NOV, "--base-url", "ftp://x"), "--base-url 'ftp://x': use an http", id="url"),
    ],
)
def test_bad_flags(cli, args, expected):
    r = cli(["usage", *args], env={"OPENAI_ADMIN_KEY": KEY})
    assert r.exit_code == ExitCode.USAGE, r.stderr
    assert expected in r.stderr
    assert r.stdout == ""


def test_save_refuses_a_folder_with_pages(cli, fake, tmp_path):
    _api(cli, fake, *NOV, "--save", str(tmp_path), "--format", "json").json(code=0)
    r = _api(cli, fake, *NOV, "--save", str(tmp_path))
    assert r.exit_code == ExitCode.INPUT
    assert "already holds saved pages" in r.stderr


def test_equivalent_request_logs_price_the_same(cli, tmp_path):
    """Pages built from the shipped request logs (chat, Responses, Batch output) give the totals
    `usage` gives on the logs themselves."""
    logs = [
        str(ROOT / "samples" / "usage" / n) for n in ("chat-completions.jsonl", "responses.jsonl", "batch_output.jsonl")
    ]
    acc = read_usage(logs, jobs=1)
    buckets: dict[int, list[dict]] = {}
    for (model, batch, tier, day, project, user, api_key), (n, i, c, o) in acc.groups.items():
        assert day is not None
        buckets.setdefault(day, []).append(
            {
                "object": "organization.usage.completions.result",
                "input_tokens": i,
                "output_tokens": o,
                "input_cached_tokens": c,
                "num_model_requests": n,
                "project_id": project,
                "user_id": user,
                "api_key_id": api_key,
                "model": model,
                "batch": batch,
                "service_tier": tier,
            }
        )
    data = [
        {"object": "bucket", "start_time": d * 86400, "end_time": (d + 1) * 86400, "results": r}
        for d, r in sorted(buckets.items())
    ]
    first, last = min(buckets), max(buckets)
    with serving(FakeOpenAI(data, key=KEY, page_size=1)) as fake:
        api = _api(cli, fake, "--since", day_label(first), "--until", day_label(last), "--format", "json").json(code=0)
    logs_doc = cli("usage", "--pricing", FIXTURE_CATALOG, *logs, "--format", "json").json(code=0)
    assert _totals(api) == _totals(logs_doc)
    assert api["unpriced"] == [{**u} for u in logs_doc["unpriced"]]


def _request_logs(buckets: list[dict], folder: Path) -> list[str]:
    """The request logs of these buckets: one Chat Completions response per request (Batch output
    lines for batch rows), tokens split so that each row sums back exactly (the first ``total % n``
    requests of a row get one more). Each line is the bytes ``orjson.dumps`` writes for it, filled
    into a template of its row and its share of the tokens, which changes at most three times in a
    row (119,235 lines)."""
    chat, batch = folder / "chat.jsonl", folder / "batch_output.jsonl"
    response = b'{"id":"chatcmpl-%d-%d-%%d","object":"chat.completion","created":%%d,"model":%s,"usage":'
    usage = (
        b'{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d,"prompt_tokens_details":{"cached_tokens":%d}},'
        b'"service_tier":"default"}'
    )
    batch_line = b'{"id":"batch_req_%d-%d-%%d","custom_id":"r-%%d","response":{"status_code":200,"body":'
    with open(chat, "wb") as fc, open(batch, "wb") as fb:
        for bucket in buckets:
            start = bucket["start_time"]
            for row, r in enumerate(bucket["results"]):
                n = r["num_model_requests"]
                (inp, more_inp), (cached, more_cached), (out, more_out) = (
                    divmod(r[key], n) for key in ("input_tokens", "input_cached_tokens", "output_tokens")
                )
                assert (cached, more_cached) <= (inp, more_inp)  # no request has more cached than input tokens
                # the row's template: %d for the request (k) and its time left in it
                head = response % (start, row, orjson.dumps(r["model"]).replace(b"%", b"%%"))
                if r["batch"]:
                    head = batch_line % (start, row) + head
                lines = []
                cuts = sorted({0, n, *(m for m in (more_inp, more_cached, more_out) if m < n)})
                for first, end in itertools.pairwise(cuts):  # requests with the same share of the tokens
                    i, c, o = inp + (first < more_inp), cached + (first < more_cached), out + (first < more_out)
                    line = head + usage % (i, o, i + o, c)
                    if r["batch"]:
                        line += b'},"error":null}'
                        lines += [line % (k, k, k, start + k % 86_400) for k in range(first, end)]
                    else:
                        lines += [line % (k, start + k % 86_400) for k in range(first, end)]
                (fb if r["batch"] else fc).write(b"\n".join(lines) + b"\n")
    return [str(chat), str(batch)]


def test_november_from_api_equals_its_request_logs(cli, fake, tmp_path):
    """Done when: the same totals as `usage` on the equivalent request logs at catalog prices."""
    logs = _request_logs(load_buckets(*USAGE_PAGES), tmp_path)
    # read in this process: each log (23 and 11 MB) is one range of a read in parallel, read by one
    # worker all the same, whose 119,235 ids come back to be checked here (tests/test_usage.py
    # holds reads in parallel to reads in one process)
    from_logs = cli("usage", "--pricing", FIXTURE_CATALOG, *logs, "--format", "json", "--jobs", "1").json(code=0)
    from_api = _api(cli, fake, *NOV, "--format", "json").json(code=0)
    assert from_logs["records"] == 119_235  # one record per request
    assert _totals(from_api) == _totals(from_logs)
    assert [m["cost_usd"] for m in from_api["models"]] == [m["cost_usd"] for m in from_logs["models"]]


def test_client_retries_and_redacts_directly():
    with serving(FakeOpenAI(load_buckets(*USAGE_PAGES), key=KEY)) as fake:
        fake.fail = [500, 429]
        client = OpenAIClient(KEY, base_url=fake.url, backoff=0)
        pages = fetch_usage(client, period("2026-11-01", "2026-11-07"))
        assert sum(len(p["data"]) for p in pages) == 7
        assert KEY not in repr(client)
        headers = fake.requests[-1]["headers"]
        assert headers["authorization"] == f"Bearer {KEY}"
        assert headers["user-agent"] == "gpt41cost"
    assert redact(f"bad key {KEY} and sk-proj-abc***xyz9", KEY) == "bad key [redacted] and [redacted]"


def test_key_never_logged(cli, fake, caplog):
    fake.fail = [503]
    with caplog.at_level(logging.DEBUG):
        _api(cli, fake, *NOV, "--format", "json").json(code=0)
    assert KEY not in caplog.text


def test_money_in_pages_stays_exact(fake):
    client = OpenAIClient(KEY, base_url=fake.url, backoff=0)
    from gpt41cost.usage_api import fetch_costs

    pages = fetch_costs(client, period("2026-11-12", "2026-11-12"))
    values = [r["amount"]["value"] for p in pages for b in p["data"] for r in b["results"]]
    assert values and all(isinstance(v, Decimal) for v in values)


def test_client_refuses_missing_key():
    with pytest.raises(ApiError, match="OPENAI_API_KEY is not set"):
        OpenAIClient("", base_url="http://127.0.0.1:9/v1")


def test_timeout_is_one_line(cli, fake):
    fake.delay = 1.0
    r = _api(cli, fake, *NOV, "--timeout", "0.2", "--retries", "0")
    assert r.exit_code == ExitCode.API
    (line,) = r.stderr.strip().splitlines()
    assert "cannot reach 127.0.0.1" in line and "timed out" in line
    assert r.stdout == ""


def test_no_answer_of_the_fake_outlives_its_test(cli):
    """An answer the client gave up on (the timeout above) is not left running after the test:
    it would write on whatever stderr the next test has (a traceback in a test that asserts there
    is none, seen under load in test_usage_cli's test_errors)."""
    import threading

    before = set(threading.enumerate())
    with serving(FakeOpenAI(load_buckets(*USAGE_PAGES), key=KEY)) as fake:
        fake.delay = 30.0
        r = _api(cli, fake, *NOV, "--timeout", "0.2", "--retries", "0")
        assert r.exit_code == ExitCode.API
    assert [t for t in threading.enumerate() if t not in before] == []


def test_empty_period_says_so(cli, fake, tmp_path):
    r = _api(cli, fake, "--since", "2026-10-01", "--until", "2026-10-31", "--save", str(tmp_path))
    assert r.exit_code == ExitCode.INPUT
    assert r.stderr.strip() == (
        "gpt41cost: error: GET /organization/usage/completions: no completions usage from 2026-10-01 to "
        "2026-10-31; check the dates, --project and that the key belongs to the right organization"
    )
    assert (tmp_path / "completions" / "page-001.json").exists()  # what the API said is kept
