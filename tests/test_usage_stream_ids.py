"""A response given twice in two parts of one JSON document (a saved list of pages, each with its
own ``data``) counts once: the ids a part met are handed to the part around it when it commits
(readers/usage_stream._Scope.commit), so a later part sees them. The stream tests' generated
documents never put one id in two sibling parts (a planted drop of that hand-over passed them)."""

from __future__ import annotations

import json
from pathlib import Path

import gpt41cost

RESPONSE = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1764979200,  # 2025-12-06
    "model": "gpt-4.1",
    "usage": {"prompt_tokens": 10, "completion_tokens": 5},
}


def test_a_response_in_two_pages_of_one_document_counts_once(tmp_path: Path) -> None:
    other = dict(RESPONSE, id="chatcmpl-2")
    path = tmp_path / "pages.json"
    path.write_text(json.dumps([{"data": [RESPONSE]}, {"data": [other, RESPONSE]}], indent=2), encoding="utf-8")
    doc = gpt41cost.usage(str(path), as_of="2026-12-06").to_dict()
    assert (doc["requests"], doc["duplicates_dropped"]) == (2, 1)
    # two requests of 10 input and 5 output tokens on gpt-4.1: 2 x (10 x $2/M + 5 x $8/M) = $0.00012
    assert (doc["input_tokens"], doc["output_tokens"], doc["total_usd"]) == (20, 10, "0.00012")


def test_a_response_of_a_document_given_again_in_the_next_file_counts_once(tmp_path: Path) -> None:
    """The ids a streamed JSON document counted join the reader's (readers/usage_stream._Scope.commit
    at the top), so a file read after it drops a response it held. (A planted drop of that hand-over
    passed every test: each one met its repeats inside one document.)"""
    doc = tmp_path / "a.json"
    doc.write_text(json.dumps([RESPONSE, dict(RESPONSE, id="chatcmpl-2")], indent=2), encoding="utf-8")
    log = tmp_path / "b.jsonl"
    log.write_text(json.dumps(RESPONSE) + "\n", encoding="utf-8")
    got = gpt41cost.usage([str(doc), str(log)], as_of="2026-12-06").to_dict()
    assert (got["requests"], got["duplicates_dropped"]) == (2, 1)
