"""The trail key: the secret outside the database that the hash chain and its checkpoints
are keyed with (settings.MAMORI_TRAIL_KEY, from MAMORI_TRAIL_KEY or MAMORI_TRAIL_KEY_FILE).

Three keys are derived from it, so that one use can never stand in for another:

- the chain key: an event's hash is HMAC-SHA-256(chain key, previous hash + canonical event);
- the anchor key: a checkpoint's signature is HMAC-SHA-256(anchor key, canonical checkpoint);
- the key id: 16 hex digits stored with every keyed event and checkpoint, naming which key
  was used without revealing it.
"""

import functools
import hashlib
import hmac
from dataclasses import dataclass, field

from django.conf import settings


@dataclass(frozen=True)
class TrailKey:
    id: str
    _chain: "hmac.HMAC" = field(repr=False)
    _anchor: bytes = field(repr=False)

    def chain_hash(self, message: bytes) -> str:
        mac = self._chain.copy()  # the key schedule is computed once, not per event
        mac.update(message)
        return mac.hexdigest()

    def sign(self, message: bytes) -> str:
        return hmac.new(self._anchor, message, hashlib.sha256).hexdigest()

    def signature_matches(self, message: bytes, signature: str) -> bool:
        return hmac.compare_digest(self.sign(message), signature)


def _derive(secret: bytes, purpose: str) -> bytes:
    return hmac.new(secret, f"mamori trail {purpose} v1".encode(), hashlib.sha256).digest()


@functools.lru_cache(maxsize=4)
def key_from_secret(secret: str) -> TrailKey:
    raw = secret.encode("utf-8")
    return TrailKey(
        id=_derive(raw, "key id").hex()[:16],
        _chain=hmac.new(_derive(raw, "chain"), digestmod=hashlib.sha256),
        _anchor=_derive(raw, "anchor"),
    )


def current_key() -> TrailKey:
    return key_from_secret(settings.MAMORI_TRAIL_KEY)
