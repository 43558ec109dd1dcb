"""The report layer: turn each core result into one :class:`~gpt41cost.report.Report`."""


def counted(n: int, noun: str) -> str:
    """A count and its noun, singular for one: ``1 day``, ``1,234 days`` (``noun`` singular; the
    plural adds an s)."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"
