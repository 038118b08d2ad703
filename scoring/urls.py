from django.urls import path

from scoring import views

urlpatterns = [
    path("briefings/<str:kind>/", views.DocumentListView.as_view(), name="document_list"),
    path("briefings/<str:kind>/compile/", views.document_compile_view, name="document_compile"),
    path("briefings/<str:kind>/<int:pk>/", views.DocumentDetailView.as_view(), name="document_detail"),
    path("briefings/<str:kind>/<int:pk>/<str:action>/", views.document_action_view, name="document_action"),
    path("bulletin-mentions/<int:pk>/acknowledge/", views.mention_acknowledge_view, name="mention_acknowledge"),
    path("bulletins/<int:pk>/photos/<int:photo_pk>/", views.bulletin_photo_view, name="bulletin_photo"),
]
