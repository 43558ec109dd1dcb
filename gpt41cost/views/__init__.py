"""The report layer: turn each core result into one :class:`~gpt41cost.report.Report`."""
