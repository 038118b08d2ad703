from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from campaign.exports import manual_workbook
from campaign.models import Campaign


class Command(BaseCommand):
    help = "Write the grid responsibility manual (精细网格化责任手册) of a campaign to an Excel workbook."

    def add_arguments(self, parser):
        parser.add_argument("--campaign", required=True, help="The campaign's short name (slug).")
        parser.add_argument("out", help="The .xlsx file to write.")

    def handle(self, *args, campaign, out, **options):
        campaign_obj = Campaign.objects.filter(slug=campaign).first()
        if campaign_obj is None:
            raise CommandError(f"No campaign with the short name {campaign!r}.")
        path = Path(out)
        if path.suffix.lower() != ".xlsx":
            raise CommandError("The output file must end in .xlsx.")
        content, rows = manual_workbook(campaign=campaign_obj)
        path.write_bytes(content)
        self.stdout.write(self.style.SUCCESS(f"Wrote {rows} points to {path}."))
