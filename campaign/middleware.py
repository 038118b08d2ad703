from django.utils.functional import SimpleLazyObject

SESSION_KEY = "campaign_id"


def current_campaign(request):
    """The campaign the user is working in: the one chosen in the switcher if still visible, else the default."""
    from campaign.models import Campaign
    from campaign.selectors import campaign_default_for

    user = request.user
    if not user.is_authenticated:
        return None
    chosen = request.session.get(SESSION_KEY)
    if chosen:
        campaign = Campaign.objects.visible_to(user).filter(pk=chosen).first()
        if campaign is not None:
            return campaign
    return campaign_default_for(user=user)


class CurrentCampaignMiddleware:
    """Sets `request.campaign`, evaluated only when something reads it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.campaign = SimpleLazyObject(lambda: current_campaign(request))
        return self.get_response(request)


def job_request_setup(request, job):
    """For a job that runs a user's list again (`core.exports`): the campaign the user was working in then, if the
    user still sees it (else their default, as the middleware would choose)."""
    if job.campaign_id:
        request.session[SESSION_KEY] = job.campaign_id
    request.campaign = SimpleLazyObject(lambda: current_campaign(request))
