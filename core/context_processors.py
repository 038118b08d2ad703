from django.conf import settings


def shell(request):
    return {
        "brand_name": settings.SITE_NAME,
        "embedded_mode": settings.EMBEDDED_MODE,
    }
