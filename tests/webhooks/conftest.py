import pytest
from django.utils import timezone

from bookings.outbox import worker
from bookings.outbox.models import SyncJob
from integrations.circuit import CircuitBreaker
from tests.integrations.fake_webhook_receiver import FakeWebhookReceiver
from webhooks import services
from webhooks.models import EventType, WebhookDelivery

SECRET = "receiver-shared-secret-0123456789"


@pytest.fixture
def allow_private(settings):
    """The local receiver listens on 127.0.0.1: allowed as an internal receiver."""
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    return settings


@pytest.fixture
def receiver():
    with FakeWebhookReceiver(SECRET) as fake:
        yield fake


@pytest.fixture
def subscribe(db, allow_private, receiver):
    """Make a subscription to the local receiver (its circuit closed, before and after)."""
    made = []

    def make(events=EventType.values, url=None, **extra):
        subscription = services.create_subscription(
            url=url or f"{receiver.url}/hooks/meetroute", events=events, secret=SECRET, **extra
        )
        CircuitBreaker(f"webhook:{subscription.pk}").reset()
        made.append(subscription)
        return subscription

    yield make
    for subscription in made:
        CircuitBreaker(f"webhook:{subscription.pk}").reset()


def run(delivery: WebhookDelivery) -> str:
    """Run the delivery's outbox job now (as the worker would when it is due)."""
    SyncJob.objects.filter(pk=delivery.job_id).update(not_before=timezone.now())
    return worker.run_job(job_id=str(delivery.job_id))
