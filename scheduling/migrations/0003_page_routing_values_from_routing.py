# The routing strategies are routing's now (routing registers them in scheduling.hooks): the
# page field keeps its values and column; only its choices and default become callables.

import scheduling.hooks
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('scheduling', '0002_reserved_page_slugs'),
    ]

    operations = [
        migrations.AlterField(
            model_name='schedulingpage',
            name='routing',
            field=models.CharField(choices=scheduling.hooks.strategy_choices, default=scheduling.hooks.default_strategy, max_length=20),
        ),
    ]
