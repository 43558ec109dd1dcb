"""`gpt41cost verify`: local versus API counts as a report."""

from __future__ import annotations

from ..report import Report, Shown, Table
from ..verify import VerifyResult


def verify_report(result: VerifyResult) -> Report:
    rows = result.rows
    n = len(rows)
    diffs = [r.difference for r in rows if r.difference is not None]
    mean = sum(abs(d) for d in diffs) / len(diffs) if diffs else 0.0
    return Report(
        title=f"Local counts against OpenAI's, POST <base URL>{result.endpoint} ({result.exact} of {n} exact)",
        data={
            "schema_version": 1,
            "endpoint": result.endpoint,
            "requests": n,
            "exact": result.exact,
            "refused": result.refused,
            "worst_difference": result.worst,
            "rows": [
                {
                    "request": r.where,
                    "model": r.model,
                    "local_tokens": r.local,
                    "api_tokens": r.api,
                    "difference": r.difference,
                    "explanation": r.explanation,
                    "uncounted": list(r.uncounted),
                }
                for r in rows
            ],
        },
        tables=[
            Table(
                "Input tokens per request",
                ["request", "model", "gpt41cost", "API", "difference", "rule that explains it"],
                [
                    [
                        r.where,
                        r.model,
                        r.local,
                        r.api,
                        None if r.difference is None else Shown(f"{r.difference:+d}", r.difference),
                        r.explanation,
                    ]
                    for r in rows
                ],
                numeric=frozenset({"gpt41cost", "API", "difference"}),
            )
        ],
        notes=[
            f"{result.exact} of {n} exact; mean absolute difference {mean:.1f}; worst {result.worst:+d} "
            "(difference = gpt41cost - API)"
            + (f"; {result.refused} refused by the API (400)." if result.refused else "."),
            "Sent: model, input, instructions, tools, tool_choice, parallel_tool_calls, text (Chat bodies converted "
            "to Responses input); nothing else of the requests.",
        ],
    )
