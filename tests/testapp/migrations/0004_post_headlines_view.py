from django.db import migrations, models

# A view over a view: the library must find testapp_post and testapp_author under both.
VIEWS = [
    "CREATE VIEW testapp_headline_base AS SELECT id, title, author_id FROM testapp_post",
    "CREATE VIEW testapp_post_headlines AS SELECT b.id AS id, b.title AS title, a.name AS author_name "
    "FROM testapp_headline_base b JOIN testapp_author a ON a.id = b.author_id",
]


class Migration(migrations.Migration):

    dependencies = [
        ("testapp", "0003_announcement"),
    ]

    operations = [
        migrations.RunSQL(VIEWS, reverse_sql=["DROP VIEW testapp_post_headlines", "DROP VIEW testapp_headline_base"]),
        migrations.CreateModel(
            name="PostHeadline",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("title", models.CharField(max_length=200)),
                ("author_name", models.CharField(max_length=100)),
            ],
            options={"db_table": "testapp_post_headlines", "ordering": ["id"], "managed": False},
        ),
    ]
