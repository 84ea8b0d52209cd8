"""Compiling the translations (``.po`` → ``.mo``) in pure Python, with Babel.

Used by ``manage.py compilemessages`` (the build) and by the test run (``tests/conftest.py``),
so a checkout with stale or missing ``.mo`` files never serves English by surprise.
"""

import os
from collections.abc import Iterator
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.apps import apps
from django.conf import settings


def locale_dirs() -> list[Path]:
    """``LOCALE_PATHS`` and our own apps' ``locale/``; never an installed package's (they
    ship compiled, and the virtualenv may be shared)."""
    base = Path(settings.BASE_DIR).resolve()
    dirs = [Path(path) for path in settings.LOCALE_PATHS]
    dirs += [Path(app.path) / "locale" for app in apps.get_app_configs()]
    ours = [path.resolve() for path in dirs if path.is_dir()]
    return sorted({p for p in ours if p.is_relative_to(base) and ".venv" not in p.parts})


def po_files() -> Iterator[Path]:
    for directory in locale_dirs():
        yield from sorted(directory.glob("*/LC_MESSAGES/*.po"))


def compile_catalogs(*, only_stale: bool = False) -> list[Path]:
    """Write the ``.mo`` next to each ``.po`` (all, or those older than their ``.po``);
    returns the ``.po`` files compiled. Fuzzy entries are left out, as msgfmt does."""
    compiled = []
    for po in po_files():
        mo = po.with_suffix(".mo")
        if only_stale and mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalog = read_po(source, locale=po.parent.parent.name)
        # Write aside, then swap: parallel test workers may read the .mo meanwhile.
        partial = mo.with_name(f"{mo.name}.{os.getpid()}.tmp")
        with partial.open("wb") as target:
            write_mo(target, catalog, use_fuzzy=False)
        os.replace(partial, mo)
        compiled.append(po)
    return compiled
