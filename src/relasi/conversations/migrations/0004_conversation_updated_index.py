"""The index the real-time database watch reads: a workspace's conversations changed lately."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("conversations", "0003_csat")]

    operations = [
        migrations.AddIndex(
            model_name="conversation",
            index=models.Index(fields=["workspace", "updated_at"], name="conv_updated"),
        ),
    ]
