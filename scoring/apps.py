from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    name = "scoring"
    verbose_name = _("Scoring")

    def ready(self):
        from core.audit import register_actions
        from scoring.choices import AUDIT_ACTIONS

        register_actions(AUDIT_ACTIONS)

        # The daily cycle's schedule lives in campaign, which must not import this app: the compile, publish and
        # weekly steps are registered into it.
        import datetime

        from django.utils import timezone

        from campaign.cycle import CycleStep, register_cycle_step
        from scoring.documents import cycle_compile, cycle_publish, cycle_weekly
        from scoring.rankings import cycle_rankings

        def at(field):
            return lambda schedule, date: timezone.make_aware(
                datetime.datetime.combine(date, getattr(schedule, field))
            )

        def weekly_at(schedule, date):
            return at("compile_at")(schedule, date) if date.weekday() == schedule.weekly_weekday else None

        from campaign.demo_seed import register_seed_step
        from scoring.demo_seed import seed_demo_documents, seed_demo_inspections, seed_demo_rankings

        register_seed_step(seed_demo_documents, after_daily_reports=True)
        register_seed_step(seed_demo_inspections, after_daily_reports=True)
        register_seed_step(seed_demo_rankings, after_daily_reports=True)

        from campaign.benchdata import register_bench_step
        from scoring.benchdata import inspections_generate

        register_bench_step(inspections_generate)

        register_cycle_step(CycleStep("compile", _("Compile the report to the leaders and the bulletin"),
                                      at("compile_at"), cycle_compile))  # fmt: skip
        register_cycle_step(CycleStep("publish", _("Publish, or remind the office to publish"), at("publish_at"),
                                      cycle_publish))  # fmt: skip
        # The week's rankings come before the weekly report and bulletin, which name the black list.
        register_cycle_step(CycleStep("rankings", _("Rank the week's units and publish the ranking"), weekly_at,
                                      cycle_rankings))  # fmt: skip
        register_cycle_step(CycleStep("weekly", _("Compile the weekly report and bulletin"), weekly_at,
                                      cycle_weekly))  # fmt: skip
