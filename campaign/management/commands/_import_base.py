from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from campaign.models import Campaign
from core.errors import DomainError


class ImportCommand(BaseCommand):
    """Shared by the import commands: read FILE, print the plan and every problem, apply unless --dry-run.
    Exits non-zero with the list of errors when the file has any; nothing is written then."""

    importer = None

    def add_arguments(self, parser):
        parser.add_argument("file", help="An .xlsx workbook or a .csv file.")
        parser.add_argument("--campaign", required=True, help="The campaign's short name (slug).")
        parser.add_argument("--dry-run", action="store_true", help="Check and show the plan; write nothing.")

    def handle(self, *args, file, campaign, dry_run, **options):
        campaign_obj = Campaign.objects.filter(slug=campaign).first()
        if campaign_obj is None:
            raise CommandError(f"No campaign with the short name {campaign!r}.")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        plan = self.importer(campaign=campaign_obj, filename=path.name, data=path.read_bytes())
        for issue in plan.issues:
            stream = self.stderr if issue.level == "error" else self.stdout
            stream.write(f"{issue.level.upper()}: {issue}")
        if plan.has_errors:
            raise CommandError(f"{sum(1 for i in plan.issues if i.level == 'error')} error(s); nothing was imported.")
        counts = plan.counts()
        self.stdout.write(
            f"Plan: {counts['create']} to create, {counts['update']} to update, {counts['remove']} to remove."
        )
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
            return
        try:
            with transaction.atomic():
                done = plan.apply(actor=None)
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported: {done['create']} created, {done['update']} updated, {done['remove']} removed."
            )
        )
