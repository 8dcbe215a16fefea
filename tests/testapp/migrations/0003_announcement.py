from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("testapp", "0002_issue9"),
    ]

    operations = [
        migrations.CreateModel(
            name="Announcement",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("text", models.CharField(max_length=200)),
                ("publish_at", models.DateTimeField()),
            ],
            options={"ordering": ["id"]},
        ),
    ]
