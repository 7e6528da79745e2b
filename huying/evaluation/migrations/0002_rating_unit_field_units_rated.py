"""Streets rate a field unit on its own: a rating names the rated unit beside the department
its score rolls up to. Ratings given before were all of departments."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def rated_units_were_departments(apps, schema_editor):
    Rating = apps.get_model("evaluation", "Rating")
    Rating.objects.update(unit=models.F("department"))


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0010_case_systemic'),
        ('evaluation', '0001_initial'),
        ('org', '0004_grid_ladder_roles'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='rating',
            name='rating_one_per_department',
        ),
        migrations.AddField(
            model_name='rating',
            name='unit',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.orgunit', verbose_name='被评议单位'),
        ),
        migrations.RunPython(rated_units_were_departments, migrations.RunPython.noop),
    ]
