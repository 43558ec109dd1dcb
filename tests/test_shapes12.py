"""Input shapes and messages mended in the twelfth session (note11's "Found and not fixed").

- Tidy: a JSON array of prompts is parsed once (was 3-4 times for a small file: to decide its
  kind twice, then by the reader, which parsed a one-line array's first line and then all of it).
"""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest

from gpt41cost.measure import Totals
from gpt41cost.readers.inputs import gather

PROMPTS = ["Summarize this article.", "Translate to French: hello"]


@pytest.mark.parametrize("indent", [pytest.param(None, id="one-line"), pytest.param(2, id="pretty")])
def test_a_prompts_array_is_parsed_once(catalog, tmp_path: Path, monkeypatch, indent):
    path = tmp_path / "list.json"
    text = json.dumps(PROMPTS, indent=indent)
    path.write_text(text, encoding="utf-8")
    real, whole = orjson.loads, []

    def loads(data):
        if len(data) >= len(text):  # the whole document, not a line of it
            whole.append(data)
        return real(data)

    monkeypatch.setattr(orjson, "loads", loads)
    totals = Totals(catalog, dict.fromkeys(catalog.models, 500))
    got = gather([str(path)], catalog, totals=totals)
    assert (got.requests, [(i.read_as, i.reason) for i in got.inputs]) == (2, [("prompts", "extension .json")])
    assert totals.sizes["gpt-4.1"] == {6: 1, 5: 1}  # each item its text: 6 and 5 tokens (o200k_base)
    assert len(whole) == 1
