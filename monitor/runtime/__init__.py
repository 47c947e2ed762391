"""The daemon at work: one tick of an entry (``pipeline``), the schedule that runs ticks and
the outbox drain (``scheduler``), and what watches them: metrics, logs, the checks made at
start (``preflight``), outages logged once, the garbage collector paused during a tick."""
