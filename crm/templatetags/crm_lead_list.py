"""``{% crm_lead_result_list cl %}``: the lead list's table, rows from ``crm.admin.fast_rows``."""

from django import template

from crm.admin import fast_rows

register = template.Library()


@register.inclusion_tag("admin/change_list_results.html")
def crm_lead_result_list(cl):
    """Django's ``{% result_list cl %}``, with the rows built once per column."""
    return fast_rows.result_list(cl)
