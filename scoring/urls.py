from django.urls import path

from scoring import inspection_views, views

urlpatterns = [
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
]
