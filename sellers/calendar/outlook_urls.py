from django.urls import path

from sellers.calendar import views
from sellers.models import CalendarConnection

app_name = "outlook_calendar"
OUTLOOK = {"provider": CalendarConnection.Provider.OUTLOOK}

urlpatterns = [
    path("connect/<uuid:seller_id>/", views.connect, OUTLOOK, name="connect"),
    path("callback/", views.callback, OUTLOOK, name="callback"),
    path("notifications/", views.graph_notifications, name="notifications"),
]
