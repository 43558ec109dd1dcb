"""`gpt41cost rules`: the rules as a report."""

from __future__ import annotations

from ..report import Report, Table
from ..rules import Rule


def rules_report(rules: list[Rule]) -> Report:
    return Report(
        title="Rules behind every figure (documented by OpenAI, or inferred)",
        data={
            "schema_version": 1,
            "rules": [
                {
                    "area": r.area,
                    "name": r.name,
                    "basis": r.basis,
                    "text": r.text,
                    "source": r.source,
                    "evidence": r.evidence,
                }
                for r in rules
            ],
        },
        tables=[
            Table(
                "Rules",
                ["area", "rule", "basis", "what gpt41cost does", "evidence"],
                [[r.area, r.name, r.basis, r.text, r.evidence] for r in rules],
            )
        ],
        notes=[
            "Sources: see docs/accounting.md (PRICING, LAUNCH, CACHE, BATCH, RL, VISION, CB, TK). 'measured': "
            "inferred from API-measured counts in public code and logs; each case is in tests/data/fidelity."
        ],
    )
