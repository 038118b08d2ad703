from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from rectification.services import open311_client_create


class Command(BaseCommand):
    help = (
        "Create a client allowed to send Open311 service requests (e.g. the 12345 hotline system) and print its key. "
        "The key is stored only as a hash: copy it now, it cannot be shown again."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="The client's name, e.g. 12345热线")

    def handle(self, *args, name, **options):
        try:
            client, key = open311_client_create(actor=None, name=name)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stderr.write(f"Open311 client {client.name!r} created. Its key (shown only now):")
        self.stdout.write(key)
