from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignConfig(AppConfig):
    name = "campaign"
    verbose_name = _("Campaign structure")

    def ready(self):
        from campaign.choices import AUDIT_ACTIONS
        from core.audit import register_actions

        register_actions(AUDIT_ACTIONS)

        from campaign.jobs import IMPORTERS, run_import
        from core.jobs import register_runner

        for kind in IMPORTERS:
            register_runner(kind, run_import)

        from campaign.middleware import job_request_setup
        from core.exports import register_request_setup

        register_request_setup(job_request_setup)

        from campaign.cycle import register_default_steps

        register_default_steps()
