from django.db import migrations
from django.db.models import CharField, F
from django.db.models.functions import Cast, Length, Substr


def forwards(apps, schema_editor):
    """Notices written before deliveries existed: their event is the key without ":<recipient id>", and they count
    as planned, so turning delivery on does not send a backlog of old notices."""
    Notification = apps.get_model("core", "Notification")
    suffix = Length(Cast("recipient_id", output_field=CharField())) + 1
    Notification.objects.filter(event_key="").update(event_key=Substr("key", 1, Length("key") - suffix))
    Notification.objects.filter(deliveries_planned_at__isnull=True).update(deliveries_planned_at=F("created_at"))


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0005_notification_deliveries"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
