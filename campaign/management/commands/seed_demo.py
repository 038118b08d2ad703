from django.core.management.base import BaseCommand

from campaign.demo_seed import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Create the demo city (campaign, units, one login per role). Safe to run again: it changes nothing."

    def handle(self, *args, **options):
        result = seed_demo()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo campaign '{result.campaign.name}' ({result.campaign.slug}): {result.units} units, "
                f"{result.users} users. Demo password for every login: {DEMO_PASSWORD}"
            )
        )
