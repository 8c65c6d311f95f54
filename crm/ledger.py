"""The consent ledger is append-only (CASL, Law 25): what a person agreed to, refused or
withdrew is never changed or deleted; a withdrawal is a new row.

Two writes to an existing row are allowed, and nothing else:

- ``confirmed_at``, once, from empty to a date (double opt-in: the grant begins to
  count; ``crm.services.consents_confirm``);
- ``created_at`` through :meth:`ConsentLedger.backdate` only, for consents that come
  from the past (an import of earlier contacts, demo data: ``crm.services.lead_backdate``),
  written once just after they are inserted;
- the evidence (``ip_address``, ``user_agent``, ``source``) blanked, by an erasure or
  when the retention period after the consent ended has passed
  (``crm.services.person_erase``, ``crm.services.retention_apply``).

:class:`ConsentLedger` (the model's manager's queryset) and :class:`LedgerRow` (its
``save``/``delete``) refuse everything else with :class:`LedgerError`; the admin shows
consents read-only; ``Consent.contact`` is ``PROTECT`` so no cascade removes one.
"""

from __future__ import annotations

from django.db import models

#: The fields an existing row may still receive (see the module's docstring).
WRITABLE_AFTER_INSERT = frozenset({"confirmed_at", "ip_address", "user_agent", "source"})


class LedgerError(Exception):
    """An attempt to change or delete a consent that is on the ledger."""


class ConsentLedger(models.QuerySet):
    def update(self, **kwargs):
        refused = set(kwargs) - WRITABLE_AFTER_INSERT - {"updated_at"}
        if refused:
            raise LedgerError(
                f"Consents are append-only: {', '.join(sorted(refused))} cannot be changed."
            )
        if "confirmed_at" in kwargs:
            # Written once: a confirmation date is never moved.
            return super(ConsentLedger, self.filter(confirmed_at__isnull=True)).update(**kwargs)
        return super().update(**kwargs)

    def backdate(self, *, created_at):
        """Date consents given in the past when they were (imports, demo data only)."""
        return models.QuerySet.update(self, created_at=created_at)

    def delete(self):
        raise LedgerError("Consents are append-only: they are never deleted.")

    delete.queryset_only = True


class LedgerRow(models.Model):
    """Refuses ``save`` of an existing row (except the allowed fields) and ``delete``."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            fields = set(kwargs.get("update_fields") or ())
            if not fields or fields - WRITABLE_AFTER_INSERT - {"updated_at"}:
                raise LedgerError("Consents are append-only: record a new consent instead.")
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LedgerError("Consents are append-only: they are never deleted.")
