"""Django admin widgets with the accessible names Django 5.2 leaves out (WCAG 2.1 AA,
checked by axe-core in tests/browser/test_accessibility.py)."""

from __future__ import annotations

from django import forms
from django.contrib.admin import widgets
from django.db import models
from django.forms.models import BaseInlineFormSet


class LabelledSplitDateTime(widgets.AdminSplitDateTime):
    """The admin's date and time pair, each input with its own ``<label>`` ("Date:",
    "Time:"). Django's template writes the words without a label element."""

    template_name = "admin/crm/widgets/split_datetime.html"


#: For a ModelAdmin's or an inline's ``formfield_overrides``.
LABELLED_DATETIME = {models.DateTimeField: {"widget": LabelledSplitDateTime}}


class LabelledInlineFormSet(BaseInlineFormSet):
    """A tabular inline's rows name each input by its column's label (``aria-label``):
    Django's tabular inline shows the labels once, as column headings, and leaves the
    inputs of each row, the delete box included, without a name of their own."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        for field in form.fields.values():
            # The admin wraps a related field's select; the select renders its own attrs.
            widget = getattr(field.widget, "widget", field.widget)
            if widget.is_hidden or isinstance(widget, forms.MultiWidget):
                continue  # a date-time pair labels its own two inputs
            widget.attrs["aria-label"] = str(field.label)
