"""Writing down what a provider has done outlasts a dropped database connection."""

import pytest
from django.db import OperationalError, transaction

from bookings.outbox.record import after_side_effect
from sellers.models import Seller
from tests.factories import SellerFactory
from tests.integrations.outbox_fixtures import drop_database_connection

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_write_is_tried_again_on_a_new_connection():
    seller = SellerFactory(name="Before")
    drop_database_connection()

    changed = after_side_effect(lambda: Seller.objects.filter(pk=seller.pk).update(name="After"))

    assert changed == 1
    assert Seller.objects.get(pk=seller.pk).name == "After"


def test_inside_a_transaction_it_fails_at_once():
    seller = SellerFactory(name="Before")
    attempts = []

    def write() -> int:
        attempts.append(1)
        return Seller.objects.filter(pk=seller.pk).update(name="After")

    with pytest.raises(OperationalError), transaction.atomic():
        drop_database_connection()
        after_side_effect(write)

    assert attempts == [1]
