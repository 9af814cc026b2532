from django.urls import path

from doorstep.payments import sandbox_views

app_name = "sandbox"
urlpatterns = [
    path("pay/<str:intent_id>/", sandbox_views.pay, name="pay"),
    path("pay/<str:intent_id>/challenge/", sandbox_views.challenge, name="challenge"),
]
