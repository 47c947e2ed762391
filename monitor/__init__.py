"""allocation-monitor: watches portfolios' allocations and says when to rebalance."""
