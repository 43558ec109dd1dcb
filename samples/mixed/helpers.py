"""Prompt helpers: build the triage prompt from a ticket."""

TEMPLATE = "[System] Label the ticket.\n[User] {ticket}"


def build(ticket: str) -> str:
    return TEMPLATE.format(ticket=ticket)
