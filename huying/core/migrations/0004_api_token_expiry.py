"""Bearer tokens expire: each existing token gets the configured lifetime from its creation."""

from datetime import timedelta

from django.conf import settings
from django.db import migrations, models


def give_expiry(apps, schema_editor):
    ApiToken = apps.get_model("core", "ApiToken")
    days = timedelta(days=getattr(settings, "HUYING_API_TOKEN_DAYS", 90))
    for token in ApiToken.objects.filter(expires_at__isnull=True).only("pk", "created_at"):
        ApiToken.objects.filter(pk=token.pk).update(expires_at=token.created_at + days)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_calendar_year"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(null=True, verbose_name="过期时间"),
        ),
        migrations.RunPython(give_expiry, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(verbose_name="过期时间"),
        ),
        migrations.AlterField(
            model_name="apitoken",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="创建时间"),
        ),
        migrations.AlterField(
            model_name="apitoken",
            name="last_used_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="最近使用"),
        ),
        migrations.AlterField(
            model_name="apitoken",
            name="revoked_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="作废时间"),
        ),
    ]
