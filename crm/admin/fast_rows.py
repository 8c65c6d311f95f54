"""The lead list's rows, built once per column instead of cell by cell.

Django's ``result_list`` tag renders each cell through ``items_for_result``, which looks
up the column's field, classes and link again for every cell, resolves the row's link
to keep the list's filters (``add_preserved_filters``) for every row, and renders the
checkbox widget's template for every row. bench/RESULTS.md, section 4
(``python -m bench.bench_admin``, 100,000 leads, the two in alternating requests):
500 leads a page take 148 ms with these rows and 367 ms with Django's, over the list's
300 ms target; 100 a page, 42 against 83 ms.

**Django internals this module depends on** (Django 5.2): the markup that
``django.contrib.admin.templatetags.admin_list.items_for_result`` writes for each cell
(``<th>``/``<td>``, the ``field-<name>`` and ``nowrap`` classes, the link to the change
page with its ``_changelist_filters``, boolean icons), the markup of
``ModelAdmin.action_checkbox``, and the context that ``admin/change_list_results.html``
reads (what ``result_list`` returns, from the undocumented ``result_headers``,
``result_hidden_fields`` and ``results`` of that module, which it calls, as it calls
``admin_urls.add_preserved_filters``). ``tests/crm/test_admin_fast_rows.py`` compares
every cell with ``items_for_result``'s on the same page, so a Django release that
changes any of them fails that test rather than the page.

Only the column kinds of the lead list are covered (its methods, booleans, foreign
keys, plain fields); in a popup or with editable rows Django's own rows are used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from django.contrib.admin import helpers
from django.contrib.admin.templatetags.admin_list import (
    result_headers,
    result_hidden_fields,
    results,
)
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import display_for_field, display_for_value, quote
from django.db import models
from django.urls import reverse
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

_PK = "__pk__"


def result_list(cl) -> dict:
    """What Django's ``result_list`` gives ``change_list_results.html``, rows built here."""
    headers = list(result_headers(cl))
    fast = not (cl.is_popup or cl.formset)
    return {
        "cl": cl,
        "result_hidden_fields": list(result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "results": list(rows(cl) if fast else results(cl)),
    }


def rows(cl) -> Iterator[list[SafeString]]:
    """The page's rows, each as one piece of HTML (the same cells as ``items_for_result``)."""
    link = _row_link(cl)
    cells = [_column(cl, name, link) for name in cl.list_display]
    for result in cl.result_list:
        yield [mark_safe("".join(cell(result) for cell in cells))]


def _row_link(cl) -> str:
    """The link to a row's change page, keeping the list's filters, with ``{}`` for its key.

    Django's own function builds it, once for the page instead of once for each row.
    """
    opts = cl.opts
    url = reverse(
        f"admin:{opts.app_label}_{opts.model_name}_change",
        args=[_PK],
        current_app=cl.model_admin.admin_site.name,
    )
    url = add_preserved_filters({"preserved_filters": cl.preserved_filters, "opts": opts}, url)
    return escape(url).replace("{", "{{").replace("}", "}}").replace(_PK, "{}", 1)


def _action_checkbox(result) -> str:
    # ModelAdmin.action_checkbox's markup, written out: rendering the widget's template
    # for each row cost more than the rest of the row.
    return format_html(
        '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
        helpers.ACTION_CHECKBOX_NAME,
        result.pk,
        format_html(gettext("Select this object for an action - {}"), str(result)),
    )


def _column(cl, name: str, link: str) -> Callable[[models.Model], str]:
    """How one column's cell is written, decided once for the page."""
    if name == "action_checkbox":
        return lambda result: f'<td class="action-checkbox">{_action_checkbox(result)}</td>'
    model_admin = cl.model_admin
    empty = model_admin.get_empty_value_display()
    classes = f"field-{name}"
    method = getattr(model_admin, name, None)
    if callable(method):
        empty = getattr(method, "empty_value_display", empty)  # as items_for_result does

        def value(result):
            return conditional_escape(display_for_value(method(result), empty))

    else:
        field = cl.opts.get_field(name)
        if isinstance(field, models.DateField | models.TimeField | models.ForeignKey):
            classes += " nowrap"
        if isinstance(field, models.BooleanField):
            icons = {
                flag: display_for_value(flag, empty, boolean=True) for flag in (True, False, None)
            }

            def value(result):
                return icons[getattr(result, name)]

        elif isinstance(field, models.ForeignKey):

            def value(result):
                related = getattr(result, name)
                return empty if related is None else conditional_escape(str(related))

        else:

            def value(result):
                shown = display_for_field(getattr(result, field.attname), field, empty)
                return conditional_escape(shown)

    if name in (cl.list_display_links or ()):
        return lambda result: (
            f'<th class="{classes}"><a href="{link.format(quote(result.pk))}">'
            f"{value(result)}</a></th>"
        )
    return lambda result: f'<td class="{classes}">{value(result)}</td>'
