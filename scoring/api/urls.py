from django.urls import path
from rest_framework.routers import DefaultRouter

from scoring.api import dashboard, inspections, rankings, views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("leader-reports", views.LeaderReportViewSet, basename="leader-report")
router.register("bulletins", views.BulletinViewSet, basename="bulletin")
router.register("inspection-rounds", inspections.RoundViewSet, basename="inspection-round")
router.register("inspections", inspections.InspectionViewSet, basename="inspection")
router.register("findings", inspections.FindingViewSet, basename="finding")
router.register("projections", inspections.ProjectionViewSet, basename="projection")
router.register("rankings", rankings.RankingViewSet, basename="ranking")
router.register("scores", rankings.ScoresViewSet, basename="score")
router.register("score-rules", rankings.RuleSetViewSet, basename="score-rule")
router.register("materials", rankings.MaterialViewSet, basename="material")
router.register("accountability", rankings.AccountabilityViewSet, basename="accountability")

urlpatterns = router.urls + [
    path(f"dashboard/{slug}/", view.as_view(), name=f"dashboard-{slug}")
    for slug, view in dashboard.panel_views().items()
]
