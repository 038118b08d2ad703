"""The dashboard's cache generations: every cached panel of a campaign carries the campaign's generation in its key,
so publishing a ranking, a bulletin or a projection forgets them all at once (in every process: the cache is shared,
Redis or files)."""

import uuid

from django.core.cache import cache
from django.db import transaction


def _key(campaign_id: int) -> str:
    return f"dashboard:generation:{campaign_id}"


def dashboard_generation(*, campaign_id: int) -> str:
    generation = cache.get(_key(campaign_id))
    if generation is None:
        cache.add(_key(campaign_id), uuid.uuid4().hex, None)
        generation = cache.get(_key(campaign_id))
    return generation


def dashboard_invalidate(*, campaign_id: int) -> None:
    """Forget the campaign's cached panels once the current transaction commits (what was published is in the
    database by then), and have a worker compute its readers' panels again (`scoring.dashboard.dashboard_warm`)."""
    from scoring.tasks import warm_dashboard

    transaction.on_commit(lambda: cache.set(_key(campaign_id), uuid.uuid4().hex, None))
    warm_dashboard.delay_on_commit(campaign_id)
