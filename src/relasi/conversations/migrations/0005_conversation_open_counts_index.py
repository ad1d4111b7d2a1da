"""The index the inbox sidebar's counts read: open conversations by workspace and assignee
(``selectors.conversation_counts`` answers from it alone, an index-only scan)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("conversations", "0004_conversation_updated_index")]

    operations = [
        migrations.AddIndex(
            model_name="conversation",
            index=models.Index(
                condition=models.Q(("status", "open")),
                fields=["workspace", "assignee"],
                name="conv_open_counts",
            ),
        ),
    ]
