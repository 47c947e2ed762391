"""``kind = "beancount"``: holdings from a Beancount v3 ledger (``ledger_reading``).

The options alone: every process that loads a config declares every built-in kind, and
beancount takes about 12 MB, so it is imported when a ledger is read, not here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field

from monitor.sources.files import ExportFileOptions

if TYPE_CHECKING:
    from monitor.domain.allocation import Holding


class BeancountSource(ExportFileOptions):
    kind: Literal["beancount"] = "beancount"
    prefix: str = "Assets"  # the accounts whose positions are read
    # How many account-name components below the prefix name an account; 0: one portfolio.
    account_depth: int = Field(0, ge=0)

    def fetch(self) -> list[Holding]:
        from monitor.sources.ledger_reading import ledger_holdings, load_ledger

        source = self.describe()
        path = self.current_file()
        ledger = load_ledger(path, source)
        holdings = ledger_holdings(ledger, self.prefix, self.account_depth, source)
        return self.delivered(holdings, path, None, classified=False)
