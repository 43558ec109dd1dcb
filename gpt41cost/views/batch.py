"""Batch API pre-flight: BatchCheck -> JSON and tables (part of the estimate report)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..batch import PREFLIGHT_ONLY, BatchCheck
from ..errors import source_name
from ..report import Report, Table


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


def batch_tables(checks: Sequence[BatchCheck]) -> list[Table]:
    tables: list[Table] = []
    for c in checks:
        verdict = (
            "REJECTED by OpenAI's checks"
            if c.openai_rejects
            else f"FAILS the pre-flight ({PREFLIGHT_ONLY})"
            if c.rejected
            else "passes OpenAI's checks"
        )
        rows = [
            [f.severity, "-" if f.line is None else f.line, f.code, f.message.removeprefix(f"line {f.line}: ")]
            for f in c.findings
        ]
        if not rows:
            rows = [["ok", "-", "-", f"{c.requests:,} requests, {c.file_bytes:,} bytes, one model, no findings"]]
        tables.append(
            Table(
                f"Batch pre-flight: {source_name(c.source)}: {verdict}",
                ["severity", "line", "check", "finding"],
                rows,
                numeric=frozenset({"line"}),
            )
        )
        qrows: list[list[Any]] = []
        for model, tiers in c.queue.items():
            for t in tiers:
                if not t.possible:
                    verdict_q = "never: a request exceeds the queue"
                elif t.fits_at_once:
                    verdict_q = "yes, at once"
                else:
                    verdict_q = f"in {t.batches_needed} batches"
                qrows.append(
                    [
                        model,
                        t.tier,
                        t.standard.limit,
                        t.standard.input_tokens,
                        t.long_context.limit,
                        t.long_context.input_tokens,
                        verdict_q,
                    ]
                )
        tables.append(
            Table(
                "Batch queue per tier (input tokens of pending batches, per model)",
                ["model", "tier", "queue limit", "file tokens", "LC queue limit", "LC file tokens", "enqueue"],
                qrows,
                numeric=frozenset({"tier", "queue limit", "file tokens", "LC queue limit", "LC file tokens"}),
            )
        )
    return tables


def preflight_report(checks: Sequence[BatchCheck]) -> Report:
    """The pre-flight alone: batch files with no request left to price (every line bad)."""
    from .estimate import SCHEMA_VERSION

    data = {"schema_version": SCHEMA_VERSION, "batch_preflight": [batch_json(c) for c in checks]}
    return Report("gpt41cost estimate: batch pre-flight", data, batch_tables(checks))
