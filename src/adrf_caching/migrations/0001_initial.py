from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    operations = [
        migrations.CreateModel(
            name="OwedBump",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("key", models.TextField()),
                ("created", models.DateTimeField(auto_now_add=True)),
            ],
            options={"db_table": "adrf_caching_owedbump"},
        ),
    ]
