"""GPS positions on records (points, problems, photos): one definition of the fields and of their checks.

Decimal degrees with six places (about 0.1 m), WGS-84 as phones report them.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def longitude_field(**kwargs) -> models.DecimalField:
    return models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)], **kwargs,
    )  # fmt: skip


def latitude_field(**kwargs) -> models.DecimalField:
    return models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)], **kwargs,
    )  # fmt: skip


def position_constraints(prefix: str) -> list[models.CheckConstraint]:
    """The database's own check of the ranges, named `<prefix>_longitude_range` and `<prefix>_latitude_range`."""
    return [
        models.CheckConstraint(
            condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
            name=f"{prefix}_longitude_range",
        ),
        models.CheckConstraint(
            condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
            name=f"{prefix}_latitude_range",
        ),
    ]
