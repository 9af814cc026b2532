from django.urls import path

from doorstep.notifications import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/bell/", views.bell, name="bell"),
    path("notifications/read-all/", views.mark_all_read, name="read_all"),
    path("notifications/preferences/", views.preferences, name="preferences"),
    path(
        "notifications/<str:notification_id>/",
        views.open_notification,
        name="open",
    ),
    path(
        "notifications/<str:notification_id>/read/",
        views.mark_read,
        name="read",
    ),
]
