from django.urls import path

from doorstep.support import dispute_views as views

app_name = "disputes"
urlpatterns = [
    path("disputes/", views.my_disputes, name="mine"),
    path("orders/<str:order_id>/dispute/", views.open_dispute, name="open"),
    path("disputes/<str:dispute_id>/", views.dispute_page, name="detail"),
    path("disputes/<str:dispute_id>/respond/", views.respond, name="respond"),
    path(
        "disputes/<str:dispute_id>/offer/<str:decision>/",
        views.take_offer,
        name="take_offer",
    ),
    path("disputes/<str:dispute_id>/evidence/", views.add_evidence, name="evidence"),
    path(
        "disputes/evidence/<str:evidence_id>/photo/",
        views.evidence_photo,
        name="photo",
    ),
    path("ops/disputes/", views.ops_list, name="ops_list"),
    path("ops/disputes/<str:dispute_id>/", views.ops_page, name="ops_page"),
]
