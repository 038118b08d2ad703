from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("System")

    def ready(self):
        # Django's authentication signals are the only hook for login events; the receivers only record them.
        from core import receivers  # noqa: F401
        from core.exports import EXPORT_KIND, export_run
        from core.jobs import register_runner

        register_runner(EXPORT_KIND, export_run)
