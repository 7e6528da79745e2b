"""Each district sets its own points rules (积分规则). The rules kept so far were made while
an installation ran one district: they become that district's (the first by path)."""

import django.db.models.deletion
from django.db import migrations, models


def to_the_district(apps, schema_editor):
    PointsRule = apps.get_model("volunteers", "PointsRule")
    OrgUnit = apps.get_model("org", "OrgUnit")
    if not PointsRule.objects.exists():
        return
    district = OrgUnit.objects.filter(kind="district").order_by("path").first()
    if district is None:
        raise RuntimeError("points rules exist but no district to give them to")
    PointsRule.objects.update(district=district)


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0007_city_node"),
        ("volunteers", "0001_service_orders_and_points"),
    ]

    operations = [
        migrations.AddField(
            model_name="pointsrule",
            name="district",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="org.orgunit",
                verbose_name="区",
            ),
        ),
        migrations.RunPython(to_the_district, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="pointsrule",
            name="district",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="org.orgunit",
                verbose_name="区",
            ),
        ),
        migrations.AlterField(
            model_name="pointsrule",
            name="valid_from",
            field=models.DateField(verbose_name="起始日期"),
        ),
        migrations.AddConstraint(
            model_name="pointsrule",
            constraint=models.UniqueConstraint(
                fields=("district", "valid_from"), name="points_rule_one_per_district_and_day"
            ),
        ),
    ]
