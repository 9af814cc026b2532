"""The project's URLconf plus views that fail or enqueue tasks, for the
observability tests."""

from django.urls import path

from doorstep import urls as project
from doorstep.observability.tests import tasks_for_tests as views

urlpatterns = [
    path("boom/", views.boom, name="boom"),
    path("enqueue/", views.enqueue_and_answer, name="enqueue"),
    path("fail-in-task/", views.fail_in_task, name="fail-in-task"),
    *project.urlpatterns,
]
handler404 = project.handler404
handler500 = project.handler500
