from django.urls import path

from doorstep.invoicing import views

app_name = "invoicing"

urlpatterns = [
    path("account/receipts/", views.receipts, name="receipts"),
    path("provider/wallet/documents/", views.provider_documents, name="provider"),
    path("documents/<str:document_id>/pdf/", views.download, name="download"),
    path("ops/finance/documents/", views.ops_documents, name="ops_documents"),
    path(
        "ops/finance/documents/<str:document_id>/pdf/",
        views.ops_download,
        name="ops_download",
    ),
]
