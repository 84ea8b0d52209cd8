"""``manage.py create_api_token USERNAME``: a new API token, printed once.

Only its digest is stored (django-rest-knox); a lost token cannot be shown again, only
replaced (delete the old one in the admin under "Auth tokens")."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from knox.models import AuthToken


class Command(BaseCommand):
    help = "Create an API token for a user and print it (it is not stored in plaintext)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        try:
            user = get_user_model().objects.get_by_natural_key(username)
        except get_user_model().DoesNotExist as exc:
            raise CommandError(f"No user named {username!r}.") from exc
        _instance, token = AuthToken.objects.create(user=user)
        self.stdout.write(token)
