"""Pagination of the authenticated API's lists."""

from rest_framework.pagination import PageNumberPagination


class NumberedPages(PageNumberPagination):
    """``{"count", "next", "previous", "results"}``; the page number travels as
    ``page_number`` because ``page`` is a filter of the contract (a booking page's id on
    meeting types, waitlist entries and metrics). Clients follow ``next``/``previous``."""

    page_query_param = "page_number"
