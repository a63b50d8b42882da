"""reconnect: rank the people worth reconnecting with.

The notebook API is re-exported here (imported on first use, so ``import analyzer`` stays light)::

    import analyzer
    res = analyzer.analyze(["linkedin.zip", "All mail.mbox"], as_of="2025-06-30")
    res.ranked.head()
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from analyzer.memory import configure_allocators
from analyzer.version import __version__

configure_allocators()

__all__ = ["Result", "__version__", "analyze"]

if TYPE_CHECKING:
    from analyzer.api import Result, analyze


def __getattr__(name: str) -> Any:
    if name in ("analyze", "Result"):
        from analyzer import api

        return getattr(api, name)
    raise AttributeError(f"module 'analyzer' has no attribute {name!r}")
