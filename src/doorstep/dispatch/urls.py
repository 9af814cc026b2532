from django.urls import path

from doorstep.dispatch import views

app_name = "dispatch"
urlpatterns = [
    # What the platform sells, and buying it (the customer's side).
    path("services/", views.catalogue, name="catalogue"),
    path("services/<str:service_id>/book/", views.book, name="book"),
]
