"""Session 18, fix18d, 2: an image file whose header cannot be read (truncated, corrupt, not an
image) is a bad input --skip-bad skips, named and counted as a data file that does not parse is;
without the flag the one line says what to do. Before: exit 3 with "pic.jpg: truncated image
header" whatever the flags, and no next step."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

PROMPT = "Describe the picture.\n"

BAD_IMAGES = [
    pytest.param("pic.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF", "truncated image header", id="truncated-jpeg"),
    pytest.param(
        "pic.png",
        b"\x89PNG\r\n\x1a\n" + b"\0" * 8 + b"XXXX" + b"\0" * 8,
        "PNG has no IHDR chunk first",
        id="corrupt-png",
    ),
    pytest.param("pic.gif", b"GIF89a\x01", "truncated image header", id="truncated-gif"),
    pytest.param("pic.webp", b"hello, not an image at all", "not a PNG, JPEG, GIF or WebP image", id="not-an-image"),
]


def _dir(tmp_path: Path, name: str, data: bytes) -> Path:
    d = tmp_path / "d"
    d.mkdir()
    (d / "a.md").write_text(PROMPT)
    (d / name).write_bytes(data)
    return d


@pytest.mark.parametrize(("name", "data", "why"), BAD_IMAGES)
def test_skip_bad_skips_a_bad_image_named_and_counted(cli, tmp_path: Path, name: str, data: bytes, why: str) -> None:
    d = _dir(tmp_path, name, data)
    r = cli(["estimate", str(d), "--skip-bad", "-m", "gpt-4.1", "-f", "json"])
    assert r.exit_code == 0, r.stderr
    assert [i["source"] for i in json.loads(r.stdout)["inputs"]] == [str(d / "a.md")]
    assert f"skipped: {d / name}: {why}" in r.stderr and "replace the file or leave it out\n" in r.stderr
    assert "1 bad line or file skipped" in r.stderr


@pytest.mark.parametrize(("name", "data", "why"), BAD_IMAGES)
def test_without_skip_bad_the_line_says_what_to_do(cli, tmp_path: Path, name: str, data: bytes, why: str) -> None:
    d = _dir(tmp_path, name, data)
    r = cli(["estimate", str(d), "-m", "gpt-4.1"])
    assert (r.exit_code, r.stdout) == (3, "")
    assert r.stderr.startswith(f"gpt41cost: error: {d / name}: {why}")
    assert r.stderr.endswith("; replace the file or leave it out, or pass --skip-bad to skip it\n")
    assert r.stderr.count("\n") == 1


def test_a_bad_image_named_alone_says_the_same(cli, tmp_path: Path) -> None:
    p = tmp_path / "pic.jpg"
    p.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF")
    r = cli(["estimate", str(p), "-m", "gpt-4.1"])
    assert (r.exit_code, r.stdout) == (3, "")
    assert r.stderr == (
        f"gpt41cost: error: {p}: truncated image header; replace the file or leave it out,"
        " or pass --skip-bad to skip it\n"
    )


def test_a_bad_data_url_in_a_request_line_is_still_that_line(cli, tmp_path: Path) -> None:
    """Only an image file is a skippable file: a bad image inside a request stays the line's error."""
    p = tmp_path / "reqs.jsonl"
    url = "data:image/png;base64,iVBORw0KGgo="  # a PNG signature, cut off
    line = {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": url}}]}]}
    p.write_text(json.dumps(line) + "\n" + json.dumps({"messages": [{"role": "user", "content": "hi"}]}) + "\n")
    r = cli(["estimate", str(p), "-m", "gpt-4.1"])
    assert (r.exit_code, r.stdout) == (3, "")
    assert "line 1" in r.stderr and "truncated image header" in r.stderr
    assert "replace the file" not in r.stderr
