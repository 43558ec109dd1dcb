"""Review 20b's findings on the Batch pre-flight (fixB2): each test failed before its fix.

2. A body written for the other endpoint (a Chat body sent to /v1/responses, a Responses body
   sent to /v1/chat/completions) passed the pre-flight, priced, exit 0.
7. A model the catalog does not know, beside a known one, was never a second model (mixed_models).
10. A custom_id given but not a string (101, null, ["x"]) was reported as no custom_id.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from gpt41cost.batch import preflight
from gpt41cost.catalog import Catalog
from gpt41cost.errors import InputError
from gpt41cost.readers.requests import BatchFacts, read_requests

CHAT = "/v1/chat/completions"
RESPONSES = "/v1/responses"


def _chat_body(model: str = "gpt-4.1-mini", text: str = "hi") -> dict[str, Any]:
    return {"model": model, "messages": [{"role": "user", "content": text}], "max_tokens": 20}


def _responses_body(model: str = "gpt-4.1-mini", text: str = "hi") -> dict[str, Any]:
    return {"model": model, "input": text, "max_output_tokens": 20}


def _line(cid: Any, body: dict[str, Any], url: str = CHAT, **over: Any) -> str:
    return json.dumps({"custom_id": cid, "method": "POST", "url": url, "body": body, **over})


def _write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _check(path: Path, catalog: Catalog) -> Any:
    facts = BatchFacts()
    errors: list[InputError] = []
    measured = list(read_requests(str(path), "batch", catalog, facts=facts, on_error=errors.append))
    return preflight(facts, measured, catalog), measured


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


# ------------------------------------------------------------- 7. an unknown model is a second model


def test_an_unknown_model_beside_a_known_one_is_a_second_model(tmp_path: Path, catalog: Catalog) -> None:
    """gpt-4o (not in the catalog) among gpt-4.1-mini lines: two models, OpenAI rejects the batch.
    The line is also refused as a model gpt41cost cannot price, as before."""
    path = _write(
        tmp_path,
        _line("a", _chat_body()),
        _line("b", _chat_body()),
        _line("c", _chat_body("gpt-4o")),
        _line("d", _chat_body()),
    )
    result, _ = _check(path, catalog)
    assert [(f.line, f.code) for f in result.errors] == [(3, "bad_request"), (3, "mixed_models")]
    mixed = result.errors[1]
    assert mixed.message == (
        "line 3: model 'gpt-4o' differs from 'gpt-4.1-mini' (used from line 1, 3 requests); "
        "a batch runs one model; lines 3"
    )
    assert mixed.lines == (3,)
    assert result.openai_rejects


def test_an_unknown_model_used_most_is_the_one_the_others_differ_from(tmp_path: Path, catalog: Catalog) -> None:
    path = _write(
        tmp_path,
        _line("a", _chat_body("gpt-4o")),
        _line("b", _chat_body("gpt-4.1-mini")),
        _line("c", _chat_body("gpt-4o")),
    )
    result, _ = _check(path, catalog)
    [mixed] = [f for f in result.findings if f.code == "mixed_models"]
    assert mixed.message == (
        "line 2: model 'gpt-4.1-mini' differs from 'gpt-4o' (used from line 1, 2 requests); "
        "a batch runs one model; lines 2"
    )


def test_two_unknown_models_are_two_models(tmp_path: Path, catalog: Catalog) -> None:
    """Lines the reader refused keep no list of lines: the finding says how many and from where."""
    path = _write(
        tmp_path,
        _line("a", _chat_body("gpt-4o")),
        _line("b", _chat_body("gpt-4o")),
        _line("c", _chat_body("gpt-4o-mini")),
        _line("d", _chat_body("gpt-4o-mini")),
        _line("e", _chat_body("gpt-4o")),
    )
    result, _ = _check(path, catalog)
    [mixed] = [f for f in result.findings if f.code == "mixed_models"]
    assert mixed.message == (
        "line 3: model 'gpt-4o-mini' differs from 'gpt-4o' (used from line 1, 3 requests); "
        "a batch runs one model; 2 lines from line 3"
    )
    assert result.openai_rejects


def test_an_alias_and_its_snapshot_stay_one_model(tmp_path: Path, catalog: Catalog) -> None:
    """docs/accounting.md §8: the same model spelled two ways is only a warning, as before."""
    path = _write(tmp_path, _line("a", _chat_body("gpt-4.1")), _line("b", _chat_body("gpt-4.1-2025-04-14")))
    result, _ = _check(path, catalog)
    assert [(f.severity, f.code) for f in result.findings] == [("warning", "model_spelling")]
    assert not result.rejected


def test_two_fine_tunes_of_one_base_are_two_models(tmp_path: Path, catalog: Catalog) -> None:
    """Two fine-tuned models of gpt-4.1-mini are two models (each its own name, ResolvedModel.family),
    not one model spelled two ways (they were a model_spelling warning)."""
    path = _write(
        tmp_path,
        _line("a", _chat_body("ft:gpt-4.1-mini-2025-04-14:acme::abc123")),
        _line("b", _chat_body("ft:gpt-4.1-mini-2025-04-14:acme::def456")),
    )
    result, _ = _check(path, catalog)
    assert [(f.severity, f.code) for f in result.findings] == [("error", "mixed_models")]


def test_cli_verdict_for_an_unknown_second_model(cli: Any, tmp_path: Path) -> None:
    path = _write(tmp_path, _line("a", _chat_body()), _line("b", _chat_body("gpt-4o")))
    run = cli("estimate", path, "-f", "csv", "--table", "batch-preflight", expect=1)
    rows = _rows(run.stdout)
    assert {r["verdict"] for r in rows} == {"openai_rejects"}
    assert [r["check"] for r in rows] == ["bad_request", "mixed_models"]
    assert "OpenAI would reject this batch" in run.stderr


# ------------------------------------------------------------- 2. a body written for the other endpoint


def test_a_chat_body_sent_to_responses_fails_the_preflight(tmp_path: Path, catalog: Catalog) -> None:
    """Each line is a request OpenAI fails (Responses has no messages): an error of its own line,
    not one of the batch (preflight_fails), and the request stays priced once, as the Chat request
    it is (its max_tokens its cap)."""
    path = _write(tmp_path, _line("a", _chat_body(), RESPONSES), _line("b", _chat_body(), RESPONSES))
    result, measured = _check(path, catalog)
    assert [(f.line, f.code, f.severity) for f in result.findings] == [
        (1, "body_for_other_url", "error"),
        (2, "body_for_other_url", "error"),
    ]
    assert result.findings[0].message == (
        "line 1: a Chat Completions body (messages) sent to /v1/responses: OpenAI fails it (priced here as the "
        "Chat Completions request it is); use url /v1/chat/completions or write a Responses body (input)"
    )
    assert result.rejected and not result.openai_rejects
    assert [m.max_output_tokens for m in measured] == [20, 20]


def test_a_responses_body_sent_to_chat_completions_fails_the_preflight(tmp_path: Path, catalog: Catalog) -> None:
    path = _write(tmp_path, _line("a", _responses_body()), _line("b", _chat_body()))
    result, _ = _check(path, catalog)
    [f] = result.findings
    assert (f.line, f.code) == (1, "body_for_other_url")
    assert f.message == (
        "line 1: a Responses body (input) sent to /v1/chat/completions: OpenAI fails it (priced here as the "
        "Responses request it is); use url /v1/responses or write a Chat Completions body (messages)"
    )


def test_bodies_that_match_their_url_pass(tmp_path: Path, catalog: Catalog) -> None:
    for url, body in ((CHAT, _chat_body()), (RESPONSES, _responses_body())):
        result, _ = _check(_write(tmp_path, _line("a", body, url)), catalog)
        assert result.findings == ()


def test_a_wrong_url_is_bad_url_only(tmp_path: Path, catalog: Catalog) -> None:
    """A url gpt41cost does not price is bad_url; the body is not also said to be for another."""
    result, _ = _check(_write(tmp_path, _line("a", _responses_body(), "/v1/embeddings")), catalog)
    assert [f.code for f in result.findings] == ["bad_url"]


def test_cli_on_a_chat_batch_sent_to_responses(cli: Any, tmp_path: Path) -> None:
    """The reviewer's case: "passes, ok, no findings", exit 0 before; the figures stay as they were."""
    path = _write(tmp_path, *(_line(c, _chat_body(), RESPONSES) for c in "abc"))
    run = cli("estimate", path, "-m", "gpt-4.1-mini", "-f", "csv", "--table", "batch-preflight", expect=1)
    rows = _rows(run.stdout)
    assert [(r["verdict"], r["line"], r["check"]) for r in rows] == [
        ("preflight_fails", str(n), "body_for_other_url") for n in (1, 2, 3)
    ]
    assert "the batch fails the pre-flight: 3 errors (requests OpenAI would fail one by one" in run.stderr
    doc = json.loads(cli("estimate", path, "-m", "gpt-4.1-mini", "-f", "json", expect=1).stdout)
    assert doc["models"][0]["requests"] == 3


# ------------------------------------------------------------- 10. a custom_id that is not a string


def test_a_custom_id_that_is_not_a_string_is_said_so(tmp_path: Path, catalog: Catalog) -> None:
    ids: list[Any] = [101, "ok-2", None, ["x"], {"id": 1}, True, 1.5, "", "z" * 10]
    lines = [_line(cid, _chat_body()) for cid in ids]
    lines.append(json.dumps({"method": "POST", "url": CHAT, "body": _chat_body()}))  # no custom_id at all
    long = json.dumps({"custom_id": list(range(30)), "method": "POST", "url": CHAT, "body": _chat_body()})
    result, _ = _check(_write(tmp_path, *lines, long), catalog)
    assert [(f.line, f.code, f.message) for f in result.findings] == [
        (1, "custom_id_not_string", "line 1: custom_id 101 is a number; it must be a string"),
        (3, "missing_custom_id", "line 3: custom_id is null; every request needs one"),
        (4, "custom_id_not_string", 'line 4: custom_id ["x"] is an array; it must be a string'),
        (5, "custom_id_not_string", 'line 5: custom_id {"id":1} is an object; it must be a string'),
        (6, "custom_id_not_string", "line 6: custom_id true is a boolean; it must be a string"),
        (7, "custom_id_not_string", "line 7: custom_id 1.5 is a number; it must be a string"),
        (8, "missing_custom_id", "line 8: custom_id is empty; every request needs one"),
        (10, "missing_custom_id", "line 10: no custom_id; every request needs one"),
        (
            11,
            "custom_id_not_string",
            "line 11: custom_id [0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,1... is an array; it must be a string",
        ),
    ]
    assert result.openai_rejects  # the request input object types custom_id string, as before


def test_cli_custom_id_not_a_string(cli: Any, tmp_path: Path) -> None:
    path = _write(tmp_path, _line(101, _chat_body()), _line("b", _chat_body()))
    run = cli("estimate", path, "-m", "gpt-4.1-mini", "-f", "csv", "--table", "batch-preflight", expect=1)
    [row] = _rows(run.stdout)
    assert (row["verdict"], row["check"], row["finding"]) == (
        "openai_rejects",
        "custom_id_not_string",
        "custom_id 101 is a number; it must be a string",
    )
    assert "OpenAI would reject this batch: 1 error: line 1: custom_id 101 is a number" in run.stderr


# ------------------------------------------------------------- all three, read on several processes


@pytest.mark.needs_fork
def test_the_findings_are_the_same_read_in_ranges(cli: Any, tmp_path: Path, small_ranges: Any) -> None:
    """The reader's notes (the url a body is not for, a custom_id's value, the models of lines it
    refused) cross from the reading processes as one pass makes them."""
    lines = [_line(f"r{n}", _chat_body(text="ticket " * 20)) for n in range(1, 61)]
    lines[4] = _line("r5", _responses_body())
    lines[29] = _line(30, _chat_body())
    lines[49] = _line("r50", _chat_body("gpt-4o"))
    path = _write(tmp_path, *lines)
    args = ("estimate", path, "-m", "gpt-4.1-mini", "-f", "json")
    one = json.loads(cli(*args, expect=1).stdout)["batch_preflight"]
    small_ranges()
    assert json.loads(cli(*args, expect=1).stdout)["batch_preflight"] == one
    assert [(f["line"], f["code"]) for f in one[0]["findings"]] == [
        (5, "body_for_other_url"),
        (30, "custom_id_not_string"),
        (50, "bad_request"),
        (50, "mixed_models"),
    ]
