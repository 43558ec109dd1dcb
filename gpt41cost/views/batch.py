"""Batch API pre-flight: BatchCheck -> JSON and tables (part of the estimate report)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..batch import PREFLIGHT_ONLY, BatchCheck
from ..errors import source_name
from ..report import Report, Table, n_requests


def batch_json(c: BatchCheck) -> dict[str, Any]:
    return {
        "source": c.source,
        "rejected": c.rejected,
        "openai_rejects": c.openai_rejects,
        "requests": c.requests,
        "file_bytes": c.file_bytes,
        "models": list(c.models),
        "input_tokens_by_model": dict(c.input_tokens),
        "findings": [
            {"severity": f.severity, "code": f.code, "line": f.line, "lines": list(f.lines), "message": f.message}
            for f in c.findings
        ],
        "queue_by_model": {
            model: [
                {
                    "tier": t.tier,
                    "fits_at_once": t.fits_at_once,
                    "possible": t.possible,
                    "batches_needed": t.batches_needed,
                    "queue_limit_tokens": t.standard.limit,
                    "long_context_queue_limit_tokens": t.long_context.limit,
                    "input_tokens": t.standard.input_tokens,
                    "long_context_input_tokens": t.long_context.input_tokens,
                }
                for t in tiers
            ]
            for model, tiers in c.queue.items()
        },
    }


def _verdict(c: BatchCheck) -> tuple[str, str]:
    """The file's verdict as people read it (a title) and as machines do (a CSV cell)."""
    if c.openai_rejects:
        return "REJECTED by OpenAI's checks", "openai_rejects"
    if c.rejected:
        return f"FAILS the pre-flight ({PREFLIGHT_ONLY})", "preflight_fails"
    return "passes OpenAI's checks", "passes"


def _queue_verdict(t: Any) -> str:
    if not t.possible:
        return "never: a request exceeds the queue"
    return "yes, at once" if t.fits_at_once else f"in {t.batches_needed} batches"


_FINDING_COLUMNS = ("severity", "line", "check", "finding")
_QUEUE_COLUMNS = ("model", "tier", "queue limit", "file tokens", "LC queue limit", "LC file tokens", "enqueue")
_QUEUE_NUMERIC = frozenset({"tier", "queue limit", "file tokens", "LC queue limit", "LC file tokens"})


def batch_tables(checks: Sequence[BatchCheck]) -> list[Table]:
    """Per file, its findings (titled with the file and its verdict) and its queue per tier, for
    people; for CSV, the same rows of every file in two tables whose names do not change with the
    files or verdicts, ``batch-preflight`` and ``batch-queue``, the file (and verdict) as columns."""
    tables: list[Table] = []
    all_findings: list[list[Any]] = []
    all_queue: list[list[Any]] = []
    for c in checks:
        verdict, verdict_raw = _verdict(c)
        rows: list[list[Any]] = [
            [f.severity, f.line, f.code, f.message.removeprefix(f"line {f.line}: ")] for f in c.findings
        ]
        if not rows:
            rows = [["ok", None, None, f"{n_requests(c.requests)}, {c.file_bytes:,} bytes, one model, no findings"]]
        name = source_name(c.source)
        tables.append(
            Table(
                f"Batch pre-flight: {name}: {verdict}",
                _FINDING_COLUMNS,
                rows,
                numeric=frozenset({"line"}),
                csv=False,
            )
        )
        all_findings += [[name, verdict_raw, *row] for row in rows]
        qrows: list[list[Any]] = [
            [
                model,
                t.tier,
                t.standard.limit,
                t.standard.input_tokens,
                t.long_context.limit,
                t.long_context.input_tokens,
                _queue_verdict(t),
            ]
            for model, tiers in c.queue.items()
            for t in tiers
        ]
        tables.append(
            Table(
                "Batch queue per tier (input tokens of pending batches, per model)"
                + (f": {name}" if len(checks) > 1 else ""),
                _QUEUE_COLUMNS,
                qrows,
                numeric=_QUEUE_NUMERIC,
                csv=False,
            )
        )
        all_queue += [[name, *row] for row in qrows]
    if checks:
        tables += [
            Table(
                "Batch pre-flight: findings of every file",
                ("file", "verdict", *_FINDING_COLUMNS),
                all_findings,
                numeric=frozenset({"line"}),
                name="batch-preflight",
                people=False,
            ),
            Table(
                "Batch queue per tier, every file",
                ("file", *_QUEUE_COLUMNS),
                all_queue,
                numeric=_QUEUE_NUMERIC,
                name="batch-queue",
                people=False,
            ),
        ]
    return tables


def preflight_report(checks: Sequence[BatchCheck]) -> Report:
    """The pre-flight alone: batch files with no request left to price (every line bad)."""
    from .estimate import SCHEMA_VERSION

    data = {"schema_version": SCHEMA_VERSION, "batch_preflight": [batch_json(c) for c in checks]}
    return Report("gpt41cost estimate: batch pre-flight", data, batch_tables(checks))
