"""Follow-through across runs (SPEC §10): what changed since the previous report, the list moving on, and the
weekly reconnect plan with its calendar.

* :mod:`~analyzer.followup.settings` — the ``[plan]`` config section (done, snooze, intervals);
* :mod:`~analyzer.followup.previous` — reading (and distrusting) the previous report;
* :mod:`~analyzer.followup.changes` — ``changes.csv`` and the adjusted ranking;
* :mod:`~analyzer.followup.plan` — ``plan.csv``; :mod:`~analyzer.followup.ics` — ``plan.ics``.
"""

from analyzer.followup.changes import CHANGE_KINDS, FollowThrough, follow_through
from analyzer.followup.previous import PreviousReport, read_previous
from analyzer.followup.settings import PlanSettings

__all__ = ["CHANGE_KINDS", "FollowThrough", "PlanSettings", "PreviousReport", "follow_through", "read_previous"]
