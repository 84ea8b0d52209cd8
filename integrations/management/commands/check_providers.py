"""``manage.py check_providers``: one cheap authenticated read per configured provider."""

from django.core.management.base import BaseCommand, CommandError

from integrations.provider_checks import run_checks


class Command(BaseCommand):
    help = "Check each configured provider with one authenticated read; exit 1 if any fails."

    def handle(self, *args: object, **options: object) -> None:
        results = run_checks()
        if not results:
            self.stdout.write("No provider is configured.")
            return
        for result in results:
            if result.ok:
                self.stdout.write(self.style.SUCCESS(f"OK    {result.provider}: {result.detail}"))
            else:
                self.stdout.write(self.style.ERROR(f"FAIL  {result.provider}: {result.detail}"))
        failed = [r.provider for r in results if not r.ok]
        if failed:
            raise CommandError(f"{len(failed)} provider check(s) failed: {', '.join(failed)}")
