import datetime
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from campaign.benchdata import SCALES, bench_slug, benchmark_generate


class Command(BaseCommand):
    help = (
        "Generate a whole campaign of benchmark data (bench-<scale>-<seed>): units, points, criteria, problems with "
        "their histories, inspections, and a period of daily reports and dispatch orders. The same scale, seed and "
        "day give the same data. city: 1,500 units, 20,000 points, 150 criteria, 200,000 problems, 2,000 "
        "inspections, 500,000 daily reports over a year; province: ten times that; small: for tests."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), default="small")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--today", type=datetime.date.fromisoformat, metavar="YYYY-MM-DD",
                            help="the day the history ends before (default: today)")  # fmt: skip

    def handle(self, *args, scale, seed, today, verbosity, **options):
        started = time.perf_counter()

        def say(message):
            if verbosity:
                self.stdout.write(f"[{time.perf_counter() - started:7.1f} s] {message}")

        try:
            data = benchmark_generate(scale=scale, seed=seed, today=today, say=say)
        except ValueError as error:
            raise CommandError(str(error)) from error
        if connection.vendor == "postgresql":
            # Fresh statistics for the planner (VACUUM only outside a transaction, as in a test).
            statement = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
            say(statement)
            with connection.cursor() as cursor:
                cursor.execute(statement)
        total = sum(data.counts.values())
        self.stdout.write(self.style.SUCCESS(
            f"{bench_slug(scale, seed)}: {total} rows in {time.perf_counter() - started:.0f} s. Sign in as "
            f"{data.campaign.slug}-office (or -leader, -inspector, -head, -liaison) with the demo password."
        ))  # fmt: skip
