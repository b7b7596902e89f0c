"""Small statistics helpers shared by the benchmark steps (no numpy needed)."""

import math
import os
import statistics


def percentile(values, q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def median(values) -> float:
    return statistics.median(values)


def spread(values) -> tuple[float, float]:
    """(min, max): with 3 to 5 runs, the whole range says more than a deviation."""
    return min(values), max(values)


def loadavg() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"
