"""A cheap byte-level check: can this file yield any fact that needs LibCST?

Files that fail it are only syntax-checked and have their imports read, which
is what most files of a real repository need.
"""

from __future__ import annotations

import re

_TRIGGER = re.compile(
    rb"sqlalchemy|sqlmodel|alembic|SQLAlchemy|metadata|create_all|drop_all|\.create\b"
    rb"|Table|Column|Base\b|Model\b|declarative|mapped|relationship|revision"
    rb"|[Ss]ession|query|execute|cursor|text\("
    rb"|(?i:\b(?:create|alter|drop|rename)\s)"
)


def needs_parse(data: bytes) -> bool:
    """True when the bytes may contain anything a rule looks at beyond imports."""
    return _TRIGGER.search(data) is not None
