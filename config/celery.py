"""The Celery application.

Production: one or more workers (`celery -A config worker`) and exactly one beat (`celery -A config beat`), both
on REDIS_URL. Embedded mode (no REDIS_URL): `manage.py serve` runs one worker with an embedded beat on the
filesystem transport under var/celery/. Beat reads its schedule from django-celery-beat's tables, which staff edit
in the admin; the defaults are written by `manage.py sync_schedules`.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("campaign_command")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _prepare_filesystem_broker(sender, **kwargs):
    """The filesystem transport (embedded mode) needs its folders before the first message is written or read."""
    options = sender.conf.broker_transport_options or {}
    if str(sender.conf.broker_url).startswith("filesystem://"):
        for key in ("data_folder_in", "data_folder_out", "control_folder"):
            if options.get(key):
                os.makedirs(options[key], exist_ok=True)
