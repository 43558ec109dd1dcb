"""The Batch pre-flight's responses_n error reads a structured marker, the request's
``Measured.responses_n`` (its ``n`` as written), not the text of its uncounted entry (review 13,
item 6): the entry's wording can change without the pre-flight missing the line."""

from __future__ import annotations

from gpt41cost.catalog import Catalog
from gpt41cost.requests import RESPONSES_N

from .test_batch import check, facts, req


def test_the_marker_makes_the_error_not_the_text(catalog: Catalog) -> None:
    marked = req(1)._replace(responses_n="4")
    f = check(facts(1), [marked], catalog).findings
    assert [(x.code, x.message) for x in f] == [
        (
            "responses_n",
            "line 1: n=4: the Responses API has no n and OpenAI refuses the parameter (inferred); remove n (one line "
            "for each response wanted)",
        )
    ]
    worded = req(1)._replace(uncounted=(RESPONSES_N.format(n=4, todo="remove n"),))
    assert [x.code for x in check(facts(1), [worded], catalog).findings] == []
