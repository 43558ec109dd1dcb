"""Session 18, fix18d, 1: a broken link or a link loop in a directory is looked at only when the
globs keep it. Excluded (or not included) it is never looked at; with --skip-bad it is a skipped
input, named and counted; without, the one line names it and says what to do. Before, the walk
followed every entry before the globs were applied: exit 3 whatever the flags."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

PROMPT = "Summarise the ticket below in one line.\n"


def _broken(d: Path) -> str:
    (d / "b.md").symlink_to(d / "nowhere.md")
    return "a broken symbolic link"


def _loop(d: Path) -> str:
    (d / "b.md").symlink_to(d / "c.md")
    (d / "c.md").symlink_to(d / "b.md")
    return "a symbolic link loop"


def _prompts(tmp_path: Path, bad, name: str = "a.md", text: str = PROMPT) -> tuple[Path, str]:  # type: ignore[no-untyped-def]
    """A directory holding ``name`` (a prompt, or another input) and what ``bad`` put beside it."""
    d = tmp_path / "d"
    d.mkdir()
    (d / name).write_text(text)
    return d, bad(d)


BAD = [pytest.param(_broken, id="broken"), pytest.param(_loop, id="loop")]


@pytest.mark.parametrize("bad", BAD)
@pytest.mark.parametrize(
    "globs",
    [
        pytest.param(["--exclude", "b.md", "--exclude", "c.md"], id="exclude-name"),
        pytest.param(["--exclude", "[bc].md"], id="exclude-glob"),
        pytest.param(["--include", "a.*"], id="not-included"),
    ],
)
@pytest.mark.parametrize("command", ["estimate", "limits"])
def test_a_link_left_out_by_the_globs_is_never_looked_at(cli, tmp_path: Path, bad, globs, command) -> None:  # type: ignore[no-untyped-def]
    d, _ = _prompts(tmp_path, bad)
    extra = ["--max-tokens", "100", "--peak-rpm", "10"] if command == "limits" else []
    r = cli([command, str(d), *globs, *extra, "-m", "gpt-4.1", "-f", "json"])
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)


def test_a_bad_link_in_an_excluded_directory_is_never_looked_at(cli, tmp_path: Path) -> None:
    d, _ = _prompts(tmp_path, lambda d: None)
    (d / "drafts").mkdir()
    (d / "drafts" / "x.md").symlink_to(d / "nowhere.md")
    r = cli(["estimate", str(d), "--exclude", "drafts", "-m", "gpt-4.1", "-f", "json"])
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["inputs"][0]["source"].endswith("a.md")


@pytest.mark.parametrize("bad", BAD)
def test_skip_bad_skips_a_bad_link_named_and_counted(cli, tmp_path: Path, bad) -> None:  # type: ignore[no-untyped-def]
    d, why = _prompts(tmp_path, bad)
    r = cli(["estimate", str(d), "--skip-bad", "-m", "gpt-4.1", "-f", "json"])
    assert r.exit_code == 0, r.stderr
    assert [i["source"] for i in json.loads(r.stdout)["inputs"]] == [str(d / "a.md")]
    assert f"skipped: {d / 'b.md'}: {why}; point it at a file or leave it out with --exclude b.md" in r.stderr
    n = 2 if bad is _loop else 1
    assert ("1 bad line or file skipped" if n == 1 else f"{n} bad lines or files skipped") in r.stderr


@pytest.mark.parametrize("bad", BAD)
def test_without_skip_bad_the_line_names_the_link_and_what_to_do(cli, tmp_path: Path, bad) -> None:  # type: ignore[no-untyped-def]
    d, why = _prompts(tmp_path, bad)
    r = cli(["estimate", str(d), "-m", "gpt-4.1"])
    assert (r.exit_code, r.stdout) == (3, "")
    assert r.stderr == (
        f"gpt41cost: error: {d / 'b.md'}: {why}; point it at a file or leave it out with --exclude b.md,"
        " or pass --skip-bad to skip it\n"
    )


def test_the_api_names_its_own_arguments(tmp_path: Path) -> None:
    import gpt41cost
    from gpt41cost.errors import InputError

    d, _ = _prompts(tmp_path, _broken)
    with pytest.raises(InputError) as got:
        gpt41cost.estimate([str(d)])
    assert "leave it out with exclude=['b.md'], or pass skip_bad=True to skip it" in got.value.message


def _logs(tmp_path: Path, bad) -> tuple[Path, str]:  # type: ignore[no-untyped-def]
    log = (Path(__file__).parents[1] / "samples/usage/chat-completions.jsonl").read_text()
    return _prompts(tmp_path, bad, "a.jsonl", log)


@pytest.mark.parametrize("bad", BAD)
def test_usage_names_skip_bad_and_skips_a_bad_link_with_it(cli, tmp_path: Path, bad) -> None:  # type: ignore[no-untyped-def]
    """usage --skip-bad stopped on a broken link or a loop in a directory (exit 3, --skip-bad not
    named), where it leaves out an unreadable subdirectory: now it skips the link, names it on stderr
    and counts it in JSON's skipped (bad_link), the records counted as without it; --strict wins."""
    d, why = _logs(tmp_path, bad)
    r = cli(["usage", str(d)])
    assert (r.exit_code, r.stdout) == (3, "")
    first = d / "b.md"  # usage reads every file in a directory, whatever its name
    assert (
        r.stderr
        == f"gpt41cost: error: {first}: {why}; point it at a file or remove it, or pass --skip-bad to skip it\n"
    )
    alone = json.loads(cli(["usage", str(d / "a.jsonl"), "-f", "json"]).stdout)
    r = cli(["usage", str(d), "--skip-bad", "-f", "json"])
    assert r.exit_code == 0, r.stderr
    got = json.loads(r.stdout)
    n = 2 if bad is _loop else 1
    assert got["skipped"] == {"bad_link": n}
    assert (got["requests"], got["total_usd"]) == (alone["requests"], alone["total_usd"])
    assert f"{first}: {why}; point it at a file or remove it\n" in r.stderr
    r = cli(["usage", str(d), "--skip-bad", "--strict"])
    assert (r.exit_code, r.stdout) == (3, "") and why in r.stderr


def test_usage_api_names_skip_bad_for_a_bad_link(tmp_path: Path) -> None:
    import gpt41cost
    from gpt41cost.errors import InputError

    d, _ = _logs(tmp_path, _broken)
    with pytest.raises(InputError) as got:
        gpt41cost.usage([str(d)])
    assert got.value.message.endswith("point it at a file or remove it, or pass skip_bad=True to skip it")
    assert gpt41cost.usage([str(d)], skip_bad=True).to_dict()["skipped"] == {"bad_link": 1}
