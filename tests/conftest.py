"""Shared test helpers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

REPO = Path(__file__).resolve().parents[1]
REAL_SAMPLES = REPO.parent / "shared" / "real-samples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SAMPLE_DATA = REPO / "sample_data"

os.environ.setdefault("MPLBACKEND", "Agg")

#: Property tests draw the same examples on every run (a test run, and CI, is reproducible: a failure found once
#: is found again); RECONNECT_FUZZ_RANDOM=1 draws new ones each run, to explore (with RECONNECT_FUZZ_EXAMPLES).
FUZZ_RANDOM = bool(os.environ.get("RECONNECT_FUZZ_RANDOM"))
settings.register_profile("reconnect", derandomize=not FUZZ_RANDOM, database=None)
settings.load_profile("reconnect")


def real_sample(rel: str) -> Path:
    """Path of a file in ../shared/real-samples (the test is skipped if the folder is not there)."""
    p = REAL_SAMPLES / rel
    if not p.exists():
        pytest.skip(f"real sample {rel} not available")
    return p
