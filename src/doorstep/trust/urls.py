from django.urls import path

from doorstep.trust import views

app_name = "trust"
urlpatterns = [
    path("dashboard/verification/", views.verification, name="verification"),
    path("dashboard/verification/submit/", views.submit, name="submit"),
    path("documents/<str:public_id>/file/", views.document_file, name="document_file"),
    path("ops/verification/", views.ops_queue, name="ops_queue"),
    path("ops/verification/expiring/", views.ops_expiring, name="ops_expiring"),
    path(
        "ops/verification/<str:public_id>/",
        views.ops_application,
        name="ops_application",
    ),
    path(
        "ops/verification/<str:public_id>/decide/",
        views.ops_decide,
        name="ops_decide",
    ),
    path(
        "ops/verification/documents/<str:public_id>/review/",
        views.ops_review_document,
        name="ops_review_document",
    ),
]
