# Each district keeps its own catalogue (issue #15).

import django.db.models.deletion
from django.db import migrations, models


def place_in_the_only_district(apps, schema_editor):
    """The versions so far belong to the district, when there is exactly one; with several
    they stay unplaced (no case may use them) until an admin imports them into one."""
    OrgUnit = apps.get_model("org", "OrgUnit")
    Catalogue = apps.get_model("catalogue", "Catalogue")
    districts = list(OrgUnit.objects.filter(kind="district").values_list("pk", flat=True)[:2])
    if len(districts) == 1:
        Catalogue.objects.filter(district__isnull=True).update(district_id=districts[0])


class Migration(migrations.Migration):

    dependencies = [
        ('catalogue', '0003_item_attributes'),
        ('org', '0007_city_node'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='catalogue',
            options={'ordering': ['district_id', '-version'], 'verbose_name': '事项清单', 'verbose_name_plural': '事项清单'},
        ),
        migrations.RemoveConstraint(
            model_name='catalogue',
            name='catalogue_one_current',
        ),
        migrations.AddField(
            model_name='catalogue',
            name='district',
            field=models.ForeignKey(limit_choices_to={'kind': 'district'}, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='catalogues', to='org.orgunit', verbose_name='区'),
        ),
        migrations.AlterField(
            model_name='catalogue',
            name='version',
            field=models.PositiveIntegerField(verbose_name='版本'),
        ),
        migrations.AddConstraint(
            model_name='catalogue',
            constraint=models.UniqueConstraint(fields=('district', 'version'), name='catalogue_version'),
        ),
        migrations.AddConstraint(
            model_name='catalogue',
            constraint=models.UniqueConstraint(condition=models.Q(('is_current', True)), fields=('district',), name='catalogue_one_current'),
        ),
        migrations.RunPython(place_in_the_only_district, migrations.RunPython.noop),
    ]
