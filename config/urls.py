from django.contrib import admin
from django.urls import include, path

from scheduling.views import HomeView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("schedule/", include("bookings.urls")),
    path("", HomeView.as_view(), name="home"),
]
