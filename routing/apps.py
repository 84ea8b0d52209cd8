from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "routing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from routing import signals  # noqa: F401  (connects the receivers)
        from routing.models import RoutingStrategy
        from scheduling import hooks

        # Pages store a plain value; routing owns what it may be (scheduling.hooks).
        hooks.register_strategies(
            RoutingStrategy.choices,
            default=RoutingStrategy.ROUND_ROBIN,
            by_country=[RoutingStrategy.BY_COUNTRY],
        )
