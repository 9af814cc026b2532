from django.urls import path

from doorstep.backoffice import views

app_name = "backoffice"
urlpatterns = [
    path("ops/", views.home, name="home"),
]
