from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RectificationConfig(AppConfig):
    name = "rectification"
    verbose_name = _("Rectification")

    def ready(self):
        from core.audit import register_actions
        from rectification.choices import AUDIT_ACTIONS

        register_actions(AUDIT_ACTIONS)

        # The campaign app offers the import page, the import jobs and the demo seed; it must not import this app,
        # so this app registers into them.
        from campaign.demo_seed import register_seed_step
        from campaign.jobs import register_import
        from rectification.demo_seed import seed_demo_problems, seed_demo_public_replies, seed_demo_rectification
        from rectification.imports import CATEGORY_SPEC, PROBLEM_SPEC, CategoryImport, ProblemImport

        register_import(
            "import.categories",
            importer=CategoryImport,
            label=_("Problem categories (问题分类) with their deadlines"),
            template_label=_("problem categories"),
            specs=(CATEGORY_SPEC,),
            result_page="category_list",
        )
        register_import(
            "import.problems",
            importer=ProblemImport,
            label=_("Problems found offline (问题台账), recorded as new problems"),
            template_label=_("problems"),
            specs=(PROBLEM_SPEC,),
            result_page="problem_list",
        )
        # A unit's daily report names problems it found itself; they go into the ledger.
        from campaign.daily_reports import register_finding_handler
        from rectification.problems import problems_from_findings

        register_finding_handler(problems_from_findings)

        register_seed_step(seed_demo_rectification)
        register_seed_step(seed_demo_problems)
        register_seed_step(seed_demo_public_replies)

        from campaign.benchdata import register_bench_step
        from rectification.benchdata import problems_generate

        register_bench_step(problems_generate)
