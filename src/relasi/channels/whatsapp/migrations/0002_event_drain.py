"""Webhook events are drained per account (``inbound.events_drain``): a lease for the claimed
batch (``claimed_until``) and the drain's queue (``wa_event_pending``: unprocessed events by
account, in arrival order). The full index on ``received_at`` goes: nothing reads by it (the
sweep uses the partial ``wa_event_unprocessed``), and every webhook POST paid for it."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("whatsapp", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="webhookevent",
            name="claimed_until",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="webhookevent",
            name="received_at",
            field=models.DateTimeField(auto_now_add=True),
        ),
        migrations.AddIndex(
            model_name="webhookevent",
            index=models.Index(
                condition=models.Q(("processed_at__isnull", True)),
                fields=["account", "id"],
                name="wa_event_pending",
            ),
        ),
    ]
