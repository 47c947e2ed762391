"""The pure domain: holdings, targets, bands, reports, allocation, alerting, attribution,
history and plans.

No I/O, no clock (a caller passes ``now``), no database, no web: the adapters around it
(sources, store, notify, api, cli) call in, and nothing here calls out. It imports no other
part of ``monitor`` but ``monitor.errors``, the one exception module.
"""
