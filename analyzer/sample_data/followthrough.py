"""Follow-through material in the world's last months, and what changes between an earlier export and the full one.

The world holds, in its last months: dormant ties the owner wrote to recently who answered (`reconnected`) or
have not answered yet (`awaiting_reply`, written in the last three weeks), ties that were in touch until a few
months ago and went quiet (`went_quiet`), connections who changed jobs within the last year, and new connections.
`reconnect sample-data --as-of-earlier DAYS` writes the export of the same world as it was DAYS days before; its
truth gets `changes.csv` (SPEC §10) computed here from the world's timeline.
"""

from __future__ import annotations

import itertools
import statistics

from .formats import _DAY, _to_date
from .model import _FOREVER, _LI_SENT, _MAIL_SENT, _Job, _Person
from .pools import _POSITIONS_POOL
from .specials import SpecialsMixin

FOLLOW_CATEGORIES = ("reconnected", "awaiting_reply", "went_quiet")
CHANGE_KINDS = ("awaiting_reply", "job_change", "new_connection", "reconnected", "went_quiet")
_OWNER_SLOTS = frozenset({_LI_SENT, _MAIL_SENT})
_QUIET_LOOKBACK = 365 * _DAY


def _describe(j: _Job | None) -> str:
    return f"{j.position} at {j.company}" if j is not None else ""


class FollowThroughMixin(SpecialsMixin):
    """Plans the follow-through material and computes the changes between two export dates."""

    def _plan_follow_through(self) -> None:
        """Reach-out channel for reconnected / awaiting people; job changes within the last year for a few %."""
        rng, cut = self.rng, self.cutoff
        for p in self.people:
            if p.category in ("reconnected", "awaiting_reply"):
                p.follow_li = bool(p.slug) and (not p.addrs or rng.random() < 0.6)
        movers = [p for p in self.people if p.connected is not None and p.jobs and p.category not in
                  ("recruiter", "sales_pitch", "cold_outbound") and p.jobs[-1].start < cut - 400 * _DAY and len(p.jobs) < 4]
        for p in rng.sample(movers, round(0.04 * len(movers))):
            start = cut - rng.randint(15, 330) * _DAY
            old = p.jobs[-1]
            old.end = start + rng.randint(-30, 14) * _DAY
            if rng.random() < 0.25:                                  # a promotion: same company, new title
                job = _Job(old.company, old.domain, rng.choice(_POSITIONS_POOL), start, _FOREVER, old.employer)
            else:
                co, dom = self._pick_company()
                job = _Job(co, dom, rng.choice(_POSITIONS_POOL), start, _FOREVER)
            p.jobs.append(job)
            p.company, p.position = job.company, job.position
            p.traps.append("job_change_last_year")
            for a in p.addrs:
                if a.job is old:
                    a.valid_to = min(a.valid_to, old.end)
            if job.domain != old.domain and any(a.job is not None for a in p.addrs):
                self._add_job_address(p, job, 1.0)


def changes_between(people: list[_Person], earlier: int, full: int) -> list[list[str]]:
    """`changes.csv` rows (truth_id, change, before, after, date) between the export at `earlier` and the
    full export: SPEC §10's reconnected, awaiting_reply, job_change, new_connection and went_quiet."""
    rows: list[list[str]] = []
    for p in people:
        if p.connected is not None:
            connected = p.connected.toordinal()
            if _to_date(earlier).toordinal() < connected <= _to_date(full).toordinal():
                rows.append([p.tid, "new_connection", "", _describe(p.job_shown_at(full)),
                             p.connected.isoformat()])
            elif connected <= _to_date(earlier).toordinal():
                before, after = p.job_shown_at(earlier), p.job_shown_at(full)
                if after is not None and before is not after and (before is None or (
                        before.company, before.position) != (after.company, after.position)):
                    rows.append([p.tid, "job_change", _describe(before), _describe(after),
                                 _to_date(after.start).isoformat()])
        if not p.events:
            continue
        ev = sorted(p.events)
        since = [(t, s) for t, s in ev if earlier < t <= full]
        before_ev = [t for t, _ in ev if t <= earlier]
        sent = [t for t, s in since if s in _OWNER_SLOTS]
        if sent:
            answered = [t for t, s in since if s not in _OWNER_SLOTS and t > sent[0]]
            if not answered:
                rows.append([p.tid, "awaiting_reply", "", "", _to_date(sent[-1]).isoformat()])
            elif before_ev and sent[0] - before_ev[-1] > 365 * _DAY:
                rows.append([p.tid, "reconnected", _to_date(before_ev[-1]).isoformat(),
                             _to_date(answered[0]).isoformat(), _to_date(answered[0]).isoformat()])
        elif not since and before_ev:
            recent = [t for t in before_ev if t > earlier - _QUIET_LOOKBACK]
            if len(recent) >= 3 and earlier - before_ev[-1] <= 90 * _DAY:
                gaps = [b - a for a, b in itertools.pairwise(recent) if b - a > 3600]
                rhythm = statistics.median(gaps) if gaps else 30 * _DAY
                if full - before_ev[-1] > max(60 * _DAY, 2 * rhythm):
                    rows.append([p.tid, "went_quiet", _to_date(before_ev[-1]).isoformat(), "",
                                 _to_date(before_ev[-1]).isoformat()])
    rows.sort(key=lambda r: (r[1], r[0]))
    return rows
