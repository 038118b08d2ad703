from django.core.management.base import BaseCommand
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from core.schedules import DEFAULT_SCHEDULES


class Command(BaseCommand):
    help = "Add the default periodic jobs to the beat schedule; jobs that already exist are left as staff set them."

    @transaction.atomic
    def handle(self, *args, **options):
        created = 0
        for schedule in DEFAULT_SCHEDULES:
            if PeriodicTask.objects.filter(name=schedule.name).exists():
                continue
            fields = {"name": schedule.name, "task": schedule.task, "description": str(schedule.description)}
            if schedule.every_seconds:
                fields["interval"], _ = IntervalSchedule.objects.get_or_create(
                    every=schedule.every_seconds, period=IntervalSchedule.SECONDS
                )
            else:
                minute, hour, day_of_month, month_of_year, day_of_week = schedule.crontab.split()
                fields["crontab"], _ = CrontabSchedule.objects.get_or_create(
                    minute=minute,
                    hour=hour,
                    day_of_month=day_of_month,
                    month_of_year=month_of_year,
                    day_of_week=day_of_week,
                    timezone="Asia/Shanghai",
                )
            PeriodicTask.objects.create(**fields)
            created += 1
        self.stdout.write(f"{created} periodic job(s) added, {len(DEFAULT_SCHEDULES) - created} already present.")
