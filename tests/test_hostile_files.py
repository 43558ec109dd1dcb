"""Filesystem cases (#18), a table: every command that reads files meets each one and keeps the
promise: one line, the documented exit code, nothing on stdout, no hang, no input modified. The
cases that would hang or fill memory if the promise broke (a FIFO, /dev/zero) run in a process
under a timeout and a memory limit (conftest's ``cli.process``); the others in-process."""

from __future__ import annotations

import errno
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from gpt41cost.errors import InputError
from gpt41cost.readers import files

PROMPT = "Summarise the ticket below in one line.\n"


def _dir_with(extra: Callable[[Path], None]) -> Callable[[Path], list[str]]:
    def make(tmp: Path) -> list[str]:
        d = tmp / "prompts"
        d.mkdir()
        (d / "a.txt").write_text(PROMPT)
        extra(d)
        return [str(d)]

    return make


def _broken_link(d: Path) -> None:
    (d / "gone.txt").symlink_to(d / "nowhere.txt")


def _loop(d: Path) -> None:
    (d / "loop1.txt").symlink_to(d / "loop2.txt")
    (d / "loop2.txt").symlink_to(d / "loop1.txt")


def _fifo(d: Path) -> None:
    os.mkfifo(d / "pipe.txt")


def _dir_link_loop(d: Path) -> None:
    (d / "sub").mkdir()
    (d / "sub" / "up").symlink_to(d, target_is_directory=True)


def _state(root: Path) -> dict[Path, tuple[int, int, int]]:
    return {p: (s.st_mode, s.st_size, s.st_mtime_ns) for p in root.rglob("*") for s in [p.lstat()]}


# (how to make the input, exit code, a part of the one line; None = success with a report). A
# case that would block or fill memory if the promise broke (a FIFO, /dev/zero) runs in a process
# under the timeout and memory limit (True below); the others run in this process (``cli``).
CASES = [
    pytest.param(_dir_with(_broken_link), 3, "gone.txt: a broken symbolic link", False, id="broken-link-in-dir"),
    pytest.param(_dir_with(_loop), 3, "a symbolic link loop", False, id="link-loop-in-dir"),
    pytest.param(_dir_with(_fifo), 0, None, True, id="fifo-in-dir-skipped"),
    pytest.param(_dir_with(_dir_link_loop), 0, None, False, id="dir-link-loop-not-followed"),
    pytest.param(lambda tmp: [str(tmp / ("x" * 300) / "y.txt")], 3, "path too long", False, id="name-too-long"),
    pytest.param(lambda tmp: [str(tmp / "nope.txt")], 3, "no such file or directory", False, id="missing"),
    pytest.param(lambda tmp: ["/dev/zero"], 3, "over 64 MiB read whole", True, id="dev-zero"),
]


@pytest.mark.parametrize(("make", "code", "message", "process"), CASES)
@pytest.mark.parametrize("command", ["estimate", "limits"])
def test_filesystem_cases(
    cli, tmp_path: Path, command: str, make, code: int, message: str | None, process: bool
) -> None:
    args = make(tmp_path)
    extra = ["--max-tokens", "100", "--peak-rpm", "10"] if command == "limits" else []
    before = _state(tmp_path)
    argv = [command, *args, *extra, "-m", "gpt-4.1", "-f", "json"]
    r = cli.process(argv) if process else cli(argv)
    assert r.exit_code == code, r.stderr
    assert "Traceback" not in r.stderr
    if message is None:
        assert r.stdout.startswith("{")
    else:
        assert r.stdout == ""
        assert r.stderr.count("\n") == 1 and message in r.stderr, r.stderr
    assert _state(tmp_path) == before  # nothing modified


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(_dir_with(_broken_link), "a broken symbolic link", id="broken-link"),
        pytest.param(_dir_with(_loop), "a symbolic link loop", id="loop"),
    ],
)
def test_usage_walks_the_same(cli, tmp_path: Path, make, message: str) -> None:
    r = cli(["usage", *make(tmp_path)])
    assert r.exit_code == 3 and message in r.stderr


def test_usage_skips_a_fifo_in_a_directory(cli, tmp_path: Path) -> None:
    d = tmp_path / "logs"
    d.mkdir()
    (d / "log.jsonl").write_bytes((Path(__file__).parents[1] / "samples/usage/chat-completions.jsonl").read_bytes())
    os.mkfifo(d / "pipe.jsonl")
    r = cli.process("usage", d, "-f", "json")  # a FIFO: in a process, under the timeout
    assert r.exit_code == 0, r.stderr


@pytest.mark.parametrize(
    ("args", "code", "message", "process"),
    [
        pytest.param(["plan", "/dev/zero"], 3, "over 4 MiB read whole", True, id="workload-dev-zero"),
        pytest.param(["pricing", "--pricing", "/dev/zero"], 4, "over 4 MiB read whole", True, id="catalog-dev-zero"),
        pytest.param(
            ["estimate", "--encoding", "rot13", "README.md"], 2, "'rot13' is not a text encoding", False, id="rot13"
        ),
        pytest.param(
            ["estimate", "--encoding", "bz2", "README.md"], 2, "'bz2' is not a text encoding", False, id="bz2"
        ),
    ],
)
def test_named_special_files_and_codecs(cli, monkeypatch, args: list[str], code: int, message: str, process) -> None:
    monkeypatch.chdir(Path(__file__).parents[1])
    r = cli.process(args) if process else cli(args)
    assert (r.exit_code, r.stdout) == (code, ""), r.stderr
    assert r.stderr.count("\n") == 1 and message in r.stderr, r.stderr


def test_utf16_gets_a_hint(cli, tmp_path: Path) -> None:
    p = tmp_path / "p.txt"
    p.write_text(PROMPT, encoding="utf-16")
    r = cli(["estimate", str(p)])
    assert r.exit_code == 3 and "add --encoding utf-16" in r.stderr


def _locked_subdirectory(root: Path, monkeypatch: pytest.MonkeyPatch, name: str = "ok.txt", text: str = PROMPT) -> None:
    """``root`` with ``name`` and a subdirectory ``locked`` (holding another) that cannot be listed."""
    (root / name).write_text(text)
    (root / "locked").mkdir()
    (root / "locked" / name).write_text(text)
    real = os.scandir

    def scandir(path: str | os.PathLike[str]) -> object:
        if str(path).endswith("locked"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)


def test_unreadable_subdirectory_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """os.walk swallows a directory it cannot list unless asked: the walk fails naming it (a
    permission error is simulated: tests may run as root, which chmod does not stop)."""
    _locked_subdirectory(tmp_path, monkeypatch)
    with pytest.raises(InputError, match="locked: directory cannot be read"):
        list(files.walk(str(tmp_path)))


def test_an_io_error_is_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    class Failing:
        def read(self, n: int = -1) -> bytes:
            raise OSError(errno.EIO, "Input/output error")

    with pytest.raises(InputError, match=r"p\.txt: cannot read: Input/output error"):
        files.read_limited(Failing(), str(tmp_path / "p.txt"))  # type: ignore[arg-type]


def test_unreadable_subdirectory_is_skipped_and_listed_with_skip_bad(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With --skip-bad the directory is left out and listed with the skipped inputs (exit 0);
    without it the run fails naming it (permission error simulated, as above)."""

    _locked_subdirectory(tmp_path, monkeypatch)
    r = cli(["estimate", str(tmp_path)])
    assert r.exit_code == 3 and r.stdout == ""
    assert "locked: directory cannot be read" in r.stderr
    r = cli(["estimate", str(tmp_path), "--skip-bad", "-f", "json"])
    assert r.exit_code == 0, r.stderr
    assert "skipped: " in r.stderr and "locked: directory cannot be read" in r.stderr
    assert json.loads(r.stdout)["inputs"][0]["requests"] == 1


def test_usage_unreadable_subdirectory_is_an_error_or_skipped_with_skip_bad(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """usage walks as estimate does: the run fails naming the directory (exit 3), or with
    --skip-bad counts the rest and lists the directory with the skipped records; --strict wins."""
    log = (Path(__file__).parents[1] / "samples/usage/chat-completions.jsonl").read_text()
    _locked_subdirectory(tmp_path, monkeypatch, "log.jsonl", log)
    r = cli(["usage", str(tmp_path)])
    assert (r.exit_code, r.stdout) == (3, "")
    why = "directory cannot be read (permission denied); fix it or leave it out"
    assert r.stderr == f"gpt41cost: error: {tmp_path / 'locked'}: {why}\n"
    alone = cli(["usage", str(tmp_path / "log.jsonl"), "-f", "json"])
    r = cli(["usage", str(tmp_path), "--skip-bad", "-f", "json"])
    assert r.exit_code == 0, r.stderr
    assert f"{tmp_path / 'locked'}: directory cannot be read" in r.stderr
    assert "skipped 1 bad record (unreadable directory: 1)" in r.stderr
    got, want = json.loads(r.stdout), json.loads(alone.stdout)
    assert got["skipped"] == {"unreadable_dir": 1}
    assert (got["requests"], got["total_usd"]) == (want["requests"], want["total_usd"])
    r = cli(["usage", str(tmp_path), "--skip-bad", "--strict"])
    assert r.exit_code == 3 and "locked: directory cannot be read" in r.stderr
