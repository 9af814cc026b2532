from django.urls import path

from doorstep.accounts import views

app_name = "accounts"
urlpatterns = [
    path("accounts/phone/", views.phone_login, name="phone_login"),
    path("accounts/phone/verify/", views.phone_verify, name="phone_verify"),
    path("accounts/profile/", views.profile, name="profile"),
    path("accounts/provider/", views.provider_profile, name="provider"),
    path("accounts/delete/", views.delete_account, name="delete"),
]
