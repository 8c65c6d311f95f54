/* An import's page while it runs: every 1.5 seconds (for an hour at most) it reads the
   page again and shows the new progress in place; once the run has ended it loads the
   page whole (the preview or the result). No timed refresh of the page (WCAG 2.2.1,
   axe's meta-refresh); without JavaScript the "Refresh the page" link does it. */
"use strict";
(() => {
  const region = document.getElementById("import-progress");
  if (!region || !("running" in region.dataset)) return;
  let tries = 0;
  const check = async () => {
    tries += 1;
    try {
      const response = await fetch(window.location.href, { cache: "no-store" });
      if (response.ok) {
        const page = new DOMParser().parseFromString(await response.text(), "text/html");
        const fresh = page.getElementById("import-progress");
        if (fresh && !("running" in fresh.dataset)) {
          window.location.reload();
          return;
        }
        if (fresh) region.replaceChildren(...fresh.childNodes);
      }
    } catch (error) {
      // The network failed this time: the next try may work.
    }
    if (tries < 2400) window.setTimeout(check, 1500);
  };
  window.setTimeout(check, 1500);
})();
