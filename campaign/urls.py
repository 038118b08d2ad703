from django.urls import path

from campaign import daily_views, dispatch_views, views

urlpatterns = [
    path("office/", views.OfficeHomeView.as_view(), name="home_office"),
    path("my-units/", views.MyUnitsHomeView.as_view(), name="home_units"),
    path("inspector/", views.InspectorHomeView.as_view(), name="home_inspector"),
    path("units/", views.UnitListView.as_view(), name="unit_list"),
    path("units/<int:pk>/", views.UnitDetailView.as_view(), name="unit_detail"),
    path("campaigns/switch/", views.campaign_switch, name="campaign_switch"),
    path("indicators/", views.IndicatorTreeView.as_view(), name="indicator_tree"),
    path("indicators/new-version/", views.indicator_system_version_view, name="indicator_system_version"),
    path("imports/new/", views.ImportView.as_view(), name="import_new"),
    path("tasks/", views.TaskDivisionView.as_view(), name="task_division"),
    path("tasks/<int:pk>/acknowledge/", views.task_acknowledge_view, name="task_acknowledge"),
    path("my-responsibilities/", views.MyResponsibilitiesView.as_view(), name="my_responsibilities"),
    path("manual/", views.ManualView.as_view(), name="manual"),
    path("manual/points/<int:pk>/", views.ResponsibilityEditView.as_view(), name="responsibility_edit"),
    path("coverage/", views.CoverageView.as_view(), name="coverage"),
    path("campaigns/status/", views.campaign_status_view, name="campaign_status"),
    path("samplings/", views.SamplingListView.as_view(), name="sampling_list"),
    path("samplings/draw/", views.sampling_draw_view, name="sampling_draw"),
    path("samplings/<int:pk>/", views.SamplingDetailView.as_view(), name="sampling_detail"),
    path("imports/template/<str:kind>/", views.ImportTemplateView.as_view(), name="import_template"),
    path("daily-report/", daily_views.DailyReportFormView.as_view(), name="daily_report_form"),
    path("daily-reports/", daily_views.DailyReportListView.as_view(), name="daily_report_list"),
    path("daily-reports/compliance/", daily_views.ComplianceView.as_view(), name="daily_compliance"),
    path("daily-reports/<int:pk>/", daily_views.DailyReportDetailView.as_view(), name="daily_report_detail"),
    path("daily-reports/<int:pk>/unlock/", daily_views.daily_report_unlock_view, name="daily_report_unlock"),
    path(
        "daily-reports/<int:pk>/photos/<int:photo_pk>/", daily_views.daily_report_photo_view, name="daily_report_photo"
    ),
    path("coordination/", daily_views.CoordinationListView.as_view(), name="coordination_list"),
    path("coordination/<int:pk>/", daily_views.coordination_item_view, name="coordination_item"),
    path("daily-cycle/settings/", daily_views.DailyCycleSettingsView.as_view(), name="daily_settings"),
    path("dispatch/", dispatch_views.DispatchListView.as_view(), name="dispatch_list"),
    path("dispatch/new/", dispatch_views.DispatchCreateView.as_view(), name="dispatch_new"),
    path("dispatch/<int:pk>/", dispatch_views.DispatchDetailView.as_view(), name="dispatch_detail"),
    path("dispatch/<int:pk>/cancel/", dispatch_views.dispatch_cancel_view, name="dispatch_cancel"),
    path(
        "dispatch/targets/<int:pk>/acknowledge/", dispatch_views.dispatch_acknowledge_view, name="dispatch_acknowledge"
    ),
    path("dispatch/targets/<int:pk>/complete/", dispatch_views.dispatch_complete_view, name="dispatch_complete"),
    path(
        "dispatch/targets/<int:pk>/evidence/<int:photo_pk>/",
        dispatch_views.dispatch_evidence_view,
        name="dispatch_evidence",
    ),
]
