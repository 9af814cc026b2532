"""A URLconf for the observability tests: views that fail or enqueue tasks."""

from django.urls import path

from doorstep.observability.tests import tasks_for_tests as views

urlpatterns = [
    path("boom/", views.boom, name="boom"),
    path("enqueue/", views.enqueue_and_answer, name="enqueue"),
    path("fail-in-task/", views.fail_in_task, name="fail-in-task"),
]
