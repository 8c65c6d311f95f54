"""The questionnaire, the rules, the classification and its Celery tasks.

Uses ``crm`` (through ``crm.services``); ``crm`` never imports this app.
"""
