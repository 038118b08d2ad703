"""The scoring app's part of the demo: yesterday's report to the leaders and bulletin, compiled at yesterday's
compile time and published by the office, so leaders have something to read and named units something to
acknowledge; today's are left for the scheduled jobs and the office. Runs after the demo's daily reports, and only
into a campaign without compiled documents."""

import datetime

from django.utils import timezone

from campaign.daily_reports import daily_settings_get
from campaign.models import Campaign
from core.models import User
from scoring.choices import Period
from scoring.documents import document_compile, document_edit, document_publish
from scoring.models import Bulletin, LeaderReport

LEADS = {
    LeaderReport: "昨日全市各责任单位按要求报送日报告，东华街道迟报，部分单位尚未报送；新发现问题已全部交办，"
    "请各分包领导督促所联系单位按期整改。",
    Bulletin: "现将昨日创城工作情况通报如下。未按时报送日报告、问题超期未整改的单位，请于今日内说明情况并签收本通报。",
}


def seed_demo_documents(campaign: Campaign) -> None:
    if LeaderReport.objects.filter(campaign=campaign).exists() or Bulletin.objects.filter(campaign=campaign).exists():
        return
    office = User.objects.get(username="office")
    day = timezone.localdate() - datetime.timedelta(days=1)
    schedule = daily_settings_get(campaign=campaign)
    compiled = timezone.make_aware(datetime.datetime.combine(day, schedule.compile_at))
    published = timezone.make_aware(datetime.datetime.combine(day, schedule.publish_at))
    for model, lead in LEADS.items():
        document = document_compile(model=model, campaign=campaign, period=Period.DAILY, end_date=day, now=compiled)
        document_edit(actor=office, document=document, lead=lead)
        document_publish(actor=office, document=document, now=published)
