from django.urls import path

from doorstep.transparency import views

app_name = "transparency"

urlpatterns = [
    path("transparency/", views.overview, name="overview"),
    path("transparency/verify/<str:public_id>/", views.verify, name="verify"),
]
