"""Every rule gpt41cost's figures rest on, documented by OpenAI or inferred, in one list.

The texts live beside the code that applies them (each module's named constants); this module
only gathers them, so `gpt41cost rules` and the README cannot drift from the code.
"""

from __future__ import annotations

from dataclasses import dataclass

from .catalog import RELEASE_RULE, Catalog, released_text


@dataclass(frozen=True)
class Rule:
    area: str
    name: str
    basis: str  # "documented" by OpenAI, an "inference" about OpenAI, or gpt41cost's own "policy"
    text: str
    source: str  # a short source name, as in docs/accounting.md
    evidence: str = ""  # for rules inferred from measurements: the cases they are exact on


def _basis(text: str, default: str) -> str:
    return "inference" if "inference" in text.lower() else default


def all_rules(catalog: Catalog) -> list[Rule]:
    from . import batch, cache, images, requests, tooldefs
    from .cost import BATCH_CACHED_AT_INPUT_RATE
    from .estimate import (
        BATCH_FILES_RULE,
        DAYS_PER_MONTH,
        DEFAULT_EPOCHS,
        DEFAULT_OUTPUT_TOKENS,
        LONG_CONTEXT_PRIORITY,
        REQUEST_SERVICE_TIER,
    )
    from .measure import CALIBRATED_WHOLE, CAP_OVER_MAX, CHOICES_BILLED, CHOICES_CAPPED, OUTPUT_WITHIN_CAP
    from .readers import requests as request_files
    from .workload import CALIBRATED_UNCOVERED

    c = catalog
    out = [
        Rule(
            "prices",
            "per-token prices",
            "documented",
            f"USD per 1M tokens from {c.path.rsplit('/', 1)[-1]} (as of {c.as_of}); cost = (input - cached) x input "
            "rate + cached x cached rate + output x output rate, in exact decimals",
            "PRICING",
        ),
        Rule("prices", "cached input", "documented", "cached input is 75% off input for the GPT-4.1 family", "LAUNCH"),
        Rule("prices", "batch", "documented", "the Batch API is 50% off input and output", "BATCH"),
        Rule("prices", "batch cached tokens", "inference", BATCH_CACHED_AT_INPUT_RATE, "PRICING"),
        Rule("prices", "long context", "documented", "long-context requests cost no more per token", "LAUNCH"),
        Rule(
            "prices",
            "priority long context",
            "inference",
            LONG_CONTEXT_PRIORITY.format(threshold=c.long_context_threshold),
            "PRIORITY",
        ),
        Rule("prices", "request service tier", "policy", REQUEST_SERVICE_TIER, "FAST"),
        Rule("prices", "choices (n)", "documented", CHOICES_BILLED, "REF"),
        Rule("prices", "no n in Responses", "inference", requests.RESPONSES_NO_N, "MIGRATE"),
        Rule(
            "tokens",
            "encoding",
            "documented",
            "all three models and their snapshots use o200k_base; a fine-tuned model counts with its base "
            "model's encoding; special-token strings in text count as ordinary text",
            "TK",
        ),
        Rule(
            "caching",
            "minimum and steps",
            "inference",
            f"prompts of {c.cache_min_tokens:,}+ tokens are cached automatically; hits come in "
            f"{c.cache_step_tokens}-token steps "
            f"({c.cache_min_tokens:,}, {c.cache_min_tokens + c.cache_step_tokens:,}, ...); the steps are documented, "
            f"the minimum is the guide's figure until 2026: it now gives {c.cache_min_tokens:,} for GPT-5.6 and "
            "later only and says it varies with request settings for earlier models (a lower bound here)",
            "CACHE",
        ),
        Rule("caching", "full blocks", "inference", cache.CACHE_FULL_BLOCKS, "CACHE"),
        Rule("caching", "cold run", "policy", cache.CACHE_COLD_RUN, "CACHE"),
        Rule("caching", "warm run", "policy", cache.CACHE_WARM_RUN, "CACHE"),
        Rule("caching", "cache stays warm", "inference", cache.CACHE_STAYS_WARM, "CACHE"),
        Rule(
            "caching",
            "extended cache retention",
            "inference",
            cache.EXTENDED_RETENTION.format(minutes=cache.RETENTION_MINUTES),
            "CACHE",
        ),
    ]
    out += [Rule("messages", name, "inference", text, "CB") for name, text in requests.INFERENCES.items()]
    out += [Rule("tools", name, basis, text, "measured", evidence) for name, basis, text, evidence in tooldefs.RULES]
    out += [
        Rule("messages", "image file", "inference", request_files.IMAGE_FILE_RULE, "VISION"),
        Rule("messages", "fine-tuning example", "inference", request_files.FINETUNE_RULE, "CB"),
        Rule("messages", "fine-tuning or conversation", "inference", request_files.CONVERSATION_RULE, "CBFT"),
    ]
    out += [
        Rule("images", name, "policy" if name == "image size unknown" else _basis(text, "documented"), text, "VISION")
        for name, text in images.RULES
    ]
    out += [
        Rule("batch", "Batch files", "policy", BATCH_FILES_RULE, "BATCH"),
        Rule("batch", "queue split", "policy", batch.QUEUE_SPLIT_RULE, "BATCH"),
        Rule("batch", "queue pools", "inference", batch.QUEUE_POOLS_RULE, "BATCH"),
        Rule("batch", "shutdown in the window", "inference", batch.SHUTDOWN_WINDOW_RULE, "BATCH"),
        Rule("batch", "one model", _basis(batch.ONE_MODEL_RULE, "documented"), batch.ONE_MODEL_RULE, "BATCH"),
        Rule(
            "batch",
            "file size",
            "inference",
            f'OpenAI\'s "200 MB" is read as {c.batch_max_file_bytes:,} bytes (the stricter reading)',
            "BATCH",
        ),
        Rule(
            "limits",
            "long-context threshold",
            "inference",
            f'"above 128k" input tokens means more than {c.long_context_threshold:,}',
            "RL",
        ),
        Rule(
            "limits",
            "nano long-context limits",
            "inference",
            "gpt-4.1-nano's long-context limits are assumed equal to gpt-4.1-mini's (published for mini only; "
            "their standard tables are identical)",
            "RL",
        ),
        Rule(
            "limits",
            "TPM at admission",
            "documented",
            "TPM is charged when a request is admitted: its input plus its output reservation, max_tokens "
            "(max_completion_tokens, max_output_tokens) when set",
            "RL",
        ),
        Rule(
            "limits",
            "TPM without a cap",
            "inference",
            "with no max_tokens, the output reservation is the expected output (OpenAI documents the "
            "reservation as the larger of max_tokens and an estimate from the request's characters, and "
            "nothing for a request without one)",
            "RL",
        ),
        Rule("estimates", "month", "policy", f"a month is {DAYS_PER_MONTH} days", "-"),
        Rule(
            "estimates",
            "default output",
            "inference",
            f"{DEFAULT_OUTPUT_TOKENS} output tokens per request unless --output-tokens or "
            "--calibrate-from says otherwise",
            "-",
        ),
        Rule(
            "estimates",
            "output within its cap",
            "policy",
            OUTPUT_WITHIN_CAP.format(default=DEFAULT_OUTPUT_TOKENS),
            "PY",
        ),
        Rule("estimates", "choices within the cap", "inference", CHOICES_CAPPED, "CBRL"),
        Rule("estimates", "calibrated output per request", "policy", CALIBRATED_WHOLE, "PY"),
        Rule("estimates", "calibrated models the log does not cover", "policy", CALIBRATED_UNCOVERED, "-"),
        Rule("estimates", "cap over the maximum output", "inference", CAP_OVER_MAX, "MODEL"),
        Rule(
            "estimates",
            "default epochs",
            "inference",
            f"fine-tuning runs {DEFAULT_EPOCHS} epochs unless --epochs says otherwise",
            "-",
        ),
        Rule("estimates", "percentiles", "policy", "p50 and p95 are nearest-rank over the requests measured", "-"),
        Rule(
            "estimates",
            "forecast prices",
            "policy",
            "usage --forecast projects the run rate's traffic (tokens by kind, per model and mode), each day left "
            "at its own day's prices, as a record pays its own day's",
            "-",
        ),
        Rule(
            "estimates",
            "forecast after shutdown",
            "policy",
            "a forecast prices a model's traffic on days it is shut down (the rest of the run date included) at the "
            "substitute the catalog names still served, else leaves it out (no substitute, or fine-tuned), with a "
            "warning",
            "-",
        ),
        Rule(
            "estimates",
            "forecast peak day",
            "policy",
            "a forecast's peak day is the one with the most tokens for TPM, the most requests for RPD, a tie to the "
            "earliest finished day",
            "-",
        ),
        *lifecycle_rules(c),
    ]
    return out


def lifecycle_rules(c: Catalog) -> list[Rule]:
    """The rules of the catalog's sense of time (issue #13)."""
    from . import lifecycle

    return [
        Rule(
            "dates",
            "lifecycle",
            "documented",
            "a model is deprecated from the day its shutdown is announced and shut down from its shutdown date; "
            "dates and substitutes per model and snapshot come from OpenAI's deprecations page (pricing.yaml cites "
            "it), the aliases' marked inferred (below) excepted",
            "DEPRECATIONS",
        ),
        Rule(
            "dates",
            "substitute chain",
            "policy",
            "a shut-down model's substitute is the one the catalog names (OpenAI's suggested substitute); when that "
            "one is itself shut down on the run's date it is passed over for its own substitute, and so on, until "
            "one still served: reports name it and each model passed over with its shutdown date, JSON's "
            "lifecycle.substitute is it and plan --substitute routes the traffic to it; a chain that ends, or comes "
            "back to a model passed over, before one still served gives none (substitute null), and OpenAI's "
            "replacement outside the catalog is named instead",
            "DEPRECATIONS",
        ),
        Rule("dates", "release date", "inference", RELEASE_RULE.format(released=released_text(c)), "LAUNCH"),
        Rule(
            "dates",
            "fine-tuned models",
            "documented",
            "inference on a fine-tuned model runs until its base model shuts down; new training jobs stop on the "
            "fine-tuning cut-off dates",
            "DEPRECATIONS",
        ),
        Rule(
            "dates",
            "aliases of dated snapshots",
            "inference",
            "an alias is a pointer to its snapshots: one whose every snapshot has a shutdown date (gpt-4.1 and "
            "gpt-4.1-mini, each with one snapshot the entry of 2026-10-14 shuts down on 2027-01-14) is deprecated "
            "from the latest of their announcements and shuts down with the last of them, unless OpenAI re-points "
            "it; every report marks these dates inferred (basis: inferred in pricing.yaml; a catalog of your own "
            "drops it for an alias OpenAI re-points)",
            "DEPRECATIONS",
        ),
        Rule(
            "dates",
            "plan horizon",
            "policy",
            f"plan --check fails for a model shut down, or announced to shut down within horizon_months (default "
            f"{lifecycle.DEFAULT_HORIZON_MONTHS}) of the run's date; a shutdown not yet announced on that date is "
            "not known",
            "-",
        ),
        Rule(
            "dates",
            "dated prices",
            "policy",
            "a price entry applies from its date until the next; a line's first entry also covers earlier days; a "
            "usage record pays its own day's prices, one without a timestamp those of the run's date; plan --check "
            "holds the budget against the most expensive 30 days starting on a day from the run's date to the "
            "horizon's last day, each day at its own prices, when what a routed model's share pays changes in them "
            "(a price line the workload does not use is no change; its figures stay a month at the run date's prices)",
            "-",
        ),
        Rule(
            "dates",
            "stale prices",
            "policy",
            f"reports note a catalog checked more than {lifecycle.STALE_AFTER_DAYS} days before the run's date",
            "-",
        ),
    ]
