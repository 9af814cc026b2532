from django.urls import path

from doorstep.scheduling import views

app_name = "scheduling"
urlpatterns = [
    path("dashboard/availability/", views.availability, name="availability"),
    path(
        "dashboard/availability/exceptions/",
        views.add_exception,
        name="add_exception",
    ),
    path(
        "dashboard/availability/exceptions/<str:exception_id>/remove/",
        views.remove_exception,
        name="remove_exception",
    ),
    path(
        "dashboard/availability/calendar/",
        views.calendar_feed,
        name="calendar_feed",
    ),
    path("calendar/<str:token>.ics", views.ical_feed, name="ical_feed"),
]
