"""Read an HTML form's fields as a browser would submit them (for admin POST tests)."""

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self, form_id: str):
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._select_value: list[str] = []
        self._first_option: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
            return
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.data.setdefault(name, []).append(
                attrs.get("value", "on" if kind == "checkbox" else "")
            )
        elif tag == "select" and name:
            self._select, self._select_value, self._first_option = name, [], None
        elif tag == "option" and self._select:
            value = attrs.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in attrs:
                self._select_value.append(value)
        elif tag == "textarea" and name:
            self._textarea = name
            self.data.setdefault(name, []).append("")

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select:
            self.data[self._select] = self._select_value or [self._first_option or ""]
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_data(html: str | bytes, form_id: str) -> dict[str, list[str] | str]:
    """The fields of ``<form id=form_id>`` with their current values (empty-form templates out)."""
    reader = _FormReader(form_id)
    reader.feed(html.decode() if isinstance(html, bytes) else html)
    data = {}
    for name, values in reader.data.items():
        if "__prefix__" in name:
            continue
        data[name] = values if len(values) > 1 else values[0]
    # Textareas start with a newline that browsers drop.
    return {k: (v.removeprefix("\n") if isinstance(v, str) else v) for k, v in data.items()}
