from django.utils.functional import SimpleLazyObject

from campaign.selectors import campaign_list_visible


def campaigns(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    campaign = getattr(request, "campaign", None)
    return {
        "current_campaign": campaign if campaign else None,
        "switchable_campaigns": SimpleLazyObject(lambda: list(campaign_list_visible(user=user))),
    }
