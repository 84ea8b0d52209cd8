"""The one-way layers hold at run time: the outbox's move kept its rows, task names and
beat schedule, and the hooks the lower layers offer are filled by the apps above."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from scheduling import hooks as scheduling_hooks

BEFORE = [
    ("bookings", "0002_no_overlap_exclusion"),
    ("integrations", "0002_sweep_sync_jobs_schedule"),
]


@pytest.mark.django_db(transaction=True)
def test_sync_job_move_keeps_rows_and_permissions() -> None:
    from django.contrib.contenttypes.models import ContentType

    from bookings.models import SyncJob
    from tests.factories import BookingFactory

    booking = BookingFactory()  # made with today's columns; its row outlives the way back
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    # A database from before the move: the job is the integrations app's, and so is its
    # content type (which staff permissions hang on).
    old = executor.loader.project_state(BEFORE).apps
    job = old.get_model("integrations", "SyncJob").objects.create(
        booking_id=booking.pk, target="email", action="create", not_before=booking.start
    )
    ContentType.objects.filter(model="syncjob").delete()
    ContentType.objects.create(app_label="integrations", model="syncjob")
    ContentType.objects.clear_cache()

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert SyncJob.objects.get().pk == job.pk
    assert list(ContentType.objects.filter(model="syncjob").values_list("app_label")) == [
        ("bookings",)
    ]


def test_outbox_and_calendar_tasks_keep_their_names() -> None:
    from bookings.outbox import tasks
    from config.celery import app

    assert tasks.run_sync_job.name == "integrations.run_sync_job"
    assert tasks.sweep_sync_jobs.name == "integrations.sweep_sync_jobs"
    app.loader.import_default_modules()
    assert "integrations.calendar.refresh_busy" in app.tasks
    assert "integrations.calendar.renew_channels" in app.tasks


@pytest.mark.django_db
def test_beat_schedule_points_at_a_registered_task() -> None:
    from django_celery_beat.models import PeriodicTask

    from config.celery import app

    app.loader.import_default_modules()
    beat = PeriodicTask.objects.get(name="integrations: sweep due sync jobs")
    assert beat.task in app.tasks


def test_routing_declares_the_page_strategies_to_scheduling() -> None:
    from routing.models import RoutingStrategy
    from scheduling.models import SchedulingPage

    field = SchedulingPage._meta.get_field("routing")
    assert list(field.choices) == list(RoutingStrategy.choices)
    assert SchedulingPage().routing == RoutingStrategy.ROUND_ROBIN
    assert scheduling_hooks.narrows_by_country(RoutingStrategy.BY_COUNTRY)
    assert not scheduling_hooks.narrows_by_country(RoutingStrategy.WEIGHTED)


def test_bookings_fills_the_hooks_of_the_layers_below() -> None:
    from bookings import selectors
    from routing import hooks as routing_hooks
    from sellers import hooks as sellers_hooks

    source = scheduling_hooks.booked_time()
    assert source is not None and source.rows is selectors.booked_time_rows
    assert routing_hooks._load_counter == [selectors.load_count]
    assert selectors.booked_ranges in sellers_hooks._booked_ranges


def test_admins_are_extended_only_through_their_owners_hooks(rf) -> None:
    from django.contrib import admin

    from bookings.models import Booking
    from bookings.outbox.admin import SyncJobInline
    from routing.admin import RoutingRuleInline
    from scheduling.admin import AvailabilityOverrideInline, AvailabilityRuleInline
    from scheduling.models import SchedulingPage
    from sellers.admin import CalendarConnectionInline
    from sellers.models import Seller

    request = rf.get("/")
    seller_admin = admin.site._registry[Seller]
    page_admin = admin.site._registry[SchedulingPage]
    assert seller_admin.inlines == [CalendarConnectionInline]  # never patched
    assert seller_admin.get_inlines(request, None) == [
        AvailabilityRuleInline,
        AvailabilityOverrideInline,
        CalendarConnectionInline,
    ]
    assert page_admin.get_inlines(request, None)[-1] is RoutingRuleInline
    assert RoutingRuleInline not in page_admin.inlines
    assert SyncJobInline in admin.site._registry[Booking].get_inlines(request, None)
