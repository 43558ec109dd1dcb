"""gpt41cost: cost and capacity planning for OpenAI's GPT-4.1 family, offline.

The Python API (the README's "Python API" section)::

    import gpt41cost
    result = gpt41cost.estimate(["prompts/"], output_tokens=300)
    result.to_dict()  # what `gpt41cost estimate prompts/ --output-tokens 300 -f json` prints

The functions are imported on first use, so ``import gpt41cost`` (and the CLI's start-up) stays fast.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .api import (
        Estimate,
        Limits,
        Plan,
        Pricing,
        RequestTokens,
        Rules,
        Usage,
        count_request,
        count_tokens,
        estimate,
        limits,
        load_catalog,
        plan,
        price,
        pricing,
        rules,
        usage,
    )
    from .catalog import Catalog
    from .cost import Cost

__all__ = [
    "Catalog",
    "Cost",
    "Estimate",
    "Limits",
    "Plan",
    "Pricing",
    "RequestTokens",
    "Rules",
    "Usage",
    "__version__",
    "count_request",
    "count_tokens",
    "estimate",
    "limits",
    "load_catalog",
    "plan",
    "price",
    "pricing",
    "rules",
    "usage",
]
_API = frozenset(__all__) - {"__version__"}
#: The API's types that live in a core module of their own: what load_catalog and price return.
_TYPES = {"Catalog": "catalog", "Cost": "cost"}

if not TYPE_CHECKING:  # a type checker sees the names above, not "any name is Any"

    def __getattr__(name: str) -> Any:
        if name in _TYPES:
            import importlib

            return getattr(importlib.import_module(f".{_TYPES[name]}", __name__), name)
        if name in _API:
            from . import api

            return getattr(api, name)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _API)


class _Package(types.ModuleType):
    """The package module, which keeps the API's names for the API.

    Four core modules share a name with an API function (``gpt41cost/estimate.py`` and
    ``estimate()``, likewise ``limits``, ``rules`` and ``usage``). Importing a submodule binds it as an
    attribute of its package, which would make ``gpt41cost.estimate`` the module from then on;
    this class leaves those names to :func:`__getattr__`. The modules stay in ``sys.modules``,
    so ``from gpt41cost.estimate import X`` works; ``from gpt41cost import estimate`` is the function.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _API and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
