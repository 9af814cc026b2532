from django.urls import path

from doorstep.legal import views

app_name = "legal"
urlpatterns = [
    path("terms/", views.terms, name="terms"),
    path("privacy/", views.privacy, name="privacy"),
    path("legal/<str:document>/v<int:number>/", views.version, name="version"),
    path("legal/accept/", views.accept, name="accept"),
    path("accounts/export/", views.export, name="export"),
    path("ops/legal/", views.ops_list, name="ops_list"),
    path(
        "ops/legal/<str:document>/new/",
        views.ops_new_version,
        name="ops_new_version",
    ),
]
