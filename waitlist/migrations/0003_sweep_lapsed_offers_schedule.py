"""Schedule the sweep of lapsed offers every minute in django-celery-beat's database
scheduler: a hold nobody answered goes to the next person in line."""

from django.db import migrations

from config.beat import every_minute


class Migration(migrations.Migration):
    dependencies = [
        ("waitlist", "0002_entry_tokens_holds_rules_keys_calls"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        every_minute(
            name="waitlist: hand lapsed offers to the next entry",
            task="waitlist.sweep_lapsed_offers",
            description="See waitlist.services.offers.sweep_lapsed_offers.",
        )
    ]
