"""Public pages of the scheduling app."""

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.views.generic import ListView

from scheduling.models import SchedulingPage


class HomeView(ListView):
    """The front door: every active booking page, team pages first, with the back-office links."""

    template_name = "home.html"
    context_object_name = "pages"

    def get_queryset(self) -> QuerySet[SchedulingPage]:
        personal = ExpressionWrapper(Q(seller__isnull=False), output_field=BooleanField())
        return (
            SchedulingPage.objects.filter(is_active=True)
            .select_related("seller", "team")
            .annotate(personal=personal)
            .order_by("personal", "name")
        )
