"""`gpt41cost verify` against a fake input-token endpoint on 127.0.0.1: counts, differences and
the rule named, what is sent, retries, concurrency, every error, the key never shown. No test
touches the network."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from gpt41cost.errors import ExitCode, InputError
from gpt41cost.verify import SENT_KEYS, VerifyRequest, read_requests, to_responses_body, verify
from tests.fake_openai import FakeOpenAI, serving
from tools.fidelity import cases

KEY = "sk-proj-test-KEY-9876543210"
CASES = {c.id: c for c in cases()}
AGENT = [CASES[f"wolby-agent-call-{n}"] for n in range(1, 8)]


def _key(body: dict[str, Any]) -> str:
    return json.dumps(body.get("input"), sort_keys=True)


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    """Answers the measured count of each fidelity case (matched by its converted input)."""
    measured = {_key(to_responses_body(c.request)): c.measured for c in CASES.values()}
    api = FakeOpenAI([], key=KEY)
    api.input_tokens = lambda body: measured[_key(body)]
    with serving(api) as f:
        yield f


@pytest.fixture
def agent_file(tmp_path: Path) -> Path:
    path = tmp_path / "agent.jsonl"
    path.write_text("".join(json.dumps(c.request) + "\n" for c in AGENT), encoding="utf-8")
    return path


def _verify(cli, fake: FakeOpenAI, *args: str, key: str | None = KEY):
    env = {"OPENAI_API_KEY": key, "OPENAI_BASE_URL": None}
    return cli(["verify", "--base-url", fake.url, "--backoff", "0", *args], env=env)


# --------------------------------------------------------------------------- end to end


def test_agent_conversation_exact_against_the_api(cli, fake, agent_file) -> None:
    r = _verify(cli, fake, str(agent_file), "--format", "json")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["requests"] == 7 and doc["exact"] == 7 and doc["worst_difference"] == 0
    assert [row["api_tokens"] for row in doc["rows"]] == [94, 231, 272, 345, 529, 576, 737]
    assert [row["request"] for row in doc["rows"]] == [f"{agent_file}:{n}" for n in range(1, 8)]
    assert {row["explanation"] for row in doc["rows"]} == {"exact"}
    assert set(doc) == {
        "schema_version",
        "endpoint",
        "requests",
        "exact",
        "compared",
        "refused",
        "bad_answers",
        "mean_absolute_difference",
        "worst_difference",
        "rows",
    }
    assert all(req["headers"]["authorization"] == f"Bearer {KEY}" for req in fake.requests)


def test_a_difference_names_the_rule(cli, fake, tmp_path: Path) -> None:
    parallel = {
        "model": "gpt-4.1",
        "messages": [
            {"role": "user", "content": "Weather in Paris and Rome?"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": f"c{i}", "type": "function", "function": {"name": "w", "arguments": f'{{"c":"{c}"}}'}}
                    for i, c in enumerate(("Paris", "Rome"))
                ],
            },
            {"role": "tool", "tool_call_id": "c0", "content": "sun"},
            {"role": "tool", "tool_call_id": "c1", "content": "rain"},
        ],
    }
    path = tmp_path / "parallel.json"
    path.write_text(json.dumps(parallel), encoding="utf-8")
    fake.input_tokens = lambda body: 50
    r = _verify(cli, fake, str(path))
    assert r.exit_code == 0, r.stderr
    assert "parallel tool calls (unmeasured on o200k models)" in r.stdout
    assert "0 of 1 exact" in r.stdout
    strict = _verify(cli, fake, str(path), "--strict")
    assert strict.exit_code == ExitCode.CHECK_FAILED
    assert "1 of 1 counts differ" in strict.stderr


def test_what_is_sent_and_nothing_else(fake) -> None:
    chat = {
        "model": "gpt-4.1-mini",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": [{"type": "text", "text": "Hi"}]},
            {
                "role": "assistant",
                "content": "Looking.",
                "tool_calls": [{"id": "call_9", "type": "function", "function": {"name": "f", "arguments": "{}"}}],
            },
            {"role": "tool", "tool_call_id": "call_9", "content": "done"},
        ],
        "tools": [{"type": "function", "function": {"name": "f", "description": "F.", "strict": True}}],
        "tool_choice": {"type": "function", "function": {"name": "f"}},
        "response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}}},
        "max_tokens": 99,
        "temperature": 0.3,
        "metadata": {"secret": "keep me here"},
        "user": "u-123",
    }
    sent = to_responses_body(chat)
    assert sent == {
        "model": "gpt-4.1-mini",
        "input": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": [{"type": "input_text", "text": "Hi"}]},
            {"role": "assistant", "content": "Looking."},
            {"type": "function_call", "call_id": "call_9", "name": "f", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "call_9", "output": "done"},
        ],
        "tools": [{"type": "function", "name": "f", "description": "F.", "strict": True}],
        "tool_choice": {"type": "function", "name": "f"},
        "text": {"format": {"type": "json_schema", "name": "x", "schema": {"type": "object"}}},
    }
    assert set(sent) <= set(SENT_KEYS)
    responses = {"model": "gpt-4.1", "input": "hi", "instructions": "x", "max_output_tokens": 5, "store": True}
    assert to_responses_body(responses) == {"model": "gpt-4.1", "input": "hi", "instructions": "x"}
    fake.input_tokens = lambda body: 1
    from gpt41cost.openai_http import OpenAIClient

    with OpenAIClient(KEY, base_url=fake.url, backoff=0) as client:
        verify([VerifyRequest("chat.json", chat)], client.post_json)
    assert fake.posted == [sent]


def test_converted_bodies_count_the_same_here(fake) -> None:
    # the local count of each agent request equals the local count of what is sent for it
    from gpt41cost.verify import local_count

    for case in AGENT:
        sent = to_responses_body(case.request)
        assert local_count(VerifyRequest("c", sent), "gpt-4o-mini") == local_count(
            VerifyRequest("c", case.request), "gpt-4o-mini"
        )


def test_batch_lines_and_request_files(tmp_path: Path) -> None:
    body = {"model": "gpt-4.1", "messages": [{"role": "user", "content": "hi"}]}
    batch = tmp_path / "batch.jsonl"
    batch.write_text(
        json.dumps({"custom_id": "a", "method": "POST", "url": "/v1/chat/completions", "body": body}) + "\n\n",
        encoding="utf-8",
    )
    single = tmp_path / "one.json"
    single.write_text(json.dumps(body), encoding="utf-8")
    got = list(read_requests([batch, single]))
    assert [g.where for g in got] == [f"{batch}:1", str(single)]
    assert all(g.body == body for g in got)


# --------------------------------------------------------------------------- retries, concurrency


def test_retries_on_429_and_5xx_then_answers(cli, fake, agent_file) -> None:
    fake.fail = [429, 500, 503]
    r = _verify(cli, fake, str(agent_file), "--concurrency", "1", "--format", "json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["exact"] == 7
    assert len(fake.requests) == 7 + 3


def test_gives_up_after_the_retries(cli, fake, agent_file) -> None:
    fake.fail = [503] * 10
    r = _verify(cli, fake, str(agent_file), "--retries", "2", "--concurrency", "1")
    assert r.exit_code == ExitCode.API
    assert r.stdout == ""
    assert "503" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_an_answer_with_input_tokens_twice_is_one_line(cli, fake, agent_file) -> None:
    """#18: two counts in one answer (a proxy's doing): the last was compared without a word."""
    fake.malformed = "tokens-twice"
    r = _verify(cli, fake, str(agent_file), "--concurrency", "1")
    assert r.exit_code == ExitCode.API and r.stdout == ""
    assert r.stderr.strip() == (
        'gpt41cost: error: POST /responses/input_tokens: "input_tokens" appears twice in one object; which one '
        "to compare is unclear: check --base-url"
    )


def test_at_most_concurrency_calls_at_once(cli, fake, agent_file) -> None:
    lock, inflight, peak = threading.Lock(), [0], [0]
    answer = fake.input_tokens
    assert answer is not None

    def slow(body: dict[str, Any]) -> int:
        with lock:
            inflight[0] += 1
            peak[0] = max(peak[0], inflight[0])
        time.sleep(0.05)
        with lock:
            inflight[0] -= 1
        return answer(body)

    fake.input_tokens = slow
    r = _verify(cli, fake, str(agent_file), "--concurrency", "2", "--format", "json")
    assert r.exit_code == 0, r.stderr
    assert 1 <= peak[0] <= 2
    assert [row["request"] for row in json.loads(r.stdout)["rows"]] == [f"{agent_file}:{n}" for n in range(1, 8)]


# --------------------------------------------------------------------------- errors


def test_missing_key(cli, fake, agent_file) -> None:
    r = _verify(cli, fake, str(agent_file), key=None)
    assert r.exit_code == ExitCode.API
    assert r.stdout == "" and fake.requests == []
    assert "OPENAI_API_KEY is not set" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_wrong_key_is_refused_and_never_printed(cli, fake, agent_file) -> None:
    wrong = "sk-proj-WRONG-key-abcdefghijkl"
    r = _verify(cli, fake, str(agent_file), key=wrong)
    assert r.exit_code == ExitCode.API
    assert "401" in r.stderr and "OPENAI_API_KEY" in r.stderr
    assert wrong not in r.stderr + r.stdout and wrong[-4:] not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_network_failure(cli, agent_file) -> None:
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": f"http://127.0.0.1:{port}/v1"}
    r = cli(["verify", str(agent_file), "--retries", "0"], env=env)
    assert r.exit_code == ExitCode.API
    assert "cannot reach 127.0.0.1" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert KEY not in r.stderr


def test_bad_file_costs_no_call(cli, fake, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"messages": [{"role": "user", "content": "hi"}]}\n{"nope": 1}\n', encoding="utf-8")
    r = _verify(cli, fake, str(bad))
    assert r.exit_code == ExitCode.INPUT
    assert f"{bad}:2: not a request" in r.stderr and r.stdout == ""
    assert fake.requests == []
    with pytest.raises(InputError, match="no such file or directory"):
        list(read_requests([tmp_path / "missing.json"]))


def test_a_request_the_api_refuses_is_a_row_not_the_end(cli, fake, agent_file) -> None:
    fake.invalid = lambda body: "Invalid schema for function 'generate_image'." if len(body["input"]) == 4 else None
    r = _verify(cli, fake, str(agent_file), "--format", "json")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["exact"] == 6 and doc["refused"] == 1
    refused = doc["rows"][1]
    assert refused["api_tokens"] is None and refused["difference"] is None
    assert refused["explanation"].startswith("the API refused it:") and "Invalid schema" in refused["explanation"]
    table = _verify(cli, fake, str(agent_file))
    assert "1 not compared: the API refused 1 request (400)." in table.stdout


# --------------------------------------------------------------------------- requests not compared (review 20)


def test_nothing_compared_gives_no_difference_figures(cli, fake, agent_file) -> None:
    """Review 20: every request refused read '0 of 1 exact; mean absolute difference 0.0; worst +0'
    and JSON worst_difference 0, though no count was compared."""
    fake.invalid = lambda body: "Invalid model"
    r = _verify(cli, fake, str(agent_file), "--format", "json")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert (doc["requests"], doc["exact"], doc["compared"], doc["refused"], doc["bad_answers"]) == (7, 0, 0, 7, 0)
    assert doc["worst_difference"] is None and doc["mean_absolute_difference"] is None
    assert {row["not_compared"] for row in doc["rows"]} == {"refused"}
    table = _verify(cli, fake, str(agent_file))
    assert "  - 0 of 7 exact; none could be compared: the API refused 7 requests (400).\n" in table.stdout
    assert "mean absolute difference" not in table.stdout and "worst" not in table.stdout
    strict = _verify(cli, fake, str(agent_file), "--strict")
    assert strict.exit_code == ExitCode.CHECK_FAILED
    assert strict.stderr.strip() == "gpt41cost: error: 7 of 7 refused by the API"


def _answer_first(fake: Any, how: Callable[[int], Any]) -> None:
    """The fake answers the agent file's first request with ``how`` of its true count, the others
    with theirs."""
    answer = fake.input_tokens
    assert answer is not None
    first = _key(to_responses_body(AGENT[0].request))
    fake.input_tokens = lambda body: how(answer(body)) if _key(body) == first else answer(body)


def test_some_compared_the_figures_are_over_those(cli, fake, agent_file) -> None:
    """A mix: the mean and the worst are over the requests compared, and the note says how many."""
    _answer_first(fake, lambda n: n - 3)
    fake.invalid = lambda body: "Invalid schema" if len(body["input"]) == 4 else None
    doc = json.loads(_verify(cli, fake, str(agent_file), "--format", "json").stdout)
    assert (doc["exact"], doc["compared"], doc["refused"]) == (5, 6, 1)
    assert doc["worst_difference"] == 3 and doc["mean_absolute_difference"] == 0.5
    table = _verify(cli, fake, str(agent_file), "--strict")
    assert table.exit_code == ExitCode.CHECK_FAILED
    assert (
        "  - 5 of 7 exact; over the 6 compared: mean absolute difference 0.5; worst +3 (difference = gpt41cost - API); "
        "1 not compared: the API refused 1 request (400).\n"
    ) in table.stdout
    assert table.stderr.strip() == "gpt41cost: error: 1 of 7 counts differ from the API's; 1 of 7 refused by the API"


@pytest.mark.parametrize(
    ("count", "shown"),
    [
        pytest.param(-5, "-5", id="negative"),
        pytest.param(1.5, "1.5", id="fraction"),
        pytest.param("12", "'12'", id="string"),
        pytest.param(True, "true", id="bool"),
        pytest.param(None, "null", id="null"),
    ],
)
def test_an_answer_that_is_no_count_is_not_compared(cli, fake, agent_file, count: Any, shown: str) -> None:
    """Review 20: input_tokens -5 was taken as the API's count (+99 difference); a fraction, text or
    a bool ended the run (exit 6) as an answer with 'no input_tokens count'. Now that request is a
    bad answer, not compared; the others are."""
    _answer_first(fake, lambda _n: count)
    r = _verify(cli, fake, str(agent_file), "--format", "json")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert (doc["exact"], doc["compared"], doc["refused"], doc["bad_answers"]) == (6, 6, 0, 1)
    assert doc["worst_difference"] == 0 and doc["mean_absolute_difference"] == 0
    bad = doc["rows"][0]
    assert (bad["api_tokens"], bad["difference"], bad["not_compared"]) == (None, None, "bad_answer")
    assert bad["explanation"] == f"bad answer from the server: input_tokens is {shown}, not a count of tokens"
    table = _verify(cli, fake, str(agent_file), "--strict")
    assert table.exit_code == ExitCode.CHECK_FAILED
    assert (
        "6 of 7 exact; over the 6 compared: mean absolute difference 0.0; worst +0 (difference = gpt41cost - API); "
        "1 not compared: the server answered 1 request with no count of tokens (a bad answer)."
    ) in table.stdout
    assert table.stderr.strip() == "gpt41cost: error: 1 of 7 answered with no count of tokens"


# --------------------------------------------------------------------------- directories (review 20)


def test_a_directory_is_read_as_estimate_reads_one(cli, fake, tmp_path: Path) -> None:
    """Review 20: `verify DIR` said 'cannot read (Is a directory)'. Now its .json and .jsonl files
    are read, recursively and sorted, hidden and empty ones skipped; other files are no requests."""
    root = tmp_path / "reqs"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "agent.jsonl").write_text("".join(json.dumps(c.request) + "\n" for c in AGENT[:2]), "utf-8")
    (root / "sub" / "more.ndjson").write_text(json.dumps(AGENT[0].request) + "\n", "utf-8")  # review 20c
    (root / "a.json").write_text(json.dumps(AGENT[2].request), encoding="utf-8")
    (root / "notes.txt").write_text("a prompt, not a request", encoding="utf-8")
    (root / ".hidden.json").write_text("not JSON", encoding="utf-8")
    (root / "empty.json").write_text("", encoding="utf-8")
    r = _verify(cli, fake, str(root), "--format", "json")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert [row["request"] for row in doc["rows"]] == [
        str(root / "a.json"),
        f"{root / 'sub' / 'agent.jsonl'}:1",
        f"{root / 'sub' / 'agent.jsonl'}:2",
        f"{root / 'sub' / 'more.ndjson'}:1",
    ]
    assert doc["exact"] == 4


def test_a_directory_without_request_files_says_what_to_give(cli, fake, tmp_path: Path) -> None:
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    (prompts / "ticket.txt").write_text("Where is my order?", encoding="utf-8")
    r = _verify(cli, fake, str(prompts))
    assert r.exit_code == ExitCode.INPUT and r.stdout == "" and fake.requests == []
    assert r.stderr.strip() == (
        f"gpt41cost: error: {prompts}: no .json, .jsonl or .ndjson file in this directory; verify sends request "
        "files (.json: one request, .jsonl or .ndjson: one a line): give them, or a directory holding them"
    )
    (prompts / "list.jsonl").write_text('"a prompt"\n', encoding="utf-8")
    r = _verify(cli, fake, str(prompts))
    assert r.exit_code == ExitCode.INPUT and fake.requests == []
    assert r.stderr.strip() == (
        f"gpt41cost: error: {prompts / 'list.jsonl'}:1: not a request: expected a JSON object with 'messages' or "
        f"'input' (verify reads every .json, .jsonl and .ndjson file in {prompts}: name the request files instead)"
    )
