"""An entry's key names its district (``entry_key``): two districts may each have their
人民路 1–99 号. Existing keys get their community's district in front."""

from django.db import migrations


def _district(path: str) -> str:
    return path.strip("/").split("/")[0]


def forwards(apps, schema_editor):
    Entry = apps.get_model("gazetteer", "Entry")
    entries = list(Entry.objects.select_related("community").only("key", "community__path"))
    for entry in entries:
        entry.key = f"{_district(entry.community.path)}/{entry.key}"
    Entry.objects.bulk_update(entries, ["key"], batch_size=1000)


def backwards(apps, schema_editor):
    Entry = apps.get_model("gazetteer", "Entry")
    entries = list(Entry.objects.only("key"))
    for entry in entries:
        entry.key = entry.key.split("/", 1)[1]
    Entry.objects.bulk_update(entries, ["key"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("gazetteer", "0001_entries")]

    operations = [migrations.RunPython(forwards, backwards)]
