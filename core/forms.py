from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from core.images import image_clean


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotoField(forms.FileField):
    """One or more photos from a phone's camera or gallery, each checked and re-encoded by `core.images`; cleans
    to a list of `CleanImage` (empty when none were chosen and the field is optional)."""

    widget = MultiplePhotoInput(attrs={"accept": "image/jpeg,image/png,image/webp", "capture": "environment"})
    default_error_messages = {"too_many": _("Send at most %(max)d photos at a time.")}

    def __init__(self, *args, max_count: int = 9, **kwargs):
        self.max_count = max_count
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [upload for upload in (data if isinstance(data, list | tuple) else [data]) if upload]
        if self.required and not files:
            raise ValidationError(self.error_messages["required"], code="required")
        if len(files) > self.max_count:
            raise ValidationError(self.error_messages["too_many"], code="too_many", params={"max": self.max_count})
        cleaned = []
        for upload in files:
            try:
                cleaned.append(image_clean(upload))
            except DomainError as exc:
                raise ValidationError(f"{upload.name}: {exc.message}", code=exc.code) from exc
        return cleaned
