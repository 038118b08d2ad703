from rest_framework.routers import DefaultRouter

from scoring.api import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("leader-reports", views.LeaderReportViewSet, basename="leader-report")
router.register("bulletins", views.BulletinViewSet, basename="bulletin")

urlpatterns = router.urls
