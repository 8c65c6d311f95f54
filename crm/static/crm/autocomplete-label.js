/* Django's autocomplete box (select2) is a combobox, holding a read-only textbox, both
   named only by the choice shown: while empty they have no accessible name (WCAG 4.1.2;
   axe's aria-input-field-name). Name both by the field's <label> as well, in the same
   step as Django's autocomplete.js builds the box (rows added to a formset too), so no
   moment exists when it is unnamed. A static file: the CSP allows no inline script. */
"use strict";
{
  const name = (select) => {
    const label = document.querySelector(`label[for="${select.id}"]`);
    const box = select.parentElement.querySelector(".select2-selection[role=combobox]");
    if (!label || !box) return;
    label.id = label.id || `${select.id}-label`;
    const names = (box.getAttribute("aria-labelledby") || "").split(" ").filter(Boolean);
    if (!names.includes(label.id)) box.setAttribute("aria-labelledby", [label.id, ...names].join(" "));
    const shown = box.querySelector(".select2-selection__rendered[role=textbox]");
    if (shown) shown.setAttribute("aria-labelledby", label.id);
  };
  // Every script has run by now, and jQuery's ready handlers (autocomplete.js's among
  // them) have not yet.
  document.addEventListener("DOMContentLoaded", () => {
    const $ = window.django && window.django.jQuery;
    if (!$ || !$.fn.djangoAdminSelect2) return;
    const build = $.fn.djangoAdminSelect2;
    $.fn.djangoAdminSelect2 = function (...args) {
      const built = build.apply(this, args);
      this.each((_, select) => name(select));
      return built;
    };
  });
}
