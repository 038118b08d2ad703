"""The data the benchmarks read: a campaign made by `manage.py generate_benchmark_data` (city scale by default).

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/cc_bench DJANGO_DEBUG=1 ALLOWED_HOSTS=testserver,127.0.0.1
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py generate_benchmark_data --scale city --seed 1     # about 1.5 min on PostgreSQL
    .venv/bin/python bench/<script>.py                                          # BENCH_CAMPAIGN=bench-city-1

BENCH_CAMPAIGN names another generated campaign (bench-province-1 for the province scale).
"""

import os

from campaign.models import Campaign
from core.models import User


def bench_campaign() -> Campaign:
    slug = os.environ.get("BENCH_CAMPAIGN", "bench-city-1")
    campaign = Campaign.objects.filter(slug=slug).first()
    if campaign is None:
        scale, seed = [*slug.split("-"), "", ""][1:3]
        raise SystemExit(f"No campaign {slug}: run `manage.py generate_benchmark_data --scale {scale or 'city'} "
                         f"--seed {seed or 1}` first.")  # fmt: skip
    return campaign


def bench_user(campaign: Campaign, key: str) -> User:
    """The generated login of a role: office, inspector, leader (of the first district), head or liaison."""
    return User.objects.get(username=f"{campaign.slug}-{key}")


def scale_line(campaign: Campaign) -> str:
    from campaign.models import DailyReport, Point, Unit
    from rectification.models import Problem

    return (f"data: {campaign.slug}: {Unit.objects.filter(campaign=campaign).count()} units, "
            f"{Point.objects.filter(campaign=campaign).count()} points, "
            f"{Problem.objects.filter(campaign=campaign).count()} problems, "
            f"{DailyReport.objects.filter(campaign=campaign).count()} daily reports")  # fmt: skip
