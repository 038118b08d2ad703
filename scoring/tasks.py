from celery import shared_task


@shared_task(name="scoring.warm_dashboard", ignore_result=True)
def warm_dashboard(campaign_id: int):
    """Queued when a publication has cleared a campaign's dashboard: its readers' panels computed again at once."""
    from campaign.models import Campaign
    from scoring.dashboard import dashboard_warm

    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is not None:
        dashboard_warm(campaign=campaign)


@shared_task(name="scoring.warm_dashboards", ignore_result=True)
def warm_dashboards():
    """Scheduled every four minutes (the panels are cached for five): the open campaigns' dashboards kept warm."""
    from scoring.dashboard import dashboard_warm_all

    dashboard_warm_all()
