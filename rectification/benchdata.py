"""Benchmark data of rectification: the sample problem categories and the scale's problems, each with the history
the workflow would have written (registered into `campaign.benchdata`, which runs it after the campaign's own
data; see that module for the rules of the generator).

A problem's final state follows its age: most problems older than a month are closed, recent ones are spread over
the open states. Its steps walk the workflow's transitions to that state (create, assign with a deadline from the
category, accept, start, submit, return and rework, verify; or a dispute, an extension request, a suspension or a
cancellation on the way), with the time stamps the workflow keeps on the problem.
"""

import csv
import datetime
from pathlib import Path

from django.core.serializers.json import DjangoJSONEncoder

from campaign.benchdata import BenchData
from core.bulk import bulk_load, ids_next
from rectification.choices import ProblemSource, ProblemStatus, Severity
from rectification.models import Problem, ProblemCategory, ProblemTransition

DEMO_DIR = Path(__file__).resolve().parent / "demo"
CHUNK = 20_000
S = ProblemStatus
SOURCES = {
    ProblemSource.INSPECTION: 30, ProblemSource.SELF_FOUND: 20, ProblemSource.PUBLIC: 8, ProblemSource.HOTLINE: 10,
    ProblemSource.NETIZEN: 5, ProblemSource.SUPERIOR: 5, ProblemSource.MOCK_ASSESSMENT: 6,
    ProblemSource.COVERT_VISIT: 6, ProblemSource.MEDIA: 2, ProblemSource.RECHECK: 6, ProblemSource.ALIKE: 2,
}  # fmt: skip
OPEN = {S.NEW: 6, S.ASSIGNED: 14, S.ACCEPTED: 10, S.RECTIFYING: 34, S.SUBMITTED: 16, S.RETURNED: 8, S.DISPUTED: 3,
        S.EXTENSION_REQUESTED: 4, S.SUSPENDED: 5}  # fmt: skip
HOUR = datetime.timedelta(hours=1)


def problems_generate(data: BenchData) -> None:
    categories = _categories(data)
    rng = data.rng("problems")
    now = data.at(data.today)
    span = (now - data.at(data.first_day)).total_seconds()
    sources, source_weights = list(SOURCES), list(SOURCES.values())
    states, state_weights = list(OPEN), list(OPEN.values())
    encoder = DjangoJSONEncoder()
    first = ids_next(Problem)
    columns = ["id", "campaign_id", "source", "category_id", "point_id", "grid_id", "description", "severity",
               "status", "resume_status", "responsible_unit_id", "deadline", "assigned_at", "handled_at",
               "closed_at", "overdue_at", "rework_count", "extension_count", "created_at"]  # fmt: skip
    step_columns = ["problem_id", "action", "from_status", "to_status", "actor_repr", "at", "data"]
    problems = steps = 0
    for start in range(0, data.scale.problems, CHUNK):
        problem_rows, step_rows = [], []
        for n in range(start, min(start + CHUNK, data.scale.problems)):
            pk = first + n
            created = now - datetime.timedelta(seconds=rng.random() * span)
            age_days = (now - created).total_seconds() / 86400
            roll = rng.random()
            if roll < 0.02:
                final = S.CANCELLED
            elif roll < min(0.92, 0.1 + age_days / 30):
                final = S.CLOSED
            else:
                final = rng.choices(states, state_weights)[0]
            category_id, category_name, hours = rng.choice(categories)
            point = rng.choice(data.points)
            walk = _walk(rng, final, created, now, hours)
            for action, before, after, at, deadline in walk.steps:
                step_rows.append((pk, action, before, after, "", at,
                                  {"unit": point.unit_id, "deadline": encoder.default(deadline)}
                                  if action == "assign" else {}))  # fmt: skip
            problem_rows.append((
                pk, data.campaign.pk, rng.choices(sources, source_weights)[0], category_id, point.id,
                point.grid_id, f"基准问题{n + 1}：{category_name}", Severity.URGENT if rng.random() < 0.05
                else Severity.NORMAL, final, walk.resume_status, point.unit_id if walk.deadline else None,
                walk.deadline, walk.assigned_at, walk.handled_at, walk.closed_at, walk.overdue_at, walk.reworks,
                walk.extensions, created,
            ))  # fmt: skip
        problems += bulk_load(Problem, columns, problem_rows)
        steps += bulk_load(ProblemTransition, step_columns, step_rows)
        data.say(f"problems: {problems} of {data.scale.problems}")
    data.counted("problems", problems)
    data.counted("problem steps", steps)


def _categories(data: BenchData) -> list[tuple[int, str, int]]:
    """The sample categories (two levels, deadlines in working hours); returns the leaves that problems take."""
    with (DEMO_DIR / "problem_categories.csv").open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    first = ids_next(ProblemCategory)
    ids = {row["code"]: first + n for n, row in enumerate(rows)}
    parents = {row["parent_code"] for row in rows}
    bulk_load(ProblemCategory, ["id", "campaign_id", "parent_id", "code", "name", "level", "deadline"], [
        (ids[row["code"]], data.campaign.pk, ids.get(row["parent_code"]), row["code"], row["name"],
         2 if row["parent_code"] else 1, int(row["default_deadline_hours"] or 0) or None)
        for row in rows
    ])  # fmt: skip
    data.counted("problem categories", len(rows))
    return [(ids[row["code"]], row["name"], int(row["default_deadline_hours"] or 72))
            for row in rows if row["code"] not in parents]  # fmt: skip


class _Walk:
    """A problem's steps to its final state, and the stamps the workflow keeps on the problem."""

    def __init__(self):
        self.steps: list[tuple[str, str, str, datetime.datetime, datetime.datetime | None]] = []
        self.status = ""
        self.resume_status = ""
        self.deadline = self.assigned_at = self.handled_at = self.closed_at = self.overdue_at = None
        self.reworks = self.extensions = 0

    def step(self, action: str, to: str, at: datetime.datetime) -> None:
        self.steps.append((action, self.status, to, at, self.deadline))
        self.status = to


def _walk(rng, final: str, created: datetime.datetime, now: datetime.datetime, hours: int) -> _Walk:
    walk = _Walk()
    walk.step("create", S.NEW, created)
    t = created
    if final == S.NEW or (final == S.CANCELLED and rng.random() < 0.5):
        if final == S.CANCELLED:
            walk.step("cancel", S.CANCELLED, t + rng.uniform(2, 48) * HOUR)
        return _fit(walk, created, now)
    t += rng.uniform(0.5, 6) * HOUR
    # Working hours, about eight a working day: three calendar hours each.
    walk.deadline = t + hours * 3 * HOUR
    walk.assigned_at = t
    walk.step("assign", S.ASSIGNED, t)
    if final in (S.ASSIGNED, S.DISPUTED, S.CANCELLED):
        if final == S.DISPUTED:
            walk.resume_status = S.ASSIGNED
            walk.step("dispute", S.DISPUTED, t + rng.uniform(1, 24) * HOUR)
        elif final == S.CANCELLED:
            walk.step("cancel", S.CANCELLED, t + rng.uniform(2, 48) * HOUR)
        return _fit(walk, created, now)
    t += rng.uniform(1, 24) * HOUR
    walk.step("accept", S.ACCEPTED, t)
    if final == S.ACCEPTED:
        return _fit(walk, created, now)
    t += rng.uniform(0, 24) * HOUR
    walk.step("start", S.RECTIFYING, t)
    if final in (S.RECTIFYING, S.EXTENSION_REQUESTED, S.SUSPENDED):
        if final != S.RECTIFYING:
            walk.resume_status = S.RECTIFYING
            action = "request_extension" if final == S.EXTENSION_REQUESTED else "suspend"
            walk.step(action, final, t + rng.uniform(1, 48) * HOUR)
        return _fit(walk, created, now)
    if rng.random() < 0.15 or walk.deadline <= t:  # handed in late
        t = max(t, walk.deadline) + rng.uniform(1, 72) * HOUR
    else:
        t += (walk.deadline - t) * rng.uniform(0.1, 0.95)
    walk.step("submit", S.SUBMITTED, t)
    walk.handled_at = t
    reworks = 0 if final != S.CLOSED else rng.choices((0, 1, 2), (80, 15, 5))[0]
    reworks += final == S.RETURNED
    for n in range(reworks):
        t += rng.uniform(2, 48) * HOUR
        walk.step("return", S.RETURNED, t)
        walk.reworks += 1
        if final == S.RETURNED and n == reworks - 1:
            return _fit(walk, created, now)
        t += rng.uniform(1, 24) * HOUR
        walk.step("start", S.RECTIFYING, t)
        t += rng.uniform(2, 48) * HOUR
        walk.step("submit", S.SUBMITTED, t)
        walk.handled_at = t
    if final == S.CLOSED:
        t += rng.uniform(2, 48) * HOUR
        walk.step("verify", S.CLOSED, t)
        walk.closed_at = t
    return _fit(walk, created, now)


def _fit(walk: _Walk, created: datetime.datetime, now: datetime.datetime) -> _Walk:
    """Squeeze a walk that would run past now into the time since the problem was found; then stamp it overdue if
    its deadline passed before it was handed in (or before now, while it is still worked on)."""
    last = walk.steps[-1][3]
    if last >= now:
        factor = (now - created) / (last - created) * 0.999

        def fit(at):
            return None if at is None else created + (at - created) * factor

        walk.steps = [(a, b, c, fit(at), fit(deadline)) for a, b, c, at, deadline in walk.steps]
        walk.deadline, walk.assigned_at = fit(walk.deadline), fit(walk.assigned_at)
        walk.handled_at, walk.closed_at = fit(walk.handled_at), fit(walk.closed_at)
    if walk.deadline is not None:
        handed_in = walk.handled_at if walk.status in (S.SUBMITTED, S.CLOSED) else None
        if walk.status not in (S.CANCELLED, S.SUSPENDED) and walk.deadline < (handed_in or now):
            walk.overdue_at = walk.deadline
    return walk
