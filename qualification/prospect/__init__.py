"""The prospect's side, after the form: their result, the links in their e-mails, their
private page (issue 12).

- ``links``: the signed links (private page, consent confirmation, one-click
  unsubscribe) and their addresses;
- ``outcome``: the result as a prospect reads it (plain words, the reasons that weighed
  most, the next step, the automated-decision notice of Law 25 s.12.1);
- ``export``: what is kept about a person, as JSON and CSV, provided apart from inferred;
- ``views``: the public pages (private page, new link, confirmation, unsubscribe).

The e-mails are sent by ``qualification.services.prospect_mail``; every write goes
through ``qualification.services`` and ``crm.services``.
"""
