"""What a running screening service holds: the desk, the key store, the limits, the poller."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.screen.access import Access
from pipelines.screen.desk import Desk
from pipelines.screen.store import ScreenStore

log = logging.getLogger("credsweep.screen")


@dataclass
class ScreenService:
    """The desk and its governance; `poll` keeps the index on the warehouse's list version."""

    desk: Desk
    store: ScreenStore
    access: Access
    poll_s: float
    ready: threading.Event = field(default_factory=threading.Event)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        """Build the first index now, then poll in a background thread."""
        self.desk.refresh()
        self.desk.deliveries.start()  # what a killed process journalled goes in before serving
        self.ready.set()
        self._thread = threading.Thread(target=self._poll, name="screen-poll", daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        while not self._stop.wait(self.poll_s):
            try:
                if self.desk.refresh():
                    index = self.desk.index
                    if index is not None:
                        log.warning(
                            "list version %s indexed in %.1f s", index.version, index.build_s
                        )
            except Exception as exc:  # a busy warehouse: keep serving the current index
                log.warning("screen reload skipped: %s", type(exc).__name__)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.desk.deliveries.stop()
        self.store.close()


def store_path(home: Path, name: str) -> Path:
    p = Path(name)
    return p if p.is_absolute() else home / p
