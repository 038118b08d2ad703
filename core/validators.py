import string

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class CharacterClassValidator:
    """A password must mix character classes (等保 2.0: complexity), e.g. three of: lower, upper, digit, symbol."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    @staticmethod
    def classes_used(password: str) -> int:
        checks = (
            any(c in string.ascii_lowercase for c in password),
            any(c in string.ascii_uppercase for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
        return sum(checks)

    def validate(self, password, user=None):
        if self.classes_used(password) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self):
        return ngettext(
            "Your password must contain at least %(count)d kind of character: "
            "lower-case letters, upper-case letters, digits, symbols.",
            "Your password must contain at least %(count)d kinds of characters: "
            "lower-case letters, upper-case letters, digits, symbols.",
            self.min_classes,
        ) % {"count": self.min_classes}


def validate_no_control_characters(value: str):
    if any(ord(c) < 32 and c not in "\t\n\r" for c in value):
        raise ValidationError(_("The text contains control characters."), code="control_characters")


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's rule with a message of our own: Django 5.2 reworded its message and its Chinese catalog lags."""

    def get_error_message(self):
        return ngettext(
            "This password is too short. It must contain at least %(count)d character.",
            "This password is too short. It must contain at least %(count)d characters.",
            self.min_length,
        ) % {"count": self.min_length}
