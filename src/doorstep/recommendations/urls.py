from django.urls import path

from doorstep.recommendations import views

app_name = "recommendations"

urlpatterns = [
    path("saved/", views.saved, name="saved"),
    path("saved/toggle/", views.toggle_favourite, name="toggle"),
    path("saved/<str:favourite_id>/remove/", views.remove_favourite, name="remove"),
    path("orders/<str:order_id>/again/", views.book_again, name="book_again"),
]
