from django.urls import path

from doorstep.dispatch import board_views as views

app_name = "dispatch_board"
urlpatterns = [
    path("ops/dispatch/", views.board_page, name="board"),
    path("ops/dispatch/live/", views.board_live, name="live"),
    path("ops/dispatch/<str:order_id>/", views.job_page, name="job"),
    path("ops/dispatch/<str:order_id>/assign/", views.assign, name="assign"),
    path("ops/dispatch/<str:order_id>/unassign/", views.unassign, name="unassign"),
    path("ops/settings/dispatch-promises/", views.promises, name="promises"),
    path(
        "ops/settings/dispatch-promises/<int:policy_id>/delete/",
        views.delete_promise,
        name="delete_promise",
    ),
]
