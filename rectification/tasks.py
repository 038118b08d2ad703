from celery import shared_task


@shared_task(name="rectification.overdue_sweep", ignore_result=True)
def overdue_sweep():
    """Scheduled: mark overdue problems, notify their units and escalate to leaders, each step once. A run that
    stops at its limit queues the next one at once, until the backlog is worked off."""
    from rectification.sweeps import overdue_sweep as sweep

    if sweep().more:
        overdue_sweep.delay()
