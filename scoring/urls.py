from django.urls import path

from scoring import dashboard_views, inspection_views, ranking_views, record_views, views

urlpatterns = [
    path("dashboard/", dashboard_views.DashboardView.as_view(), name="dashboard"),
    path("dashboard/hall/", dashboard_views.DashboardView.as_view(hall=True), name="dashboard_hall"),
    path("dashboard/<slug:slug>/export/", dashboard_views.DashboardExportView.as_view(), name="dashboard_export"),
    path("briefings/<str:kind>/", views.DocumentListView.as_view(), name="document_list"),
    path("briefings/<str:kind>/compile/", views.document_compile_view, name="document_compile"),
    path("briefings/<str:kind>/<int:pk>/", views.DocumentDetailView.as_view(), name="document_detail"),
    path("briefings/<str:kind>/<int:pk>/<str:action>/", views.document_action_view, name="document_action"),
    path("bulletin-mentions/<int:pk>/acknowledge/", views.mention_acknowledge_view, name="mention_acknowledge"),
    path("bulletins/<int:pk>/photos/<int:photo_pk>/", views.bulletin_photo_view, name="bulletin_photo"),
    path("inspections/", inspection_views.RoundListView.as_view(), name="inspection_round_list"),
    path("inspections/new/", inspection_views.round_create_view, name="inspection_round_create"),
    path("inspections/<int:pk>/", inspection_views.RoundDetailView.as_view(), name="inspection_round_detail"),
    path("inspections/<int:pk>/close/", inspection_views.round_close_view, name="inspection_round_close"),
    path("inspections/<int:pk>/points/<int:point_pk>/", inspection_views.visit_view, name="inspection_visit"),
    path("inspections/visits/<int:pk>/", inspection_views.InspectionDetailView.as_view(), name="inspection_detail"),
    path("inspections/photos/<int:pk>/", inspection_views.inspection_photo_view, name="inspection_photo"),
    path("findings/", inspection_views.FindingListView.as_view(), name="finding_list"),
    path("findings/approve/", inspection_views.findings_approve_view, name="findings_approve"),
    path("findings/<int:pk>/review/", inspection_views.finding_review_view, name="finding_review"),
    path("projection/", inspection_views.ProjectionView.as_view(), name="projection"),
    path("rankings/", ranking_views.RankingListView.as_view(), name="ranking_list"),
    path("rankings/compute/", ranking_views.ranking_compute_view, name="ranking_compute"),
    path("rankings/<int:pk>/", ranking_views.RankingDetailView.as_view(), name="ranking_detail"),
    path("rankings/<int:pk>/publish/", ranking_views.ranking_publish_view, name="ranking_publish"),
    path("rankings/entries/<int:pk>/", ranking_views.RankingEntryView.as_view(), name="ranking_entry"),
    path("score-rules/", ranking_views.ScoreRulesView.as_view(), name="score_rules"),
    path("score-rules/settings/", ranking_views.scoring_settings_view, name="scoring_settings"),
    path("materials/", record_views.MaterialListView.as_view(), name="material_list"),
    path("materials/new/", record_views.material_upload_view, name="material_upload"),
    path("materials/standing/", record_views.MaterialStandingView.as_view(), name="material_standing"),
    path("materials/<int:pk>/file/", record_views.material_file_view, name="material_file"),
    path("materials/<int:pk>/review/", record_views.material_review_view, name="material_review"),
    path("accountability/", record_views.AccountabilityListView.as_view(), name="accountability_list"),
    path("accountability/new/", record_views.accountability_create_view, name="accountability_create"),
    path(
        "accountability/<int:pk>/withdraw/", record_views.accountability_withdraw_view, name="accountability_withdraw"
    ),
]
