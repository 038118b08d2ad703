"""The rectification app's part of the demo city: the sample problem categories and a working-time calendar with
China's public holidays and make-up working days.

`campaign.demo_seed.seed_demo` builds the demo city but must not import this app (dependencies point
scoring → rectification → campaign → core), so this app registers `seed_demo_rectification` with
`campaign.demo_seed.register_seed_step` in its AppConfig.ready(), and seed_demo calls it inside its own transaction.
A registered callable keeps one `seed_demo` command and one transaction for the whole demo, without campaign
knowing which apps add to it; a second management command would have left the demo half-seeded when only one ran.

Like the rest of the seed it changes nothing that exists: categories are imported only into a campaign that has
none, and the holidays only into a calendar created by this run, so staff edits survive a second `seed_demo`.
"""

import csv
import datetime
from pathlib import Path

from django.contrib.auth.models import Group, Permission

from campaign.demo_seed import OFFICE_GROUP
from campaign.models import Campaign
from rectification.imports import CategoryImport
from rectification.models import ProblemCategory, WorkCalendar
from rectification.services import calendar_exception_add, work_calendar_ensure

DEMO_DIR = Path(__file__).resolve().parent / "demo"
# What command-office staff may configure in the admin.
OFFICE_PERMISSIONS = ["problemcategory", "workcalendar", "workingperiod", "calendarexception"]


def holiday_rows(path: Path = DEMO_DIR / "holidays.csv") -> list[dict[str, str]]:
    """The rows of a holidays file (date, kind, name); lines starting with # are comments."""
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


def seed_demo_rectification(campaign: Campaign) -> None:
    group = Group.objects.filter(name=OFFICE_GROUP).first()
    if group is not None:
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="rectification", content_type__model__in=OFFICE_PERMISSIONS
            )
        )
    if not ProblemCategory.objects.filter(campaign=campaign).exists():
        filename = "problem_categories.csv"
        plan = CategoryImport(campaign=campaign, filename=filename, data=(DEMO_DIR / filename).read_bytes())
        if plan.has_errors:
            raise RuntimeError(f"the demo file {filename} does not import: {[str(i) for i in plan.issues]}")
        plan.apply(actor=None)
    if not WorkCalendar.objects.filter(campaign=campaign).exists():
        calendar = work_calendar_ensure(actor=None, campaign=campaign)
        for row in holiday_rows():
            calendar_exception_add(
                actor=None,
                calendar=calendar,
                date=datetime.date.fromisoformat(row["date"]),
                kind=row["kind"],
                name=row["name"],
            )
