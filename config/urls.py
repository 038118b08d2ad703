from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.authtoken.views import obtain_auth_token

from config import views
from core import views as core_views

admin.site.site_header = _("Campaign Command administration")
admin.site.site_title = _("Campaign Command")
admin.site.index_title = _("Configuration")

api_v1 = [
    path("auth/token/", obtain_auth_token, name="api_token"),
    path("", include("campaign.api.urls")),
    path("", include("rectification.api.urls")),
    path("", include("scoring.api.urls")),
    path("", include("core.api.urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("", include("campaign.urls")),
    path("", include("rectification.urls")),
    path("", include("scoring.urls")),
    path("audit/", core_views.AuditEventListView.as_view(), name="audit_event_list"),
    path("jobs/", core_views.JobListView.as_view(), name="job_list"),
    path("jobs/<uuid:pk>/", core_views.JobDetailView.as_view(), name="job_detail"),
    path("notifications/", core_views.NotificationListView.as_view(), name="notification_list"),
    path("notifications/read/", core_views.notifications_read_view, name="notifications_read"),
    path("notifications/deliveries/", core_views.DeliveryListView.as_view(), name="delivery_list"),
    path("notifications/deliveries/<int:pk>/retry/", core_views.delivery_retry_view, name="delivery_retry"),
    path("jobs/<uuid:pk>/start/", core_views.job_start, name="job_start"),
    path("jobs/<uuid:pk>/download/", core_views.job_download, name="job_download"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", core_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("favicon.ico", views.favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api_schema"), name="api_docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api_schema"), name="api_redoc"),
]
