from django.urls import path

from rectification import views

urlpatterns = [
    path("problems/", views.ProblemListView.as_view(), name="problem_list"),
    path("problems/new/", views.ProblemCreateView.as_view(), name="problem_new"),
    path("problems/assign/", views.problems_assign_bulk_view, name="problems_assign_bulk"),
    path("problems/<int:pk>/", views.ProblemDetailView.as_view(), name="problem_detail"),
    path("problems/<int:pk>/move/", views.problem_move_view, name="problem_move"),
    path("problems/<int:pk>/apply-to-all/", views.problem_apply_to_all_view, name="problem_apply_to_all"),
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
]
