"""``{% crm_lead_result_list cl %}``: the lead list's table, rows built by LeadAdmin."""

from django import template
from django.contrib.admin.templatetags.admin_list import result_headers, result_hidden_fields
from django.contrib.admin.templatetags.base import InclusionAdminNode

register = template.Library()


def crm_lead_result_list(cl):
    """Django's ``result_list`` context, with the rows from ``LeadAdmin.list_rows``."""
    headers = list(result_headers(cl))
    return {
        "cl": cl,
        "result_hidden_fields": list(result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "results": list(cl.model_admin.list_rows(cl)),
    }


@register.tag(name="crm_lead_result_list")
def crm_lead_result_list_tag(parser, token):
    return InclusionAdminNode(
        parser,
        token,
        func=crm_lead_result_list,
        template_name="change_list_results.html",
        takes_context=False,
    )
