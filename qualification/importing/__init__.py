"""Reading a CSV of leads for an import: decoding, delimiter, column mapping, each row
checked (``reading``, ``mapping``, ``rows``, ``report``). Plain functions, no writes:
the writes are ``qualification.services.imports``."""
