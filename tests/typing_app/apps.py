from django.apps import AppConfig


class TypingAppConfig(AppConfig):
    name = "tests.typing_app"
    label = "typing_app"
    default_auto_field = "django.db.models.BigAutoField"
