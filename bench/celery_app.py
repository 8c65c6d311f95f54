"""The host's Celery app plus a task that does nothing, the baseline the benchmarks compare
real tasks against. Only benchmark workers load it (``celery -A bench.celery_app worker``):
the production app registers no such task."""

from config.celery_app import app


@app.task(name="bench.noop")
def noop(*args, **kwargs):
    return None


__all__ = ["app", "noop"]
