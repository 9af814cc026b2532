"""The request id travels with the tasks a request enqueues.

``django_tasks`` keeps no metadata beside a task's arguments, so the id rides
in the stored ``args_kwargs`` JSON of ``django_tasks_db`` under its own key
(``request_id``, beside ``args`` and ``kwargs``, which are all the worker reads
back): written as the row is created (``pre_save``: no extra query, whatever
code enqueues), read when the worker starts the task (``task_started``, which
hands over the row), and set in the context for the task's log lines and error
reports until ``task_finished``. The immediate backend runs a task inside the
request, whose context already holds the id.

Every task also gets its own ``task_id`` in the context.
"""

from typing import Any

from django.db.models.signals import pre_save
from django_tasks.signals import task_finished, task_started
from django_tasks_db.models import DBTaskResult

from doorstep.observability.context import request_id_var, task_id_var

REQUEST_ID_KEY = "request_id"

# Tokens to restore the context when a task finishes, by task id (a worker runs
# one task at a time; the immediate backend may nest one inside another).
_restore: dict[str, tuple[Any, Any]] = {}


def stamp_request_id(sender: type, instance: DBTaskResult, **kwargs: Any) -> None:
    request_id = request_id_var.get()
    if (
        request_id
        and instance._state.adding
        and isinstance(instance.args_kwargs, dict)
        and REQUEST_ID_KEY not in instance.args_kwargs
    ):
        instance.args_kwargs[REQUEST_ID_KEY] = request_id


def enter_task(sender: type, task_result: Any, **kwargs: Any) -> None:
    stored = getattr(task_result, "db_result", None)
    carried = None
    if stored is not None and isinstance(stored.args_kwargs, dict):
        carried = stored.args_kwargs.get(REQUEST_ID_KEY)
    request_token = request_id_var.set(carried or request_id_var.get())
    task_token = task_id_var.set(str(task_result.id))
    _restore[str(task_result.id)] = (request_token, task_token)


def leave_task(sender: type, task_result: Any, **kwargs: Any) -> None:
    """Runs after ``errors.report_failed_task`` (connected first), which needs
    the task's ids."""
    tokens = _restore.pop(str(task_result.id), None)
    if tokens is None:
        return
    request_token, task_token = tokens
    try:
        request_id_var.reset(request_token)
        task_id_var.reset(task_token)
    except ValueError:  # set in another context (never by the backends we use)
        request_id_var.set(None)
        task_id_var.set(None)


def connect() -> None:
    pre_save.connect(
        stamp_request_id, sender=DBTaskResult, dispatch_uid="observability.stamp"
    )
    task_started.connect(enter_task, dispatch_uid="observability.enter_task")
    # errors.connect() hooks task_finished too; leave_task must run after it.
    from doorstep.observability import errors

    task_finished.connect(
        errors.report_failed_task, dispatch_uid="observability.report_task"
    )
    task_finished.connect(leave_task, dispatch_uid="observability.leave_task")
