"""A seller deleted after the pool was read (memoised members, a concurrent delete) is
busy at the lock: the claim moves on to the next candidate instead of failing."""

import pytest
from django.db import transaction

from bookings.services import common
from sellers.models import Seller
from tests.factories import SellerFactory


@pytest.mark.django_db
def test_locking_a_seller_whose_row_is_gone_finds_them_busy():
    gone = SellerFactory()
    Seller.objects.filter(pk=gone.pk).delete()

    with transaction.atomic(), pytest.raises(common._Busy):
        common._lock_seller(gone, team_id=None)
