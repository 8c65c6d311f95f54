"""Receivers for crm's signals. They only hand over to services."""
