import datetime

from django.core.management.base import BaseCommand, CommandError

from campaign.cycle import CYCLE_STEPS, cycle_step_run
from campaign.models import Campaign


class Command(BaseCommand):
    help = (
        "Run or re-run steps of a campaign's daily cycle for a date (all registered steps, or one with --step). "
        "Re-running replaces a step's draft and never duplicates notices or published documents."
    )

    def add_arguments(self, parser):
        parser.add_argument("--campaign", required=True, help="The campaign's URL name (slug).")
        parser.add_argument("--date", required=True, help="The day, YYYY-MM-DD.")
        parser.add_argument("--step", help="One step: " + ", ".join(sorted(CYCLE_STEPS)) + ".")

    def handle(self, *args, campaign, date, step=None, **options):
        found = Campaign.objects.filter(slug=campaign).first()
        if found is None:
            raise CommandError(f"No campaign with the URL name {campaign!r}.")
        try:
            day = datetime.date.fromisoformat(date)
        except ValueError:
            raise CommandError(f"Not a date (YYYY-MM-DD): {date!r}.") from None
        if step is not None and step not in CYCLE_STEPS:
            raise CommandError(f"Unknown step {step!r}; the steps are: {', '.join(sorted(CYCLE_STEPS))}.")
        for name in [step] if step else list(CYCLE_STEPS):
            run = cycle_step_run(campaign=found, date=day, step=name, force=True)
            figures = ", ".join(f"{key} {value}" for key, value in run.result.items())
            self.stdout.write(self.style.SUCCESS(f"{found.slug} {day} {name}: run {run.runs} ({figures})"))
