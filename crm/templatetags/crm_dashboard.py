"""``{% crm_dashboard %}``: the pipeline's dashboard, for any admin index template."""

from django import template

from ..dashboard import dashboard_context

register = template.Library()


@register.inclusion_tag("crm/admin/dashboard.html", takes_context=True)
def crm_dashboard(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.has_perm("crm.view_lead"):
        return {"show": False}
    return {"show": True, "request": request, **dashboard_context(user=user)}
