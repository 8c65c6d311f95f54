"""Create the demo staff account used by the development run command, once."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo-cmo-2026"


class Command(BaseCommand):
    help = "Create (or reset) the demo staff account and print how to log in. Development only."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Allow it with DEBUG off.")

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("Refusing to create a demo account with DEBUG off (use --force).")
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=DEMO_USERNAME,
            defaults={"email": "demo@example.com", "first_name": "Demo", "is_staff": True},
        )
        user.is_staff = True
        user.is_superuser = True
        user.set_password(DEMO_PASSWORD)
        user.save()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo staff account {'created' if created else 'ready'}: "
                f"log in at /admin/ as {DEMO_USERNAME!r} with password {DEMO_PASSWORD!r}."
            )
        )
