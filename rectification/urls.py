from django.urls import path

from rectification import open311, public_views, views

urlpatterns = [
    path("problems/", views.ProblemListView.as_view(), name="problem_list"),
    path("problems/new/", views.ProblemCreateView.as_view(), name="problem_new"),
    path("problems/assign/", views.problems_assign_bulk_view, name="problems_assign_bulk"),
    path("problems/<int:pk>/", views.ProblemDetailView.as_view(), name="problem_detail"),
    path("problems/<int:pk>/move/", views.problem_move_view, name="problem_move"),
    path("problems/<int:pk>/apply-to-all/", views.problem_apply_to_all_view, name="problem_apply_to_all"),
    path("problems/<int:pk>/merge/", views.problem_merge_view, name="problem_merge"),
    path("rechecks/", views.RecheckListView.as_view(), name="recheck_list"),
    path("disputes/", views.DisputeListView.as_view(), name="dispute_list"),
    path("disputes/<int:pk>/escalate/", views.dispute_escalate_view, name="dispute_escalate"),
    path("rechecks/<int:pk>/", views.RecheckRecordView.as_view(), name="recheck_record"),
    path("problems/<int:pk>/photos/<int:photo_pk>/", views.problem_photo_view, name="problem_photo"),
    path("categories/", views.CategoryListView.as_view(), name="category_list"),
    path("calendar/", views.WorkCalendarView.as_view(), name="work_calendar"),
    path("calendar/hours/", views.WorkingHoursUpdateView.as_view(), name="work_calendar_hours"),
    path("calendar/exceptions/", views.CalendarExceptionAddView.as_view(), name="calendar_exception_add"),
    path(
        "calendar/exceptions/<int:pk>/remove/",
        views.CalendarExceptionRemoveView.as_view(),
        name="calendar_exception_remove",
    ),
    # Public intake: open without signing in (rectification/public_views.py, rectification/open311.py).
    path("report/", public_views.PublicReportView.as_view(), name="public_report"),
    path("report/done/", public_views.public_report_done, name="public_report_done"),
    path("track/", public_views.public_track, name="public_track"),
    path("track/<str:code>/", public_views.public_track_detail, name="public_track_detail"),
    path("open311/v2/services.json", open311.services, name="open311_services"),
    path("open311/v2/requests.json", open311.requests, name="open311_requests"),
    path("open311/v2/requests/<str:service_request_id>.json", open311.request_detail, name="open311_request"),
]
