"""The dispatch room: the outbox, workers, retries, dependency order and SLA timers."""
