"""Strict input fields for the API: text must be text and ids whole numbers, never coerced."""

import datetime
import re

from django.core import validators as django_validators
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.utils import html

from annotations import models, urlnorm

# The largest id a BigAutoField holds on every backend (signed 64 bits).
MAX_ID = 2**63 - 1
# Versions are PositiveIntegerFields: 32 bits on PostgreSQL.
MAX_VERSION = 2**31 - 1
_ASCII_DIGITS = re.compile(r"-?[0-9]{1,19}", re.ASCII)
# An organization's slug (a SlugField).
_SLUG = re.compile(r"[-a-zA-Z0-9_]+", re.ASCII)
# The form Django's date parser reads: a day it reads the form of, and which does not exist,
# is said to be no such day.
_DATE_SHAPE = re.compile(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}", re.ASCII)


def _is_whole_number(data, *, from_form: bool) -> bool:
    """An int (not a bool), or, in a form where every value is text, ASCII digits."""
    if isinstance(data, bool):
        return False
    if isinstance(data, str):
        return from_form and bool(_ASCII_DIGITS.fullmatch(data))
    return isinstance(data, int)


class _FormAware:
    """Remember whether the value came from a form (text only) or from JSON (typed)."""

    from_form = False

    def get_value(self, dictionary):
        self.from_form = html.is_html_input(dictionary)
        return super().get_value(dictionary)


class StrictTextMixin:
    """Refuse anything but a string, and say which field is too long and by how much."""

    default_error_messages = {
        "not_text": "Expected text.",
        "too_long": "At most {max_length:,} characters for {name}; this has {length:,}.",
    }

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_text")
        if self.max_length is not None and len(data) > self.max_length:
            name = (self.field_name or "this field").replace("_", " ")
            self.fail("too_long", max_length=self.max_length, name=name, length=len(data))
        return super().to_internal_value(data)


class StrictBooleanField(_FormAware, serializers.BooleanField):
    """true or false in JSON ("true" or "false" in a form): "yes", 1 or "maybe" are refused
    rather than read as one or the other."""

    default_error_messages = {"not_boolean": "Expected true or false."}

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        if self.from_form and data in ("true", "false"):
            return data == "true"
        self.fail("not_boolean")


class StrictCharField(StrictTextMixin, serializers.CharField):
    """A CharField that refuses numbers, lists, objects and booleans ("Expected text.")."""


class ArticleTextField(StrictCharField):
    """An article's text as pasted: NUL characters, which text copied from a PDF may hold
    and nobody can see to remove, are dropped like the other control characters the text
    loses (`ingest.text.canonical_text`), not refused."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        return value.replace("\x00", "")


class StrictURLField(StrictTextMixin, serializers.URLField):
    """A URLField that refuses anything but a string."""


class WebAddressField(StrictURLField):
    """An address readers follow: http or https only, and no invisible characters, said as
    the model says it (an ftp address is not "a valid URL" that the save then refuses)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators = [
            validator
            for validator in self.validators
            if not isinstance(validator, django_validators.URLValidator)
        ] + [models.WEB_ADDRESS, models.require_plain_address]

    def to_internal_value(self, data):
        # Spaces encoded as a browser sends them: a pasted "…/annual report.pdf" is meant.
        return super().to_internal_value(urlnorm.as_typed(data) if isinstance(data, str) else data)


class StrictChoiceField(serializers.ChoiceField):
    """A ChoiceField whose choices are strings and which refuses anything but a string."""

    default_error_messages = {"not_text": "Expected text: one of the listed choices."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_text")
        return super().to_internal_value(data)


class StrictIntegerField(_FormAware, serializers.IntegerField):
    """An IntegerField that refuses booleans, fractions and text ("3" only from a form)."""

    default_error_messages = {"not_integer": "Expected a whole number."}

    def to_internal_value(self, data):
        if not _is_whole_number(data, from_form=self.from_form):
            self.fail("not_integer")
        return super().to_internal_value(data)


class IdField(StrictIntegerField):
    """The id of a row: a whole number from 1 up to the largest id any backend stores."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


@extend_schema_field(
    {
        "oneOf": [
            {"type": "integer", "minimum": 1, "maximum": MAX_ID},
            {"type": "string", "pattern": r"^[-a-zA-Z0-9_]+$", "maxLength": 80},
        ],
        "description": "One of your organizations, by its id or its slug.",
    }
)
class OrganizationRefField(IdField):
    """One of the caller's organizations, by its id or its slug ("demo-fact-desk"), as the
    list filters and the public API name it. The schema says both: typed as an id alone,
    a generated client could not send the slug the README shows (trial D1)."""

    default_error_messages = {"not_a_reference": "Expected your organization's id or slug."}

    def to_internal_value(self, data):
        if isinstance(data, str) and not data.strip().isdigit():
            slug = data.strip()
            if not slug or len(slug) > 80 or not _SLUG.fullmatch(slug):
                self.fail("not_a_reference")
            return slug
        return super().to_internal_value(data)

    def run_validators(self, value):
        if isinstance(value, str):
            return  # a slug: the id's range does not apply
        super().run_validators(value)


class VersionField(StrictIntegerField):
    """The claim version the client opened (the alternative to an If-Match header)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_VERSION)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)


class RevisionField(serializers.IntegerField):
    """An article's revision number the client worked from (optional; 1 and up)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_VERSION)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)


class StrictDateField(serializers.DateField):
    """A DateField that takes only a `YYYY-MM-DD` string (or null where allowed)."""

    default_error_messages = {
        "not_text": "Expected a date as text, YYYY-MM-DD.",
        "no_such_day": "{value} is written as a date, but no such day exists.",
    }

    def to_internal_value(self, data):
        if not isinstance(data, str) or len(data) > 40:
            self.fail("not_text")
        # "2022-13-45" is in the right form: saying "wrong format" sends the client to
        # look for a mistake it did not make.
        if _DATE_SHAPE.fullmatch(data.strip()):
            year, month, day = (int(part) for part in data.strip().split("-"))
            try:
                datetime.date(year, month, day)
            except ValueError:
                self.fail("no_such_day", value=data.strip())
        return super().to_internal_value(data)


class StrictPrimaryKeyRelatedField(_FormAware, serializers.PrimaryKeyRelatedField):
    """A related row by id: a whole number in range, never `true`, `"3"` (in JSON) or `3.0`."""

    def to_internal_value(self, data):
        if not _is_whole_number(data, from_form=self.from_form):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 1 <= int(data) <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(int(data))


class StrictListField(serializers.ListField):
    """A ListField (DRF's already refuses text and objects) with a clearer message."""

    default_error_messages = {"not_a_list": "Expected a list."}
