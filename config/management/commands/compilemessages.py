"""`manage.py compilemessages`: Django's command, without GNU gettext.

Django's own runs ``msgfmt``, which a fresh machine or a slim image may not have; this one
compiles every ``locale/*/LC_MESSAGES/*.po`` under ``LOCALE_PATHS`` and the apps with
Babel (pure Python, a dependency), so ``make run``, ``make test`` and the Docker build
need nothing from the system. It overrides Django's command of the same name (an
installed app's command wins over Django's), so the documented workflow is unchanged.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from config.translations import compile_catalogs


class Command(BaseCommand):
    help = "Compile the .po translation files into .mo files (with Babel, no gettext)."

    def handle(self, *args: Any, **options: Any) -> None:
        for path in compile_catalogs():
            if options["verbosity"] > 1:
                self.stdout.write(f"compiled {Path(path)}")
