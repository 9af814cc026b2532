from django.urls import path

from doorstep.accounts import views

app_name = "accounts"
urlpatterns = [
    path("accounts/phone/", views.phone_login, name="phone_login"),
    path("accounts/phone/verify/", views.phone_verify, name="phone_verify"),
    path("accounts/profile/", views.profile, name="profile"),
    path("accounts/provider/", views.provider_profile, name="provider"),
    path("accounts/delete/", views.delete_account, name="delete"),
    path("accounts/addresses/", views.addresses, name="addresses"),
    path(
        "accounts/addresses/<str:address_id>/",
        views.address_edit,
        name="address_edit",
    ),
    path(
        "accounts/addresses/<str:address_id>/default/",
        views.address_default,
        name="address_default",
    ),
    path(
        "accounts/addresses/<str:address_id>/delete/",
        views.address_delete,
        name="address_delete",
    ),
]
