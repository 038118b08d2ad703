# One ranking per period and peer group, and one of the command groups, as two partial unique indexes (which SQLite
# keeps too; NULLS NOT DISTINCT is PostgreSQL's only). SQLite rebuilds the table to change its constraints, which
# drops the ranking's triggers and trips the entries' triggers that name it: both are dropped first and made again.

from django.db import migrations, models

from core.db import frozen_when, frozen_with_parent

MESSAGE = "a published ranking cannot be changed"


def triggers():
    return [
        frozen_when("scoring_ranking", column="status", value="published", message=MESSAGE),
        frozen_with_parent("scoring_rankingentry", parent_table="scoring_ranking", fk_column="ranking_id",
                           column="status", value="published", message=MESSAGE),
    ]  # fmt: skip


def dropped(operation):
    """The operation run backwards: the triggers dropped going forward, made again going back."""
    return migrations.RunPython(operation.reverse_code, operation.code)


class Migration(migrations.Migration):
    dependencies = [
        ("scoring", "0002_inspections_scores_rankings"),
    ]

    operations = [
        *[dropped(operation) for operation in triggers()],
        migrations.RemoveConstraint(model_name="ranking", name="ranking_one_per_period"),
        migrations.AddConstraint(
            model_name="ranking",
            constraint=models.UniqueConstraint(
                condition=models.Q(("peer_group__isnull", False)),
                fields=("campaign", "period", "period_end", "ranked", "peer_group"),
                name="ranking_one_per_period",
            ),
        ),
        migrations.AddConstraint(
            model_name="ranking",
            constraint=models.UniqueConstraint(
                condition=models.Q(("peer_group__isnull", True)),
                fields=("campaign", "period", "period_end", "ranked"),
                name="ranking_one_per_period_of_groups",
            ),
        ),
        *triggers(),
    ]
