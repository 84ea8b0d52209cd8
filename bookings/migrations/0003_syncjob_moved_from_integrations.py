"""The outbox (SyncJob) moves from the integrations app to bookings, which owns it.

State only: the table keeps its name (``integrations_syncjob``), so an existing database
keeps every row. The content type moves with it, so staff permissions on sync jobs (and
the admin log) stay attached. integrations.0003 drops the model from integrations' state.
"""

import uuid

import django.db.models.deletion
from django.db import migrations, models


def move_content_type(apps, schema_editor, old="integrations", new="bookings"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if ContentType.objects.filter(app_label=new, model="syncjob").exists():
        return
    ContentType.objects.filter(app_label=old, model="syncjob").update(app_label=new)


def move_content_type_back(apps, schema_editor):
    move_content_type(apps, schema_editor, old="bookings", new="integrations")


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0002_no_overlap_exclusion"),
        ("integrations", "0002_sweep_sync_jobs_schedule"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='SyncJob',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('target', models.CharField(choices=[('calendar', 'Calendar'), ('video', 'Video'), ('pipedrive', 'Pipedrive'), ('hubspot', 'HubSpot'), ('email', 'Email'), ('sms', 'SMS')], max_length=20)),
                        ('action', models.CharField(choices=[('create', 'Create'), ('update', 'Update'), ('cancel', 'Cancel')], max_length=20)),
                        ('status', models.CharField(choices=[('pending', 'Pending'), ('running', 'Running'), ('done', 'Done'), ('failed', 'Failed (needs manual sync)')], default='pending', max_length=20)),
                        ('attempts', models.PositiveIntegerField(default=0)),
                        ('max_attempts', models.PositiveIntegerField(default=8)),
                        ('not_before', models.DateTimeField()),
                        ('locked_until', models.DateTimeField(blank=True, null=True)),
                        ('last_error', models.TextField(blank=True)),
                        ('payload', models.JSONField(blank=True, default=dict)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('booking', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='sync_jobs', to='bookings.booking')),
                    ],
                    options={
                        'db_table': 'integrations_syncjob',
                        'ordering': ['not_before'],
                        'indexes': [models.Index(fields=['status', 'not_before'], name='sync_job_due_idx')],
                        'constraints': [models.UniqueConstraint(condition=models.Q(('status', 'pending')), fields=('booking', 'target', 'action'), name='sync_job_one_pending')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
