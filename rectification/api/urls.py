from django.urls import path
from rest_framework.routers import DefaultRouter

from rectification.api import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("categories", views.ProblemCategoryViewSet, basename="category")
router.register("calendars", views.WorkCalendarViewSet, basename="calendar")
router.register("problems", views.ProblemViewSet, basename="problem")
router.register("disputes", views.DisputeViewSet, basename="dispute")
router.register("rechecks", views.RecheckViewSet, basename="recheck")

urlpatterns = [
    path("problem-metrics/", views.ProblemMetricsView.as_view(), name="problem-metrics"),
    *router.urls,
]
