from django.urls import path

from doorstep.search import views as search_views
from doorstep.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    # The search page lives in the search app (search:search, the same path);
    # this name keeps {% url "web:search" %} links working.
    path("search/", search_views.search, name="search"),
]
