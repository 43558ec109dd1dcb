"""`gpt41cost verify`: local versus API counts as a report."""

from __future__ import annotations

from ..report import Report, Shown, Table, n_requests
from ..verify import VerifyResult


def summary(result: VerifyResult) -> str:
    """The note on the counts: how many are exact, and the difference figures over the requests
    compared only, saying how many those are and why the others are not (none compared: no
    figures, never a difference of 0)."""
    n, compared = len(result.rows), result.compared
    why = []
    if result.refused:
        why.append(f"the API refused {n_requests(result.refused)} (400)")
    if result.bad_answers:
        why.append(f"the server answered {n_requests(result.bad_answers)} with no count of tokens (a bad answer)")
    head = f"{result.exact} of {n} exact"
    if not compared:
        return f"{head}; none could be compared: {'; '.join(why) or 'no requests given'}."
    mean, worst = result.mean_absolute_difference, result.worst
    assert mean is not None and worst is not None  # some request was compared
    over = "" if compared == n else f"over the {compared} compared: "
    figures = f"{over}mean absolute difference {mean:.1f}; worst {worst:+d} (difference = gpt41cost - API)"
    rest = f"; {n - compared} not compared: {'; '.join(why)}" if compared < n else ""
    return f"{head}; {figures}{rest}."


def verify_report(result: VerifyResult) -> Report:
    rows = result.rows
    n = len(rows)
    return Report(
        title=f"Local counts against OpenAI's, POST <base URL>{result.endpoint} ({result.exact} of {n} exact)",
        data={
            "schema_version": 1,
            "endpoint": result.endpoint,
            "requests": n,
            "exact": result.exact,
            "compared": result.compared,
            "refused": result.refused,
            "bad_answers": result.bad_answers,
            "mean_absolute_difference": result.mean_absolute_difference,
            "worst_difference": result.worst,
            "rows": [
                {
                    "request": r.where,
                    "model": r.model,
                    "local_tokens": r.local,
                    "api_tokens": r.api,
                    "difference": r.difference,
                    "not_compared": r.not_compared,
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
            summary(result),
            "Sent: model, input, instructions, tools, tool_choice, parallel_tool_calls, text (Chat bodies converted "
            "to Responses input); nothing else of the requests.",
        ],
    )
