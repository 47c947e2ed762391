"""The named policies a replay compares against, as changes to an entry's settings.

Plain data, apart from the settings that read it (``settings.replay_policies``): the CLI
names the presets in its help without loading the settings' models.
"""

from __future__ import annotations

from typing import Any

# Each over the entry's own policy (its min_trade, tolerance, cooldowns, plan mode...).
PRESETS: dict[str, dict[str, Any]] = {
    "5pp": {"threshold": 5, "relative_threshold": None, "drift_rule": "either"},
    "5/25": {"threshold": 5, "relative_threshold": "0.25", "drift_rule": "either"},
    "hybrid": {"relative_threshold": "0.25", "drift_rule": "hybrid", "hybrid_floor": 1},
    "band-edge": {
        "threshold": 5,
        "relative_threshold": "0.25",
        "drift_rule": "either",
        "rebalance_to": "band_edge",
    },
}
