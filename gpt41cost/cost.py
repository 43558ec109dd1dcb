"""Exact cost arithmetic (docs/accounting.md §2).

``cost = (input - cached) * rate_in + cached * rate_cached + output * rate_out``, all / 1e6,
in :class:`~decimal.Decimal`. Nothing is rounded here; reports round when they render.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .catalog import Rates, ResolvedModel, rates_for
from .errors import UsageError

PER_TOKENS = 1_000_000
#: Named inference (docs/accounting.md §2): the pricing page prints no cached rate under Batch,
#: so cached tokens in a batch request are billed at the batch input rate.
BATCH_CACHED_AT_INPUT_RATE = (
    "cached input tokens in Batch requests are billed at the batch input rate "
    "(inference: no cached batch rate is published)"
)


@dataclass(frozen=True)
class TokenUsage:
    """Tokens of one request or a sum of requests. ``cached_input_tokens`` is part of ``input_tokens``."""

    input_tokens: int
    cached_input_tokens: int
    output_tokens: int

    def __post_init__(self) -> None:
        if min(self.input_tokens, self.cached_input_tokens, self.output_tokens) < 0:
            raise UsageError(f"token counts cannot be negative: {self}")
        if self.cached_input_tokens > self.input_tokens:
            raise UsageError(
                f"cached input tokens ({self.cached_input_tokens}) exceed input tokens ({self.input_tokens})"
            )

    def __add__(self, other: TokenUsage) -> TokenUsage:
        return TokenUsage(
            self.input_tokens + other.input_tokens,
            self.cached_input_tokens + other.cached_input_tokens,
            self.output_tokens + other.output_tokens,
        )

    def scaled(self, k: int) -> TokenUsage:
        return TokenUsage(self.input_tokens * k, self.cached_input_tokens * k, self.output_tokens * k)


@dataclass(frozen=True)
class Cost:
    """USD, exact. ``total_usd`` is the sum of the three lines."""

    uncached_input_usd: Decimal
    cached_input_usd: Decimal
    output_usd: Decimal

    @property
    def input_usd(self) -> Decimal:
        return self.uncached_input_usd + self.cached_input_usd

    @property
    def total_usd(self) -> Decimal:
        return self.uncached_input_usd + self.cached_input_usd + self.output_usd

    def __add__(self, other: Cost) -> Cost:
        return Cost(
            self.uncached_input_usd + other.uncached_input_usd,
            self.cached_input_usd + other.cached_input_usd,
            self.output_usd + other.output_usd,
        )


ZERO_COST = Cost(Decimal(0), Decimal(0), Decimal(0))


def _usd(tokens: int, rate_per_million: Decimal) -> Decimal:
    # scaleb is exact: it shifts the decimal exponent, no division, no rounding. No tokens cost a
    # plain 0, which prints as "0" (0 x a rate, shifted, is 0E-8).
    if not tokens:
        return Decimal(0)
    return (Decimal(tokens) * rate_per_million).scaleb(-6)


def cost_of(usage: TokenUsage, rates: Rates) -> Cost:
    """Exact cost of ``usage`` at ``rates``. Cached tokens with no cached rate bill at the input rate."""
    cached_rate = rates.cached_input if rates.cached_input is not None else rates.input
    return Cost(
        uncached_input_usd=_usd(usage.input_tokens - usage.cached_input_tokens, rates.input),
        cached_input_usd=_usd(usage.cached_input_tokens, cached_rate),
        output_usd=_usd(usage.output_tokens, rates.output),
    )


def price(usage: TokenUsage, model: ResolvedModel, mode: str = "standard") -> Cost:
    """Cost of ``usage`` on ``model`` in ``mode`` (standard, batch, priority)."""
    return cost_of(usage, rates_for(model, mode))


def training_cost(training_tokens: int, model: ResolvedModel) -> Decimal:
    """Fine-tuning training cost: tokens (already multiplied by epochs) x the training price."""
    return _usd(training_tokens, model.spec.prices.training)


def cached_tokens_for_rate(input_tokens: int, hit_rate: Decimal, min_tokens: int, step: int) -> int:
    """Cached tokens OpenAI could report for a request at ``hit_rate`` (docs/accounting.md §7).

    0 below ``min_tokens``; otherwise ``input * rate`` rounded down to a multiple of ``step``,
    and 0 again if that is below ``min_tokens`` (hits come as 1024, 1152, 1280, ...).
    """
    if input_tokens < min_tokens:
        return 0
    raw = int((Decimal(input_tokens) * hit_rate) // 1)
    cached = (raw // step) * step
    return cached if cached >= min_tokens else 0
