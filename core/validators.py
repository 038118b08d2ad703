import re
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


_PHONE_SEPARATORS = re.compile(r"[\s\-()（）]+")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# An area code (010, 0571) and a 7- or 8-digit number, with an optional extension; or the local number alone.
_LANDLINE = re.compile(r"^(0\d{2,3})?[2-9]\d{6,7}(?:(?:转|ext\.?|x)\d{1,6})?$", re.IGNORECASE)


def phone_normalise(value: str) -> str:
    """A Chinese mobile or landline number as people write it (+86 138 0013 8000, (0571) 8888-6666, 88886666转123),
    checked loosely and returned without separators or country code. Raises ValidationError when it is neither."""
    phone = _PHONE_SEPARATORS.sub("", str(value or ""))
    for prefix in ("+86", "0086"):
        if phone.startswith(prefix):
            phone = phone[len(prefix) :]
    if phone.startswith("86") and _MOBILE.match(phone[2:]):
        phone = phone[2:]
    if len(phone) > 30 or not (_MOBILE.match(phone) or _LANDLINE.match(phone)):
        raise ValidationError(_("Enter a mobile or landline phone number."), code="invalid_phone")
    return phone
