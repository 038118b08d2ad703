from django.urls import path

from rectification import views

urlpatterns = [
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
