"""Sending a task from a web request: Celery's own message, one Redis command.

``app.send_task`` spends about half a millisecond of CPU a call on kombu's generic
publishing path (a new Redis client object for every message, configuration look-ups,
the exchange declaration check): as much as the whole durable part of a public post
(bench/profile_intake.py shows it). When the broker is Redis and the task goes to a
plain queue, :func:`send_task` builds the message with Celery's ``app.amqp.as_task_v2``
(task protocol 2: the very headers, body and properties ``send_task`` sends) and
pushes it with one LPUSH, on a client kept for the process, in the envelope kombu's
Redis transport reads (``kombu.transport.redis.Channel._put``). A worker cannot tell
the difference: tests/integration/test_publish.py compares the two messages and has a
real worker run one.

Anything else (another broker, TLS, a prioritized queue, a key prefix, receivers of
Celery's ``before_task_publish``/``after_task_publish`` signals) goes through
``app.send_task``. The message names no parent task (the sweep's sends included).
Like ``send_task(retry=False)``, it makes one attempt and raises when the broker cannot
be reached, within the broker's socket timeouts.
"""

from __future__ import annotations

import base64
import uuid
import weakref
from typing import Any

import redis
from celery import Celery
from celery.signals import after_task_publish, before_task_publish
from kombu.utils.json import dumps

#: (app, task name) -> (the Redis list, a client) or None: read once per process, as
#: Celery's configuration look-ups are themselves a good part of the cost.
_targets: weakref.WeakKeyDictionary[Celery, dict[str, tuple[str, redis.Redis] | None]] = (
    weakref.WeakKeyDictionary()
)


def send_task(app: Celery, name: str, *, args: list[Any]) -> None:
    """Publish task ``name`` with ``args``, as ``app.send_task(name, args, retry=False)``."""
    app = getattr(app, "_get_current_object", lambda: app)()  # celery.current_app is a proxy
    targets = _targets.setdefault(app, {})
    if name not in targets:
        queue = _plain_redis_queue(app, name)
        targets[name] = None if queue is None else (queue, _client(app))
    target = targets[name]
    if target is None:
        app.send_task(name, args=args, retry=False)
        return
    queue, client = target
    task_id = str(uuid.uuid4())
    headers, properties, body, _sent_event = app.amqp.as_task_v2(
        # As send_task passes them: no result wanted unless the task says so.
        task_id,
        name,
        args=args,
        kwargs={},
        reply_to=app.thread_oid,
        ignore_result=None,
    )
    message = {
        "body": base64.b64encode(dumps(body).encode()).decode(),
        "content-encoding": "utf-8",
        "content-type": "application/json",
        "headers": headers,
        "properties": {
            **properties,
            "delivery_mode": 2,
            "delivery_info": {"exchange": "", "routing_key": queue},
            "priority": 0,
            "body_encoding": "base64",
            "delivery_tag": str(uuid.uuid4()),
        },
    }
    client.lpush(queue, dumps(message))


def _plain_redis_queue(app: Celery, name: str) -> str | None:
    """The Redis list a task named ``name`` goes to, when publishing it is one LPUSH there."""
    conf = app.conf
    if not str(conf.broker_url or "").startswith(("redis://", "unix://")):
        return None  # rediss:// needs broker_use_ssl's options: left to kombu
    if before_task_publish.receivers or after_task_publish.receivers:
        return None  # someone (tracing, say) expects Celery's publishing signals
    if conf.task_serializer != "json" or conf.task_protocol != 2:
        return None
    if conf.broker_transport_options.get("global_keyprefix") or conf.task_default_priority:
        return None
    route = app.amqp.router.route({}, name, (), {})
    queue = route.get("queue")
    if queue is None or queue.exchange is None or queue.exchange.type != "direct":
        return None
    if route.get("exchange") or route.get("routing_key") not in (None, queue.name):
        return None
    if queue.max_priority or queue.queue_arguments:
        return None
    return queue.name


def _client(app: Celery) -> redis.Redis:
    """A client for the broker, with the broker's socket timeouts (redis-py opens a new
    connection pool in a forked child by itself)."""
    options = app.conf.broker_transport_options or {}
    timeouts = {
        name: options[name]
        for name in ("socket_timeout", "socket_connect_timeout")
        if options.get(name) is not None
    }
    return redis.Redis.from_url(app.conf.broker_url, **timeouts)
