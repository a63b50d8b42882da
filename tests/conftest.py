"""Shared test helpers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
REAL_SAMPLES = REPO.parent / "shared" / "real-samples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SAMPLE_DATA = REPO / "sample_data"

os.environ.setdefault("MPLBACKEND", "Agg")


def real_sample(rel: str) -> Path:
    """Path of a file in ../shared/real-samples (the test is skipped if the folder is not there)."""
    p = REAL_SAMPLES / rel
    if not p.exists():
        pytest.skip(f"real sample {rel} not available")
    return p
