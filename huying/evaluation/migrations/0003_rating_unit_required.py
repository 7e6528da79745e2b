"""The rated unit is always named; one rating per case and unit. (Apart from 0002's data
step: PostgreSQL will not alter a table with the rows' checks still pending.)"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('evaluation', '0002_rating_unit_field_units_rated'),
    ]

    operations = [
        migrations.AlterField(
            model_name='rating',
            name='unit',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.orgunit', verbose_name='被评议单位'),
        ),
        migrations.AddIndex(
            model_name='rating',
            index=models.Index(fields=['unit', 'verified_at'], name='rating_unit_month'),
        ),
        migrations.AddConstraint(
            model_name='rating',
            constraint=models.UniqueConstraint(fields=('case', 'unit'), name='rating_one_per_unit'),
        ),
    ]
