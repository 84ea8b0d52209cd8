"""Waitlist lists take a ``page`` filter (a scheduling page's id, per the HTTP contract), so
their page number travels as ``p`` instead of DRF's default ``page``."""

from rest_framework.pagination import PageNumberPagination


class WaitlistPagination(PageNumberPagination):
    page_query_param = "p"
