"""Who may screen, how often, and what the audit may keep of a record.

Keys are verified with argon2 once per process and then remembered by a SHA-256 of the key
(argon2 is slow on purpose; a desk sends many requests a second). Each key has a token bucket
(`screen.rate_per_s`, `screen.burst`) and a daily quota of records (`screen.daily_quota`).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from data_contracts.schemas import spec as dataset_spec
from pipelines.ingest.headers import canonical_names
from pipelines.runtime.masking import mask_id, mask_name
from pipelines.screen.config import ScreenSettings
from pipelines.screen.store import ApiKey, ScreenStore
from pipelines.settings import Settings


@dataclass
class _Bucket:
    tokens: float
    at: float


class Access:
    """Key verification, rate limits and quotas for one running service."""

    def __init__(self, store: ScreenStore, limits: ScreenSettings) -> None:
        self.store = store
        self.limits = limits
        self._known: dict[str, ApiKey] = {}
        self._buckets: dict[str, _Bucket] = {}
        self._used: dict[tuple[str, date], int] = {}
        self._lock = threading.Lock()

    def known(self, presented: str) -> ApiKey | None:
        """The key's owner if this process has verified it before (no argon2, no store)."""
        return self._known.get(hashlib.sha256(presented.encode()).hexdigest())

    def key(self, presented: str) -> ApiKey | None:
        """The key's owner, or None for an unknown or revoked key."""
        digest = hashlib.sha256(presented.encode()).hexdigest()
        known = self._known.get(digest)
        if known is None:
            known = self.store.verify(presented)
            if known is not None:
                self._known[digest] = known
        return known

    def take_request(self, key: ApiKey) -> bool:
        """One request from `key` within its rate (token bucket)."""
        now = time.monotonic()
        with self._lock:
            b = self._buckets.setdefault(key.key_id, _Bucket(float(self.limits.burst), now))
            b.tokens = min(
                float(self.limits.burst), b.tokens + (now - b.at) * self.limits.rate_per_s
            )
            b.at = now
            if b.tokens < 1:
                return False
            b.tokens -= 1
            return True

    def take_records(self, key: ApiKey, n: int) -> bool:
        """`n` records from `key`'s quota for today (UTC), if that many are left."""
        today = datetime.now(UTC).date()
        with self._lock:
            slot = (key.key_id, today)
            if slot not in self._used:
                self._used[slot] = self.store.screened_on(key.key_id, today)
            if self._used[slot] + n > self.limits.daily_quota:
                return False
            self._used[slot] += n
            return True


def personal_fields(settings: Settings, agency: str) -> frozenset[str]:
    """Fields of `agency` holding a person's name or a document number."""
    return _fields(agency, _role_names(settings, agency))[0]


def _role_names(settings: Settings, agency: str) -> tuple[str, ...]:
    return tuple(r.name for r in settings.agencies[agency].roles)  # type: ignore[index]


# Every audited record asks these of the same few specs and header sets; built once each (the
# header folding was most of an audit row's cost).
@lru_cache(maxsize=64)
def _fields(
    agency: str, role_names: tuple[str, ...]
) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(personal fields, document number fields, all fields) of `agency`'s dataset."""
    spec = dataset_spec(agency)
    ids = {f.name for f in spec.fields if f.kind == "id"}
    names = set(role_names)
    names |= {f.name for f in spec.fields if f.name.endswith("_name") and "id" not in f.name}
    names -= {"hotel_name", "school_name"}  # places, not persons
    return frozenset(ids | names), frozenset(ids), frozenset(f.name for f in spec.fields)


@lru_cache(maxsize=256)
def _canonical(agency: str, headers: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(canonical_names(list(headers), dataset_spec(agency)))


def masked_record(settings: Settings, agency: str, record: Any) -> str | None:
    """The record as JSON with names and numbers masked (what the audit may keep)."""
    if not isinstance(record, dict):
        return None
    personal, ids, fields = _fields(agency, _role_names(settings, agency))
    out: dict[str, Any] = {}
    names = _canonical(agency, tuple(str(k) for k in record))
    for name, value in zip(names, record.values(), strict=True):
        if name in personal and value is not None:
            text = str(value)
            out[name] = mask_id(text) if name in ids else mask_name(text)
        elif name in fields:
            out[name] = value if isinstance(value, str | int | float | bool) else None
    return json.dumps(out, ensure_ascii=False)
