"""Where the current change comes from: request id and client address.

The trail records these with every event. Web requests set them in
`RequestContextMiddleware`; the `mamori` command sets them once per run.
"""

import contextvars
import getpass
import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class Origin:
    request_id: str
    client_addr: str


_origin: contextvars.ContextVar[Origin | None] = contextvars.ContextVar("origin", default=None)


def current_origin() -> Origin:
    origin = _origin.get()
    if origin is None:
        return Origin(request_id="", client_addr="")
    return origin


def set_origin(request_id: str, client_addr: str) -> contextvars.Token:
    return _origin.set(Origin(request_id=request_id, client_addr=client_addr))


def reset_origin(token: contextvars.Token) -> None:
    _origin.reset(token)


def start_cli_context() -> None:
    try:
        user = getpass.getuser()
    except Exception:  # no user name in some containers
        user = "unknown"
    set_origin(f"cli-{uuid.uuid4().hex[:16]}", f"cli:{user}")
