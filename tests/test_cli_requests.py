"""`estimate` on request-shaped inputs: detection, counting, cache detection, batch pre-flight, bad input."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from gpt41cost.errors import ExitCode
from gpt41cost.views.estimate import INPUT_KEYS, MODEL_KEYS

from .conftest import DATA, ROOT, Cli, model

FIXTURE = ["--pricing", str(DATA / "pricing-fixture.yaml")]
SAMPLES = ROOT / "samples" / "requests"


@pytest.fixture
def cli(cli: Cli) -> Cli:
    """Every run here is ``gpt41cost estimate ARGS --pricing <the frozen test catalog>``."""
    return cli.bound("estimate", tail=FIXTURE)


CHAT = {
    "model": "gpt-4.1",
    "max_tokens": 700,
    "messages": [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "Hello", "name": "ann"},
    ],
}


def write_jsonl(path: Path, rows: list) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def batch_line(i: int, body: dict | None = None, **over) -> dict:
    line = {"custom_id": f"r{i}", "method": "POST", "url": "/v1/chat/completions", "body": body or CHAT}
    line.update(over)
    return line


@pytest.mark.parametrize(
    ("sample", "kind"),
    [
        pytest.param("batch-support.jsonl", "batch", id="batch"),
        pytest.param("chat-support.json", "chat", id="chat"),
        pytest.param("responses-contract.json", "responses", id="responses"),
        pytest.param("finetune-train.jsonl", "finetune", id="finetune"),
        pytest.param("prompts.jsonl", "prompts", id="prompts"),
    ],
)
def test_kind_is_detected_and_contract_holds(cli, sample, kind):
    d = cli.json(str(SAMPLES / sample))
    [inp] = d["inputs"]
    assert tuple(inp) == INPUT_KEYS
    assert (inp["source"], inp["read_as"]) == (str(SAMPLES / sample), kind)
    assert inp["reason"] == f"extension {Path(sample).suffix}"
    assert d["skipped_inputs"] == []
    assert d["schema_version"] == 3
    for m in d["models"]:
        assert set(MODEL_KEYS) <= set(m)
    # one input: its figures are the models' totals
    totals = {m["model"]: m for m in d["models"]}
    for f in inp["models"]:
        assert f["input_tokens"] == totals[f["model"]]["input_tokens_total"]
        assert f["cached_input_tokens"] == totals[f["model"]]["cached_input_tokens_total"]
        assert f["total_usd"] == totals[f["model"]]["total_usd"]


def test_chat_overhead_by_hand(cli, tmp_path):
    # 3 per message + role + content (+1 and the name for a named message) + 3 priming
    p = tmp_path / "req.json"
    p.write_text(json.dumps(CHAT))
    m = model(cli.json(str(p), "--output-tokens", "100"), "gpt-4.1")
    # system: 3 + 1 ("system") + 4 ("You are terse.") ; user: 3 + 1 + 1 ("Hello") + 1 ("ann") + 1 ; priming 3
    assert m["input_tokens_total"] == 3 + 1 + 4 + 3 + 1 + 1 + 1 + 1 + 3
    # the request's own max_tokens is the worst case for output
    assert Decimal(m["worst_case_total_usd"]) == Decimal(m["input_tokens_total"] * 2 + 700 * 8) / 10**6
    assert Decimal(m["total_usd"]) == Decimal(m["input_tokens_total"] * 2 + 100 * 8) / 10**6


def test_requested_model_first_and_marked(cli, tmp_path):
    p = tmp_path / "req.json"
    p.write_text(json.dumps({**CHAT, "model": "gpt-4.1-nano-2025-04-14"}))
    r = cli(str(p))
    assert r.exit_code == 0
    first_row = next(line for line in r.stdout.splitlines() if "gpt-4.1" in line and "$" in line)
    assert "gpt-4.1-nano-2025-04-14 (requested)" in first_row  # the name the request gives


def test_force_kind(cli, tmp_path):
    p = tmp_path / "req.json"
    p.write_text(json.dumps(CHAT))
    d = cli.json(str(p), "--as", "text")
    assert d["inputs"][0]["read_as"] == "text"
    r = cli(str(p), "--as", "pdf")
    assert r.exit_code == ExitCode.USAGE
    assert "--as pdf: unknown kind 'pdf'" in r.stderr


def test_auto_cache_on_batch_file(cli):
    cold = cli.json(str(SAMPLES / "batch-support.jsonl"))
    warm = cli.json(str(SAMPLES / "batch-support.jsonl"), "--cache-warm")
    none = cli.json(str(SAMPLES / "batch-support.jsonl"), "--cache", "none")
    c, w, n = (model(x, "gpt-4.1")["cached_input_tokens_total"] for x in (cold, warm, none))
    assert n == 0
    assert 0 < c < w
    assert c % 128 == 0 and w % 128 == 0
    assert cold["assumptions"]["cache"] == "auto"
    assert cold["assumptions"]["processing"] == "batch"


def test_auto_cache_on_text_prompts_by_hand(cli, tmp_path):
    prefix = "word" + " word" * 1299  # 1,300 tokens shared
    for i in range(3):
        (tmp_path / f"p{i}.txt").write_text(prefix + f" tail{i} " + "x" * i)
    d = cli.json(str(tmp_path), "--cache", "auto", "-m", "gpt-4.1")
    # cold: first request 0, the next two 1,280 each (10 whole blocks of 128)
    assert d["models"][0]["cached_input_tokens_total"] == 2 * 1280


def test_batch_preflight_rejects_and_lists_every_finding(cli, tmp_path):
    f = write_jsonl(
        tmp_path / "b.jsonl",
        [
            batch_line(1),
            batch_line(1),
            "{not json",
            batch_line(4, method="GET"),
            batch_line(5, {**CHAT, "model": "gpt-4.1-mini"}),
        ],
    )
    r = cli(str(f), "-f", "json")
    assert r.exit_code == ExitCode.CHECK_FAILED
    d = json.loads(r.stdout)
    codes = {(x["code"], x["line"]) for x in d["batch_preflight"][0]["findings"]}
    assert ("duplicate_custom_id", 2) in codes
    assert ("not_json", 3) in codes
    assert ("bad_method", 4) in codes
    assert any(code == "mixed_models" for code, _ in codes)
    assert (d["batch_preflight"][0]["rejected"], d["batch_preflight"][0]["openai_rejects"]) == (True, True)
    assert r.stderr.count("\n") == 1
    assert "would reject this batch" in r.stderr


def test_batch_queue_per_tier(cli, tmp_path):
    f = write_jsonl(tmp_path / "b.jsonl", [batch_line(i) for i in range(3)])
    d = cli.json(str(f))
    q = d["batch_preflight"][0]["queue_by_model"]["gpt-4.1"]
    assert [t["tier"] for t in q] == [1, 2, 3, 4, 5]
    assert all(t["fits_at_once"] for t in q)
    assert (d["batch_preflight"][0]["rejected"], d["batch_preflight"][0]["openai_rejects"]) == (False, False)


def test_context_window_misfit_names_the_line(cli, tmp_path):
    big = {**CHAT, "max_tokens": 40_000}
    f = write_jsonl(tmp_path / "b.jsonl", [batch_line(1), batch_line(2, big)])
    r = cli(str(f), "-f", "json")
    assert r.exit_code == ExitCode.CHECK_FAILED  # max_tokens above the model's max output fails the batch
    d = json.loads(r.stdout)
    misfits = model(d, "gpt-4.1")["misfits"]
    assert [m["where"] for m in misfits] == [f"{f}:2"]
    assert "max output" in misfits[0]["problem"]


def test_finetune_training_cost_by_hand(cli, tmp_path):
    example = {"messages": [*CHAT["messages"], {"role": "assistant", "content": "Hi."}]}  # what training learns
    f = write_jsonl(tmp_path / "ft.jsonl", [example, example])
    d = cli.json(str(f), "--epochs", "4")
    m = model(d, "ft:gpt-4.1-mini")
    assert m["fine_tuned"] is True
    assert m["training_tokens"] == 2 * 4 * (m["input_tokens_total"] // 2)
    assert Decimal(m["training_usd"]) == Decimal(m["training_tokens"]) * Decimal("5.00") / 10**6


def test_remote_image_is_uncounted_unless_sized(cli, tmp_path):
    req = {
        "model": "gpt-4.1",
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is this?"},
                    {"type": "image_url", "image_url": {"url": "https://example.com/cat.png", "detail": "high"}},
                ],
            }
        ],
    }
    p = tmp_path / "img.json"
    p.write_text(json.dumps(req))
    d = cli.json(str(p))
    assert d["uncounted"] and "image-size" in d["uncounted"][0]["what"]
    sized = cli.json(str(p), "--image-size", "1024x1024")
    assert sized["uncounted"] == []
    # 1024x1024 at high detail on gpt-4.1: 765 tokens (the vision guide's example)
    assert model(sized, "gpt-4.1")["input_tokens_total"] - model(d, "gpt-4.1")["input_tokens_total"] == 765


@pytest.mark.parametrize(
    ("content", "args", "code", "message"),
    [
        pytest.param(
            '{"model": "gpt-4.1", "messages": [{"role": "user", "content": "hi"}',
            [],
            ExitCode.INPUT,
            "is not valid JSON",
            id="truncated-json",
        ),
        pytest.param(
            '{"model": "gpt-4.1", "messages": [{"role": "user"}]}',
            [],
            ExitCode.INPUT,
            "message 1 has no content",
            id="message-without-content",
        ),
        pytest.param(
            '{"model": "gpt-4.1-mni", "messages": [{"role": "user", "content": "x"}]}',
            [],
            ExitCode.INPUT,
            "did you mean gpt-4.1-mini",
            id="unknown-model",
        ),
        pytest.param(
            '"one"\n"two"\n{broken\n"four"\n', [], ExitCode.INPUT, "line 3 is not valid JSON", id="jsonl-broken-line"
        ),
        pytest.param("", ["--as", "batch"], ExitCode.INPUT, "empty file", id="empty-batch"),
        pytest.param("\x89PNG\r\n\x1a\n\x00\x00", [], ExitCode.INPUT, "truncated image header", id="truncated-image"),
        pytest.param(
            '{"model": "gpt-4.1", "messages": []}',
            ["--image-size", "big"],
            ExitCode.USAGE,
            "--image-size: expected WxH",
            id="bad-image-size",
        ),
    ],
)
def test_bad_request_input(cli, tmp_path, content, args, code, message):
    p = tmp_path / "input.json"
    p.write_bytes(content.encode("latin-1") if content.startswith("\x89") else content.encode())
    r = cli(str(p), *args)
    assert r.exit_code == code, (r.stdout, r.stderr)
    assert r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1
    assert message in r.stderr
    assert str(p) in r.stderr or code == ExitCode.USAGE


@pytest.mark.parametrize(
    "content",
    [
        pytest.param('{"model":', id="cut-after-first-key"),
        pytest.param('{"temperature": 0.2, "mod', id="cut-mid-key"),
    ],
)
def test_broken_json_data_file_is_an_error_naming_line_and_column(cli, tmp_path, content):
    p = tmp_path / "req.json"
    p.write_text(content)
    r = cli(str(p))
    assert r.exit_code == ExitCode.INPUT
    assert r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1
    assert f"{p}: line 1, column {len(content) + 1}: not valid JSON (unexpected end of data (truncated?))" in r.stderr
    assert "--skip-bad" in r.stderr and "--as text=req.json" in r.stderr
    assert cli(str(p), "--as", "text").exit_code == 0
    assert cli(str(p), "--as", "text=req.json").exit_code == 0
    # --skip-bad skips the file and says so; with nothing else to read there is nothing to estimate
    r = cli(str(p), "--skip-bad")
    assert r.exit_code == ExitCode.USAGE and "skipped: " in r.stderr and "nothing to estimate" in r.stderr


def test_valid_json_that_is_not_a_request_is_counted_as_text(cli, tmp_path):
    p = tmp_path / "config.json"
    p.write_text('{"name": "not a request"}')
    d = cli.json(str(p))
    assert d["inputs"][0]["read_as"] == "text"


def test_broken_jsonl_line_says_nothing_was_counted_and_skip_bad_counts_the_rest(cli, tmp_path):
    p = write_jsonl(tmp_path / "prompts.jsonl", ['"one"', '"two"', "{broken", '"four"'])
    r = cli(str(p))
    assert "line 3" in r.stderr and "nothing was counted" in r.stderr and "--skip-bad" in r.stderr
    r = cli(str(p), "--skip-bad", "-f", "json")
    assert r.exit_code == 0
    assert json.loads(r.stdout)["models"][0]["requests"] == 3
    assert "line 3" in r.stderr and "1 bad line or file skipped; the others were counted" in r.stderr


def test_stdin_request(cli):
    d = cli.json("-", input=json.dumps(CHAT))
    assert d["inputs"][0]["read_as"] == "chat"


def test_calibrate_from_usage_records(cli, tmp_path):
    # two logged responses on gpt-4.1: outputs 100 and 300 -> mean 200; cached 512 of 2,048 input -> 25%
    log = tmp_path / "log.jsonl"
    rows = [
        {
            "model": "gpt-4.1-2025-04-14",
            "usage": {
                "prompt_tokens": 1024,
                "completion_tokens": 100,
                "total_tokens": 1124,
                "prompt_tokens_details": {"cached_tokens": 0},
            },
        },
        {
            "model": "gpt-4.1-2025-04-14",
            "usage": {
                "prompt_tokens": 1024,
                "completion_tokens": 300,
                "total_tokens": 1324,
                "prompt_tokens_details": {"cached_tokens": 512},
            },
        },
    ]
    write_jsonl(log, rows)
    d = cli.json("--input-tokens", "8000", "-m", "gpt-4.1", "--calibrate-from", str(log))
    a = d["assumptions"]
    assert a["output_tokens_by_model"] == {"gpt-4.1": 200}
    assert Decimal(a["cache_hit_rate_by_model"]["gpt-4.1"]) == Decimal("0.25")
    m = d["models"][0]
    assert m["output_tokens_total"] == 200
    assert m["cached_input_tokens_total"] == 1920  # 25% of 8,000 = 2,000 -> 1,920 in 128-token steps
    # an explicit flag still wins over the calibration
    d = cli.json("--input-tokens", "8000", "-m", "gpt-4.1", "--calibrate-from", str(log), "--output-tokens", "50")
    assert d["models"][0]["output_tokens_total"] == 50


def test_calibrate_from_file_without_usage(cli, tmp_path):
    bad = tmp_path / "empty.jsonl"
    bad.write_text("")
    r = cli("--input-tokens", "10", "--calibrate-from", str(bad))
    assert r.exit_code == ExitCode.INPUT
    assert r.stdout == ""
    assert str(bad) in r.stderr


def test_cache_detection_per_model_when_images_make_the_blocks_differ(cli, tmp_path):
    """Images make the models' blocks differ part of the way through the run: each model gets
    its own cached figure, and a warm run never gets less than a cold one."""
    import base64

    from .test_images import png_header

    policy = " ".join(f"Rule {k}: answer the customer in plain words." for k in range(300))
    rows = []
    for i in range(24):
        messages: list[dict] = [
            {"role": "system", "content": policy if i % 3 else policy[: len(policy) // 2]},
            {"role": "user", "content": f"Question {i % 5}: where is my order?"},
        ]
        if i % 4 == 3:  # the same image, then text the image lines share: per model, other blocks
            url = "data:image/png;base64," + base64.b64encode(png_header(1500, 800)).decode()
            image = {"type": "image_url", "image_url": {"url": url}}
            messages.insert(1, {"role": "user", "content": [image, {"type": "text", "text": policy}]})
        rows.append(batch_line(i, {"model": "gpt-4.1-mini", "messages": messages}))
    path = write_jsonl(tmp_path / "batch.jsonl", rows)
    figures = {}
    for how in ("--cache-cold", "--cache-warm"):
        got = cli.json(str(path), how)
        figures[how] = {m["model"]: m["cached_input_tokens_total"] for m in got["models"]}
    cold, warm = figures["--cache-cold"], figures["--cache-warm"]
    assert all(c > 0 for c in cold.values()) and len(set(cold.values())) > 1, cold
    assert all(warm[m] >= cold[m] for m in cold) and warm != cold, figures
