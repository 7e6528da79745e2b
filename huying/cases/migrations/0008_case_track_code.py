"""Each case gets a 查询码 (track code) for the public progress lookup; existing cases too,
each its own (a callable default in AddField would give every row the same one)."""

import secrets

from django.db import migrations, models

import huying.cases.models

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def give_codes(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    batch = []
    for case in Case.objects.filter(track_code="").only("pk").iterator(chunk_size=2000):
        case.track_code = "".join(secrets.choice(ALPHABET) for _ in range(6))
        batch.append(case)
        if len(batch) >= 2000:
            Case.objects.bulk_update(batch, ["track_code"])
            batch = []
    if batch:
        Case.objects.bulk_update(batch, ["track_code"])


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0007_case_split_state"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="track_code",
            field=models.CharField(default="", editable=False, max_length=6, verbose_name="查询码"),
            preserve_default=False,
        ),
        migrations.RunPython(give_codes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="case",
            name="track_code",
            field=models.CharField(
                default=huying.cases.models.new_track_code,
                editable=False,
                max_length=6,
                verbose_name="查询码",
            ),
        ),
    ]
