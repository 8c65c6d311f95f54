"""Outbound webhooks' plumbing, below the services (``crm.services.webhooks``):

- ``addresses``: which destinations are allowed (never loopback, private, link-local,
  reserved or metadata addresses unless ``CRM_WEBHOOK_ALLOW_PRIVATE_NETWORKS``);
- ``transport``: one signed POST to the resolved, checked address, read with care;
- ``signing``: the Standard Webhooks headers, signed by the reference implementation;
- ``payloads``: the body of each event (a lead as the staff API shows it).
"""
