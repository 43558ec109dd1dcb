"""Numbers as people type them: the one parser for every number a user gives, in flags and files.

Counts (requests, tokens): ``1000000``, ``1_000_000``, ``1,000,000``, ``1e6`` and ``1.5e6``;
refused when not a whole number. Rates and shares: ``0.8`` or ``80%``. Other quantities (a peak
factor, a budget in USD, a price): plain decimals, ``_`` and ``,`` groupings and exponents; a sum
of money may start with ``$`` (``$5,000``).

Every number is bounded to a documented :class:`Range` (README, "Numbers"), so a typo such as
``1e18`` requests a day or a price of ``1e999999`` is one line, not an arithmetic error deep in
the core (exact decimals overflow their context, and ``int(Decimal("1e999999999"))`` would spin).
Errors are :class:`NumberError` s with a message that fits after ``flag:`` or ``file:line: key:``.
Values are exact: a YAML float is read from its shortest repr, never through binary on the way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation

from .errors import quoted

#: Longer than any number a person types; a longer "number" is refused before it is parsed.
MAX_CHARS = 64

# 1,000,000 (groups of three) or 1_000_000 (Python's rule: one _ between digits); then an optional
# fraction and exponent. Plain 1000000 matches the second form.
_NUMBER = re.compile(
    r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+(?:_\d+)*)(?:\.(?:\d+(?:_\d+)*)?)?(?:[eE][+-]?\d+)?"
    r"|[+-]?\.\d+(?:_\d+)*(?:[eE][+-]?\d+)?"
)


class NumberError(ValueError):
    """A number that cannot be read, or is out of its range; ``str()`` is one line as shown (the text
    it quotes is as read, :func:`~gpt41cost.errors.quoted`: ``report.display`` escapes a line break in
    it, as the CLI and the reports show every message). ``hinted``: the
    message already ends with examples of what to give (a caller adds no hint of its own)."""

    def __init__(self, message: str, *, hinted: bool = False) -> None:
        super().__init__(message)
        self.hinted = hinted


@dataclass(frozen=True)
class Range:
    """The documented range of one kind of number: ``low`` to ``high``, both included unless
    ``above`` (then the number must be more than ``low``)."""

    what: str  # for the README table, e.g. "requests per day"
    low: Decimal
    high: Decimal
    above: bool = False
    #: a sum of money: a leading ``$`` is read too (``$5,000``), in flags and files alike
    money: bool = False
    #: a count (requests, tokens, ...): refused when not a whole number, by whichever parser reads it
    whole: bool = False

    def at_least(self, low: int | Decimal) -> Range:
        """This range from ``low`` instead."""
        return replace(self, low=Decimal(low))

    def positive(self) -> Range:
        """This range without its lower bound: numbers must be more than it."""
        return replace(self, above=True)

    def check(self, d: Decimal, text: str) -> None:
        if self.above and d <= self.low:
            raise NumberError(f"must be more than {_show(self.low)}, got {text}")
        if d < 0 and self.low == 0:
            raise NumberError(f"cannot be negative, got {text}")
        if not self.low <= d <= self.high:
            raise NumberError(f"must be between {_show(self.low)} and {_show(self.high)}{self.note}, got {text}")

    @property
    def note(self) -> str:
        return " (or 0% and 100%)" if self == SHARE else ""


def _show(d: Decimal) -> str:
    """A bound as people read it: 1,000,000,000,000 or 0.5."""
    return f"{d:,}" if d == d.to_integral_value() else f"{d.normalize():f}"


# The ranges (README, "Numbers"). Together they keep every monthly figure under 10^22 USD, well
# inside the 28 significant digits of Decimal's default context, so money never rounds or traps.
#: Tokens in one request (input, output, cached, a reservation): the largest context window is ~1M.
TOKENS = Range("tokens per request", Decimal(0), Decimal(10**8), whole=True)
#: Requests per day, per month, or waiting in a backlog: counts.
REQUESTS = Range("requests (per day, month, minute, backlog)", Decimal(0), Decimal(10**12), whole=True)
#: Requests in the peak minute: a rate, not a count (``peak_rpm: 55.2`` is read as given).
PEAK_RPM = Range("requests in the peak minute", Decimal(0), REQUESTS.high)
#: A share or rate: cache hit rate, batch share, a routing share, a what-if share.
SHARE = Range("shares and rates (0.8 or 80%)", Decimal(0), Decimal(1))
#: Rate-limit headroom in percent (below 100 where a check needs room left).
PERCENT = Range("percentages (--min-headroom)", Decimal(0), Decimal(100))
#: Peak minute over the day's average minute.
PEAK_FACTOR = Range("peak factor", Decimal(1), Decimal(1440))
#: A budget or other sum of money a user gives, USD: more than 0 (a budget of $0 leaves no spend to
#: plan or forecast against), the same for --budget and budget_usd_per_month.
USD = Range("budgets in USD", Decimal(0), Decimal(10**15), above=True, money=True)
#: A catalog price, USD per 1M tokens (or per unit), or a tier's payment or cap, USD.
PRICE = Range("catalog prices and tier amounts in USD", Decimal(0), Decimal(10**9), money=True)
#: A catalog count: context windows, output caps, tier limits (RPM, TPM, batch queue).
LIMIT = Range("catalog limits (tokens, requests, bytes)", Decimal(0), Decimal(10**15), whole=True)
#: A usage tier.
TIER = Range("usage tier", Decimal(1), Decimal(5), whole=True)
#: Fine-tuning epochs (OpenAI allows up to 50).
EPOCHS = Range("fine-tuning epochs", Decimal(1), Decimal(50), whole=True)
#: Worker processes (--jobs): more than this only adds memory and start-up.
JOBS = Range("processes (--jobs)", Decimal(1), Decimal(64), whole=True)

#: Seconds to wait for the API (--timeout, --backoff): a stalled server is not waited on past an
#: hour (``inf`` and ``nan`` were tracebacks from the socket).
SECONDS = Range("seconds (--timeout, --backoff)", Decimal(0), Decimal(3600))
#: Retries of one API call (--retries), each after up to 60 s.
RETRIES = Range("retries (--retries)", Decimal(0), Decimal(20), whole=True)
#: API calls under way at once (verify --concurrency).
CONCURRENCY = Range("calls at once (--concurrency)", Decimal(1), Decimal(32), whole=True)

RANGES = (
    TOKENS,
    REQUESTS,
    PEAK_RPM,
    SHARE,
    PERCENT,
    PEAK_FACTOR,
    USD,
    PRICE,
    LIMIT,
    TIER,
    EPOCHS,
    JOBS,
    SECONDS,
    RETRIES,
    CONCURRENCY,
)

#: Decimal places a price or share may carry: more is a typo (38 digits), not a price.
MAX_PLACES = 12


def parse_decimal(value: object, rng: Range, *, percent: bool = False, hint: str | None = None) -> Decimal:
    """An exact decimal in ``rng``, from a string as people type it, an int, or a YAML float.

    ``percent``: ``80%`` is read as 0.8 (rates and shares). ``hint``: the examples a text that is
    no number is told to give (by default a share's or any number's). Raises :class:`NumberError`.
    """
    if hint is None:
        hint = "0.8 or 80%" if percent else "2.5, 1,000.50 or 1e6"
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise NumberError(f"expected a number, got {_kind(value)}")
    if isinstance(value, int):
        if value.bit_length() > 200:  # no str() of a huge int (Python refuses past 4,300 digits)
            raise NumberError(
                f"must be {'at most ' + _show(rng.high) if value > 0 else 'at least ' + _show(rng.low)}"
                f", got a number of {value.bit_length() * 3 // 10}+ digits"
            )
        text = str(value)
        d = Decimal(value)
    elif isinstance(value, (float, Decimal)):
        text = repr(value) if isinstance(value, float) else str(value)
        # str() of a YAML float is its shortest repr, so 0.7 becomes Decimal("0.7"), not 0.69999...
        d = Decimal(text) if isinstance(value, float) else value
    else:
        text = value.strip()
        d = _from_text(text.removeprefix("$").lstrip() if rng.money else text, percent, hint)
    if not d.is_finite():
        raise NumberError(f"{_quote(text)} is not a finite number")
    shown = _quote(text) if isinstance(value, str) else text
    if d.adjusted() < -40 and d != 0:
        # no arithmetic on 1e-999999 (the check below would quantize it)
        raise NumberError(f"{shown} has more than {MAX_PLACES} decimal places")
    rng.check(d, shown)
    if d != d.to_integral_value():
        if rng.whole:  # a count, wherever it is read (a flag, a workload key, an API argument)
            raise NumberError(f"expected a whole number, got {shown}")
        if -d.normalize().as_tuple().exponent > MAX_PLACES:  # type: ignore[operator]
            raise NumberError(f"{_quote(text)} has more than {MAX_PLACES} decimal places")
    return d


def parse_count(value: object, rng: Range) -> int:
    """A whole number in ``rng``: ``1000000``, ``1_000_000``, ``1,000,000``, ``1e6`` (as
    :func:`parse_decimal` reads a count's range, as an int)."""
    if isinstance(value, str) and value.strip().endswith("%"):
        raise NumberError(f"{_quote(value.strip())}: a count, not a percentage")
    whole = rng if rng.whole else replace(rng, whole=True)
    # a small range's examples are its own (a tier: 1 to 5), a large one's how big counts are written
    small = f"{whole.high} (a whole number, {whole.low} to {whole.high})"
    hint = small if whole.high <= 1000 else "1000000, 1_000_000, 1,000,000 or 1e6"
    return int(parse_decimal(value, whole, hint=hint))


def parse_share(value: object, rng: Range = SHARE, *, hint: str | None = None) -> Decimal:
    """A rate or share: ``0.8`` or ``80%`` (0 to 1 unless ``rng`` says otherwise)."""
    return parse_decimal(value, rng, percent=True, hint=hint)


def parse_tolerance(value: object) -> Decimal:
    """The ``tolerance`` parameter (``--tolerance``): ``"1%"``, ``"0.01"`` or a Decimal, from 0 to below 1
    (here, not in the reconciliation module, so that a run checks it without importing that)."""
    from .errors import ParameterError, slot

    shown = quoted(str(value))
    try:
        d = parse_share(value, hint="0.01 or 1% (a share)")
    except NumberError as exc:
        hint = "" if exc.hinted else "; use a share such as 0.01 or 1%"
        raise ParameterError(f"{slot('tolerance')} {shown}: {exc}{hint}") from None
    if d >= 1:
        raise ParameterError(f"{slot('tolerance')} {shown}: must be at least 0 and below 1 (100%)")
    return d


def check_budget(value: object) -> Decimal | None:
    """The ``budget`` parameter (``--budget``): US dollars a month, more than 0 (``"$5,000"``, ``5000``)
    (here, not in the forecast module, so that a run checks it without importing that)."""
    from .errors import ParameterError, slot

    if value is None:
        return None
    try:
        return parse_decimal(value, USD, hint="5000 or $5,000 (US dollars)")
    except NumberError as exc:
        hint = "" if exc.hinted else f"; give US dollars, e.g. {slot('budget')} 5000"
        template = f"{slot('budget')} {quoted(str(value))}: {exc}{hint}"
        raise ParameterError(template) from None


def _from_text(text: str, percent: bool, hint: str) -> Decimal:
    if len(text) > MAX_CHARS:
        raise NumberError(f"{quoted(text[:20])}... is not a number (over {MAX_CHARS} characters)")
    scale = 1
    body = text
    if percent and body.endswith("%"):
        body = body[:-1].rstrip()
        scale = 100
    if not _NUMBER.fullmatch(body):
        raise NumberError(f"{_quote(text)} is not a number; give e.g. {hint}", hinted=True)
    try:
        d = Decimal(body.replace("_", "").replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern admits only what Decimal reads
        raise NumberError(f"{_quote(text)} is not a number") from None
    if scale != 1 and d.is_finite() and abs(d.adjusted()) <= 40:
        d = d / scale
    return d


def _quote(text: str) -> str:
    return text if _NUMBER.fullmatch(text) else quoted(text)


def _kind(value: object) -> str:
    if value is None:
        return "nothing"
    return {dict: "a mapping", list: "a list", bool: "true/false"}.get(type(value), type(value).__name__)
