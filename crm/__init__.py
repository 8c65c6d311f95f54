"""A small CRM: companies, contacts, leads in a pipeline, activities and consent.

Reusable: it imports neither ``config`` nor ``qualification``. Other apps react to
its signals (``crm.signals``) and write to it through ``crm.services``.
"""
