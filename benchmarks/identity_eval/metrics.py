"""Pairwise and B-cubed precision/recall/F1 of predicted clusters against true clusters."""

from __future__ import annotations

from typing import Any

import polars as pl


def _c2(col: str) -> pl.Expr:
    return (pl.col(col) * (pl.col(col) - 1) / 2).sum()


def cluster_metrics(df: pl.DataFrame, truth: str = "truth_id", pred: str = "person_id") -> dict[str, Any]:
    """Pairwise and B-cubed precision/recall/F1 of ``pred`` clusters against ``truth`` clusters (one row per
    record). Pairs are counted, never enumerated."""
    cells = df.group_by(truth, pred).len("n")
    tp = cells.select(_c2("n")).item() or 0
    pp = df.group_by(pred).len("n").select(_c2("n")).item() or 0
    tt = df.group_by(truth).len("n").select(_c2("n")).item() or 0
    p = tp / pp if pp else 1.0
    r = tp / tt if tt else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    # B-cubed: for each record, |pred ∩ truth| / |pred| and / |truth|
    ps = df.group_by(pred).len("np")
    ts = df.group_by(truth).len("nt")
    c = cells.join(ps, on=pred).join(ts, on=truth)
    n = df.height
    bp = c.select((pl.col("n") * pl.col("n") / pl.col("np")).sum()).item() / n if n else 1.0
    br = c.select((pl.col("n") * pl.col("n") / pl.col("nt")).sum()).item() / n if n else 1.0
    bf = 2 * bp * br / (bp + br) if bp + br else 0.0
    return {"pairs_true": int(tt), "pairs_pred": int(pp), "pairs_tp": int(tp),
            "pairwise_p": p, "pairwise_r": r, "pairwise_f1": f, "b3_p": bp, "b3_r": br, "b3_f1": bf}
