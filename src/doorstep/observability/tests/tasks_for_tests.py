"""Tasks the observability tests enqueue (tasks must be importable by path)."""

import logging

from django_tasks import task

logger = logging.getLogger("doorstep.observability.tests")


@task()
def log_a_line(text: str) -> str:
    logger.warning("inside the task: %s", text)
    return text


class TaskBroke(Exception):
    pass


@task()
def break_down() -> None:
    raise TaskBroke("the task broke")


def boom(request):
    raise ValueError("the view broke")


def enqueue_and_answer(request):
    from django.http import HttpResponse

    log_a_line.enqueue("from a request")
    return HttpResponse("ok")


def fail_in_task(request):
    from django.http import HttpResponse

    break_down.enqueue()
    return HttpResponse("ok")


# Collected by the generic error hook (``DOORSTEP_ERROR_HOOK``) in the tests.
reported: list[tuple[BaseException, dict]] = []


def collect(error: BaseException, *, context: dict) -> None:
    reported.append((error, context))
