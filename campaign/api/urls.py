from django.urls import path
from rest_framework.routers import DefaultRouter

from campaign.api import daily, dispatch_views, views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("campaigns", views.CampaignViewSet, basename="campaign")
router.register("units", views.UnitViewSet, basename="unit")
router.register("indicators", views.IndicatorViewSet, basename="indicator")
router.register("point-types", views.PointTypeViewSet, basename="point-type")
router.register("grids", views.GridViewSet, basename="grid")
router.register("points", views.PointViewSet, basename="point")
router.register("samplings", views.SamplingViewSet, basename="sampling")
router.register("task-assignments", views.TaskAssignmentViewSet, basename="task-assignment")
router.register("unit-groups", views.UnitGroupViewSet, basename="unit-group")
router.register("command-groups", views.CommandGroupViewSet, basename="command-group")
router.register("pairings", views.PairingViewSet, basename="pairing")
router.register("responsibilities", views.ResponsibilityViewSet, basename="responsibility")
router.register("leader-assignments", views.LeaderAssignmentViewSet, basename="leader-assignment")
router.register("daily-reports", daily.DailyReportViewSet, basename="daily-report")
router.register("dispatch-orders", dispatch_views.DispatchOrderViewSet, basename="dispatch-order")
router.register("dispatch-targets", dispatch_views.DispatchTargetViewSet, basename="dispatch-target")

urlpatterns = [
    path("me/", views.MeView.as_view(), name="me"),
    *router.urls,
]
