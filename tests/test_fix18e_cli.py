"""CLI lines on stderr show input text escaped once (cli.common.shown, errors.quoted): a real
U+200D reads \\u200d, the text \\u200d reads \\\\u200d; a backslash in a path reads as one."""

from __future__ import annotations

import json

import pytest

from .conftest import Cli

JOINER = "\u200d"
TEXT = "\\u200d"  # the six characters \u200d, as typed


def test_from_api_with_a_path_quotes_it_once(cli: Cli):
    """repr'd, then escaped again by stderr's display: 'a\\\\b' for a\\b."""
    err = cli("usage", "--from-api", "a\\b", expect=2).stderr
    assert "drop 'a\\b' (or drop --from-api)" in err


@pytest.mark.parametrize(
    "name, said",
    [
        pytest.param("w" + JOINER + ".yaml", "w\\u200d.yaml", id="joiner"),
        pytest.param("w" + TEXT + ".yaml", "w\\\\u200d.yaml", id="text"),
    ],
)
def test_emit_workload_names_the_file_written_as_stderr_shows_text(cli: Cli, tmp_path, name, said):
    log = tmp_path / "log.jsonl"
    usage = {"prompt_tokens": 1000, "completion_tokens": 100}
    log.write_text(json.dumps({"id": "c1", "created": 1795996800, "model": "gpt-4.1-mini", "usage": usage}) + "\n")
    out = tmp_path / name
    err = cli("usage", log, "--tier", "1", "--emit-workload", out, expect=0).stderr
    assert f"wrote {tmp_path}/{said}; check it with: gpt41cost plan {tmp_path}/{said} --check" in err


@pytest.mark.parametrize(
    "text, said", [pytest.param(JOINER, "\\u200d", id="joiner"), pytest.param(TEXT, "\\\\u200d", id="text")]
)
def test_plan_check_failed_shows_a_model_name_as_stderr_shows_text(cli: Cli, tmp_path, text, said):
    model = f"ft:gpt-4.1-mini-2025-04-14:acme:a{text}b:abc"
    wl = tmp_path / "wl.yaml"
    wl.write_text(
        json.dumps(
            {
                "models": {model: 1},
                "input_tokens": 1000,
                "output_tokens": 100,
                "traffic": {"requests_per_day": 1000},
                "tier": 1,
            }
        ),
        encoding="utf-8",
    )
    err = cli("plan", wl, "--check", "--as-of", "2026-12-07", expect=1).stderr
    assert f"check failed: ft:gpt-4.1-mini-2025-04-14:acme:a{said}b:abc (100% of the traffic) shuts down" in err
