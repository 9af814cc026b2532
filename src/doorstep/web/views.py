from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from doorstep.catalog.queries import category_tree


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html", {"categories": category_tree()})


def rate_limited(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "web/rate_limited.html", status=429)
