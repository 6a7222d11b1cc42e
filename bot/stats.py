"""Summary figures of measured latencies (the benchmark and the production load test)."""

from __future__ import annotations

import statistics
from typing import Sequence


def percentile(values: Sequence[float], percent: int) -> float:
    """The `percent`th percentile (1-99) of `values`, inclusive method; one value is its own
    percentile."""
    if not values:
        raise ValueError("no values")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]
