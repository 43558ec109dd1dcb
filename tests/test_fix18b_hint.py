"""Session 18, fix18b, 1: the hint after the note on requests whose body asks for priority says what
``--priority`` would do with the run: every online request at priority rates, those over the
long-context threshold at standard (tests/test_fixI15.py pins that case), a Batch file's requests
at Batch rates (the Batch API has no priority processing), and refused with a fine-tuned model.
Before, it read "--priority prices every request at priority" in every case. Each test also runs
``--priority`` to check the hint against what it does."""

from __future__ import annotations

from pathlib import Path

from gpt41cost.errors import ExitCode

BATCH = str(Path(__file__).parent / "data" / "batch_mode" / "batch.jsonl")  # 5 Batch lines
HEAD = (
    "1 request of {n} asks for priority processing (service_tier priority or fast in the body): priced at "
    "priority rates (a fine-tuned model's at standard: it has no priority prices); "
)


def _files(tmp_path: Path) -> tuple[str, str]:
    asks, plain = tmp_path / "asks.json", tmp_path / "plain.json"
    asks.write_text('{"model": "gpt-4.1", "service_tier": "priority", "messages": [{"role": "user", "content": "hi"}]}')
    plain.write_text('{"model": "gpt-4.1", "messages": [{"role": "user", "content": "hi"}]}')
    return str(asks), str(plain)


def _asked(doc: dict) -> list[str]:  # type: ignore[type-arg]
    return [n for n in doc["notes"] if "asks for priority" in n]


def test_with_a_batch_file_the_hint_says_its_requests_stay_at_batch_rates(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    asks, plain = _files(tmp_path)
    doc = cli.json("estimate", asks, plain, BATCH, "-m", "gpt-4.1-mini")
    assert _asked(doc) == [
        HEAD.format(n=7) + "--priority prices every online request at priority; a Batch file's requests stay at "
        "Batch rates (the Batch API has no priority processing)"
    ]
    flagged = cli.json("estimate", asks, plain, BATCH, "-m", "gpt-4.1-mini", "--priority")
    assert [i["processing"] for i in flagged["inputs"]] == ["priority", "priority", "batch"]


def test_with_online_requests_alone_the_hint_says_every_online_request(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    asks, plain = _files(tmp_path)
    doc = cli.json("estimate", asks, plain, "-m", "gpt-4.1-mini")
    assert _asked(doc) == [HEAD.format(n=2) + "--priority prices every online request at priority"]
    flagged = cli.json("estimate", asks, plain, "-m", "gpt-4.1-mini", "--priority")
    assert [i["processing"] for i in flagged["inputs"]] == ["priority", "priority"]


def test_with_a_fine_tuned_model_the_hint_says_priority_is_refused(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    asks, _ = _files(tmp_path)
    ft = "ft:gpt-4.1-mini-2025-04-14:org::abc"
    doc = cli.json("estimate", asks, "-m", ft, "-m", "gpt-4.1-mini")
    assert _asked(doc) == [
        HEAD.format(n=1) + "--priority (every online request at priority rates) is refused with a fine-tuned model "
        "among the models"
    ]
    run = cli("estimate", asks, "-m", ft, "-m", "gpt-4.1-mini", "--priority")
    assert (run.exit_code, run.stdout) == (ExitCode.USAGE, "")
    assert "no priority prices for fine-tuned models; drop --priority" in run.stderr
