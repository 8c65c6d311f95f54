/* The thank-you page while the result is computed: every 5 seconds (for 5 minutes at
   most) it reads the page again and, once the result is there, shows it in place, in
   the status region that announces it. No timed refresh of the whole page (WCAG 2.2.1,
   axe's meta-refresh); without JavaScript the "Refresh the page" link does it. */
"use strict";
(() => {
  const region = document.getElementById("result");
  if (!region || !("waiting" in region.dataset)) return;
  let tries = 0;
  const check = async () => {
    tries += 1;
    try {
      const response = await fetch(window.location.href, { cache: "no-store" });
      if (response.ok) {
        const page = new DOMParser().parseFromString(await response.text(), "text/html");
        const fresh = page.getElementById("result");
        if (fresh && !("waiting" in fresh.dataset)) {
          region.replaceChildren(...fresh.childNodes);
          delete region.dataset.waiting;
          return;
        }
      }
    } catch (error) {
      // The network failed this time: the next try may work.
    }
    if (tries < 60) window.setTimeout(check, 5000);
  };
  window.setTimeout(check, 5000);
})();
