from django.conf import settings


def shell(request):
    return {
        "brand_name": settings.SITE_NAME,
        "embedded_mode": settings.EMBEDDED_MODE,
    }


def notifications(request):
    """How many unread notifications the signed-in person has, for the bell in the navigation (one query)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": user.notifications.filter(read_at__isnull=True).count()}
