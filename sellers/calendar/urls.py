from django.urls import path

from sellers.calendar import views

app_name = "google_calendar"

urlpatterns = [
    path("connect/<uuid:seller_id>/", views.connect, name="connect"),
    path("callback/", views.callback, name="callback"),
    path("notifications/", views.notifications, name="notifications"),
]
