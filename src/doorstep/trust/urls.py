from django.urls import path

from doorstep.trust import requirement_views, views

app_name = "trust"
urlpatterns = [
    path("dashboard/verification/", views.verification, name="verification"),
    path("dashboard/verification/submit/", views.submit, name="submit"),
    path("documents/<str:public_id>/file/", views.document_file, name="document_file"),
    path("ops/verification/", views.ops_queue, name="ops_queue"),
    path("ops/verification/expiring/", views.ops_expiring, name="ops_expiring"),
    path(
        "ops/verification/staff-documents/",
        views.ops_staff_documents,
        name="ops_staff_documents",
    ),
    path(
        "ops/verification/requirements/",
        requirement_views.ops_requirements,
        name="ops_requirements",
    ),
    path(
        "ops/verification/requirements/types/",
        requirement_views.ops_add_document_type,
        name="ops_add_document_type",
    ),
    path(
        "ops/verification/requirements/<str:requirement_id>/",
        requirement_views.ops_change_requirement,
        name="ops_change_requirement",
    ),
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
