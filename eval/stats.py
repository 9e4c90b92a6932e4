"""Percentiles as the reports print them."""
from __future__ import annotations

import numpy as np


def percentiles(values_ms: list[float]) -> dict:
    if not values_ms:
        return {"n": 0, "p50": 0.0, "p95": 0.0, "p99": 0.0, "mean": 0.0}
    a = np.asarray(values_ms, dtype=float)
    return {"n": int(a.size), "p50": round(float(np.percentile(a, 50)), 2), "p95": round(float(np.percentile(a, 95)), 2),
            "p99": round(float(np.percentile(a, 99)), 2), "mean": round(float(a.mean()), 2)}
