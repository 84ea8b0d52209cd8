from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from celery.signals import worker_init

        from integrations import checks  # noqa: F401  registers the provider checks

        worker_init.connect(refuse_half_configured_providers, weak=False)


def refuse_half_configured_providers(**kwargs: object) -> None:
    """A Celery worker runs Django's checks without acting on them: stop on ours."""
    from django.core.checks import ERROR, run_checks
    from django.core.exceptions import ImproperlyConfigured

    from integrations.checks import TAG

    errors = [m for m in run_checks(tags=[TAG]) if m.level >= ERROR]
    if errors:
        raise ImproperlyConfigured("\n".join(f"{m.id}: {m.msg} {m.hint or ''}" for m in errors))
