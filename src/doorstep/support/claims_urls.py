from django.urls import path

from doorstep.support import claims_views as views

app_name = "claims"
urlpatterns = [
    path(
        "orders/<str:order_id>/warranty-claim/",
        views.file_warranty,
        name="file_warranty",
    ),
    path(
        "orders/<str:order_id>/damage-claim/",
        views.file_guarantee,
        name="file_guarantee",
    ),
    path("claims/warranty/<str:claim_id>/", views.warranty, name="warranty"),
    path(
        "claims/warranty/<str:claim_id>/<str:action>/",
        views.warranty_action,
        name="warranty_action",
    ),
    path("claims/guarantee/<str:claim_id>/", views.guarantee, name="guarantee"),
    path("claims/<str:claim_id>/photos/<str:photo_id>/", views.photo, name="photo"),
]
