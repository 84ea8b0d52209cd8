"""The admin app with our site (config/adminsite.py): lockout and optional TOTP sign-in.

Kept apart from the site: INSTALLED_APPS imports this module before models can load."""

from django.contrib.admin.apps import AdminConfig


class MeetrouteAdminConfig(AdminConfig):
    default_site = "config.adminsite.MeetrouteAdminSite"
