"""``usage --emit-workload FILE``: a workload YAML from observed usage, for ``plan --check`` next month.

Every figure comes from the records, priced traffic only (models the catalog prices):

- ``models``: each model's share of the requests (``ft:`` models keep their name, so they plan at
  fine-tuned prices); shares rounded to 4 places, the rounding put on the largest so they sum to 1.
- ``input_tokens`` / ``output_tokens``: the mean per request over all models (rounded up);
  ``max_tokens``, where per-request records give a p95 of output tokens: that p95, or the mean
  output where the p95 is below it (plan refuses an ``output_tokens`` over ``max_tokens``); the
  comment says which.
- ``traffic.requests_per_day``: requests / UTC days from the first to the last day with records
  (days without records count), a whole number as every request count is: exact, or rounded up
  (the comment gives the mean and says so); the minute peak is left to ``plan``'s default peak
  factor.
- ``cached_tokens``: the mean cached input tokens per request over all models (rounded down), taken
  by ``plan`` as given: a hit rate of the mean input would go through OpenAI's 1,024-token minimum
  and 128-token steps, which the requests met one by one, not on average (a log half cached at
  1,664 tokens has a mean of 832, none of it cacheable as a rate of its mean input); the hit rate
  is written as a comment. ``batch_share``: Batch requests / requests. ``priority_share``: the
  requests billed at priority (``service_tier`` "priority" or "fast", usage's rule) / the requests
  of models with priority prices (a fine-tuned model has none: plan prices its share at standard),
  so that plan, applying it to every model alike, prices as many requests at priority as observed.
- ``tier`` and ``budget_usd_per_month``: ``--tier`` and ``--budget``.

The per-model observations (calibration) are written as comments above the keys, with the
period and sources, so the file says where each number came from.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal

from .catalog import Catalog
from .errors import WORKLOAD_YAML, InputError, InputParameterError, slot
from .report import counted, n_requests
from .usage import Accumulator, Resolver, UsageResult, date_of, mode_of, percentile

SHARE_PLACES = Decimal("0.0001")


def _up(d: Decimal) -> int:
    return int(d.to_integral_value(rounding=ROUND_CEILING))


def _q(d: Decimal) -> Decimal:
    return d.quantize(SHARE_PLACES, rounding=ROUND_HALF_EVEN)


def _per_day(total: int, span: int) -> str:
    """The mean requests a day as a whole number (a count, as every reader of the file takes it):
    exact when whole, else rounded up (never a plan below the traffic observed), and said."""
    mean = Decimal(total) / span
    whole = _up(mean)
    shown = mean.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
    how = "" if whole == mean else f" = {'' if shown == mean else '~'}{shown.normalize():,f}, rounded up"
    return f"{whole}       # mean: {n_requests(total)} / {counted(span, 'day')}{how}"


def _max_tokens(p95: int, mean: int, records: int) -> str:
    """``max_tokens`` and its comment: plan reserves it per request against TPM at admission and
    takes it as the output's cap (it refuses an ``output_tokens`` over it), so it is the observed
    p95 of output (of the ``records`` per-request records), else, where the p95 is below it, the
    mean output per request (``output_tokens``, rounded up), and at least 1 (OpenAI and plan refuse
    0). The comment names the one it is."""
    where = f"{records:,} per-request record{'' if records == 1 else 's'}"
    if p95 >= mean and p95:
        why = f"observed p95 of output ({where}): plan's output reservation per request (TPM at admission)"
    elif mean:
        why = (
            f"mean output per request (output_tokens): the observed p95 of output, {p95:,} ({where}), is below "
            "it, and plan refuses an output_tokens over max_tokens, its cap"
        )
    else:
        why = "observed p95 of output is 0; a cap is at least 1"
    return f"{max(p95, mean, 1)}                  # {why}"


def workload_yaml(
    result: UsageResult,
    acc: Accumulator,
    catalog: Catalog,
    *,
    tier: int,
    budget: Decimal | None = None,
    name: str = "observed",
    sources: Sequence[str] = (),
) -> str:
    """The workload file's text; InputError (naming ``emit_workload``) when no priced record has a date."""
    reqs: dict[str, int] = {}
    inp = cached = out = batch = priority = can_priority = 0
    hist: dict[int, int] = {}
    days: list[int] = []
    resolve = Resolver(catalog)  # each distinct name once; a reason (str) for one not priced
    for (model, is_batch, tier_, day, *_), (n, i, c, o) in acc.groups.items():
        resolved = resolve(model)
        if isinstance(resolved, str):
            continue
        label = resolved.family
        reqs[label] = reqs.get(label, 0) + n
        inp, cached, out = inp + i, cached + c, out + o
        batch += n if is_batch else 0
        if not resolved.fine_tuned:
            can_priority += n
            priority += n if mode_of(is_batch, tier_) == "priority" else 0
        if day is not None:
            days.append(day)
    for model, h in acc.hist.items():
        if not isinstance(resolve(model), str):
            for value, count in h.items():
                hist[value] = hist.get(value, 0) + count
    total = sum(reqs.values())
    if not total or not days:
        why = "no dated usage of a model the catalog prices; nothing to plan from"
        raise InputParameterError(f"{slot('emit_workload')}: " + why, api=WORKLOAD_YAML)
    span = max(days) - min(days) + 1
    first, last = date_of(min(days)), date_of(max(days))

    order = sorted(reqs, key=lambda m: (-reqs[m], m))
    shares = {m: _q(Decimal(reqs[m]) / total) for m in order}
    shares[order[0]] += Decimal(1) - sum(shares.values())
    p95 = percentile(hist, 95)

    mean_out = _up(Decimal(out) / total)
    lines = [
        f"# Workload observed from usage, {first} to {last} ({counted(span, 'UTC day')}, "
        f"{counted(total, 'priced request')}).",
        f"# Written by gpt41cost usage --emit-workload from: {', '.join(sources) or '-'}",
        f"# Observed spend at catalog prices: ${result.total_usd.quantize(Decimal('0.01')):,} "
        f"over {counted(span, 'day')}. plan "
        "uses one input size, cached tokens, batch and priority shares for every model, so its monthly cost can "
        "differ from it; the per-model figures below (or plan --calibrate-from the same usage) show by how much.",
    ]
    for snap in result.snapshots:  # dated apart from the alias the workload names: say so
        alias = result.lifecycles.get(snap.counted_under)
        if alias is not None and snap.lifecycle.same_dates(alias):
            continue  # the alias shuts down with it (inferred): plan --check holds the alias to the date
        if result.run_date is not None and snap.lifecycle.mark(result.run_date):
            lines.append(
                f"# The records name {snap.model} ({n_requests(snap.requests)}, under {snap.counted_under} below): "
                f"{snap.lifecycle.mark(result.run_date)}; name the snapshot under models for plan --check to hold "
                "the workload to its dates."
            )
    lines += [
        "# Observed per model (calibration):",
    ]
    for cal in result.calibration.models.values():
        p = "" if cal.output_tokens_p95 is None else f", output p50/p95 {cal.output_tokens_p50}/{cal.output_tokens_p95}"
        hit = "-" if cal.cache_hit_rate is None else f"{_q(cal.cache_hit_rate)}"
        lines.append(
            f"#   {cal.model}: {cal.requests:,} requests, input mean {_q(cal.input_tokens_mean)}, "
            f"output mean {_q(cal.output_tokens_mean)}{p}, cache hit {hit}"
        )
    lines += [
        f"name: {name}",
        "models: {" + ", ".join(f"{json.dumps(m)}: {shares[m]}" for m in order) + "}",
        f"input_tokens: {_up(Decimal(inp) / total)}                # mean per request, all models",
        f"output_tokens: {mean_out}               # mean per request, all models",
    ]
    if p95 is not None:
        lines.append(f"max_tokens: {_max_tokens(p95, mean_out, sum(hist.values()))}")
    lines += [
        "traffic:",
        f"  requests_per_day: {_per_day(total, span)}",
        f"cached_tokens: {cached // total}               # mean per request, all models (rounded down); "
        f"cache hit rate {_q(Decimal(cached) / inp) if inp else 0}",
        f"batch_share: {_q(Decimal(batch) / total)}",
        f"priority_share: {_q(Decimal(priority) / can_priority) if can_priority else _q(Decimal(0))}"
        f"            # {priority:,} of the {can_priority:,} requests of models with priority prices billed at "
        "priority (service_tier priority or fast)",
        f"tier: {tier}",
    ]
    if budget is not None:
        lines.append(f"budget_usd_per_month: {budget}")
    return "\n".join(lines) + "\n"


def write_workload(path: str, text: str) -> None:
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as exc:
        raise InputError(f"{path}: cannot write the workload ({exc.strerror or exc}); check --emit-workload") from None


__all__ = ["workload_yaml", "write_workload"]
