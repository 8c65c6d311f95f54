"""``{% load crm_words %}``: the crm's figures said in words, for pages and e-mails."""

from django import template

from crm.choices import CLARITY_HELP, clarity_text

register = template.Library()


@register.filter
def clarity(confidence):
    """``0.91`` -> ``Clear-cut (91 %)``, in the active language (``crm.choices.Clarity``)."""
    return clarity_text(confidence)


@register.simple_tag
def clarity_help():
    """What the confidence figure means, in a sentence."""
    return str(CLARITY_HELP)
