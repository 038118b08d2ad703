import factory

from campaign.choices import CampaignStatus, UnitType
from campaign.models import Campaign, Unit
from campaign.services import unit_create
from core.choices import Role
from core.models import User
from rectification.models import ProblemCategory

PASSWORD = "Test@Pass2026"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    role = Role.LIAISON
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"测试创城{n}")
    slug = factory.Sequence(lambda n: f"test-{n}")
    status = CampaignStatus.PREPARING


class UnitFactory(factory.django.DjangoModelFactory):
    """Units are made through the service, as the app makes them, so their tree paths are right."""

    class Meta:
        model = Unit

    campaign = factory.SubFactory(CampaignFactory)
    parent = None
    code = factory.Sequence(lambda n: f"U{n:04d}")
    name = factory.Sequence(lambda n: f"单位{n}")
    type = UnitType.BUREAU

    @classmethod
    def _create(cls, model_class, *args, campaign, parent=None, **kwargs):
        return unit_create(actor=None, campaign=campaign, parent=parent, **kwargs)


class ProblemCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProblemCategory

    campaign = factory.SubFactory(CampaignFactory)
    parent = None
    code = factory.Sequence(lambda n: f"C{n:04d}")
    name = factory.Sequence(lambda n: f"问题分类{n}")
    level = factory.LazyAttribute(lambda category: category.parent.level + 1 if category.parent else 1)
    deadline = 24
