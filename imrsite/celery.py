import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imrsite.settings")

app = Celery("imrsite")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def _recycle_db_connections(task=None, **kwargs):
    """Drop a connection that broke or outlived CONN_MAX_AGE (Django's rule for requests).

    The worker keeps its database connections across tasks (CELERY_DB_REUSE_MAX
    in settings); this recycles them the way Django does between web requests.
    """
    if task is not None and getattr(task.request, "is_eager", False):
        return  # in-process (tests, no broker): the caller owns the connection and its transaction
    from django.db import close_old_connections

    close_old_connections()
