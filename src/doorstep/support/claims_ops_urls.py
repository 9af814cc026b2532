from django.urls import path

from doorstep.support import claims_views as views

app_name = "claims_ops"
urlpatterns = [
    path("ops/claims/", views.ops_queue, name="queue"),
    path("ops/claims/warranty/<str:claim_id>/", views.ops_warranty, name="warranty"),
    path("ops/claims/guarantee/<str:claim_id>/", views.ops_guarantee, name="guarantee"),
]
