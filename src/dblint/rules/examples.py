"""How rule examples are written, the Fixit way: sources as dedented triple-quoted strings,
a `# error: DBLxxx` marker on each line a finding is expected at (the tests read it, the docs
show the line without it), and the preamble examples share, written once here: the models
module with its declarative `Base` (in either style), alembic.ini, env.py and revision files.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping
from types import MappingProxyType

# The marker that tests/fixtures/ projects use too: `  # error: DBL201` or `# error: DBL201, DBL202`.
_MARKER = re.compile(r"[ \t]*#\s*error:\s*DBL\d+(?:\s*,\s*DBL\d+)*[ \t]*$", re.M)


def source(text: str) -> str:
    """A source written as an indented triple-quoted string, as the file holds it: without the
    common indentation and without the line break that follows the opening quotes."""
    dedented = textwrap.dedent(text)
    return dedented[1:] if dedented.startswith("\n") else dedented


def files(sources: Mapping[str, str]) -> Mapping[str, str]:
    """A project example (project-relative path to source), read-only like every rule attribute."""
    return MappingProxyType(dict(sources))


def unmarked(text: str) -> str:
    """The source without its `# error:` markers: what the documentation shows."""
    return _MARKER.sub("", text)


def flagged(text: str, fragment: str, *codes: str) -> str:
    """`text` with an `# error:` marker for `codes` on the one line that starts with `fragment`
    (after its indentation): for a line that comes from text shared with other examples."""
    lines = text.split("\n")
    (number,) = [i for i, line in enumerate(lines) if line.lstrip().startswith(fragment)]
    lines[number] += f"  # error: {', '.join(codes)}"
    return "\n".join(lines)


def _lines(text: str) -> str:
    return text if text.endswith("\n") else text + "\n"


def declarative_models(imports: str, body: str) -> str:
    """A models module in SQLAlchemy 2.0 style: `imports`, then `from sqlalchemy.orm import
    DeclarativeBase, Mapped, mapped_column`, the `DeclarativeBase` subclass `Base`, and `body`."""
    return (
        f"{_lines(imports)}from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n\n\n"
        f"class Base(DeclarativeBase):\n    pass\n\n\n{body}"
    )


def legacy_models(imports: str, body: str, *, bases: tuple[str, ...] = ("Base",)) -> str:
    """A models module in `declarative_base()` style: `imports`, then `from sqlalchemy.orm import
    declarative_base`, one `declarative_base()` for each of `bases`, and `body`."""
    declared = "".join(f"{name} = declarative_base()\n" for name in bases)
    return f"{_lines(imports)}from sqlalchemy.orm import declarative_base\n\n{declared}\n\n{body}"


# The configuration that makes `migrations/` a script location.
ALEMBIC_INI = "[alembic]\nscript_location = migrations\n"
# An env.py that has autogenerate compare against `app.models.Base`.
TRACKING_ENV = source("""
    from alembic import context

    from app.models import Base

    target_metadata = Base.metadata
    context.configure(target_metadata=target_metadata)
""")
_REVISION = source("""
    from alembic import op
    import sqlalchemy as sa

    revision = "{rev}"
    down_revision = {down}


    def upgrade():
    {body}
""")


def migration_file(rev: str, down: str, upgrade: str, *, downgrade: bool = False) -> str:
    """A revision file: its id, its `down_revision` as written (`None`, `"1a"`), the body of
    `upgrade()` (unindented) and, when `downgrade`, an empty `downgrade()`."""
    body = textwrap.indent(upgrade.rstrip("\n"), "    ")
    text = _REVISION.format(rev=rev, down=down, body=body)
    return text + "\n\ndef downgrade():\n    pass\n" if downgrade else text
