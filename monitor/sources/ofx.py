"""``kind = "ofx"``: holdings from an OFX or QFX investment statement (``ofx_reading``).

The options alone: every process that loads a config declares every built-in kind, and
ofxtools takes about 15 MB, so it is imported when a statement is read, not here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from monitor.sources.files import ExportFileOptions

if TYPE_CHECKING:
    from monitor.domain.allocation import Holding


class OfxSource(ExportFileOptions):
    kind: Literal["ofx"] = "ofx"

    def fetch(self) -> list[Holding]:
        from monitor.sources.ofx_reading import parse_ofx

        path = self.current_file()
        holdings, as_of = parse_ofx(path, self.describe())
        return self.delivered(holdings, path, as_of, classified=False)
