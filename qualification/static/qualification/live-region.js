/* A region that follows work done elsewhere (the thank-you page while the result is
   computed, an import's page while it runs): the element with ``data-live-region="X"``
   is followed while it has the ``data-X`` attribute. Every ``data-every`` milliseconds
   (at most ``data-tries`` times) the page is read again; the region's new content is
   shown in place, and once the fresh copy no longer has ``data-X`` the work is done:
   ``data-when-done="reload"`` loads the page whole, else the final content stays. No
   timed refresh of the page (WCAG 2.2.1, axe's meta-refresh); without JavaScript each
   page offers a "Refresh the page" link instead. */
"use strict";
(() => {
  const region = document.querySelector("[data-live-region]");
  if (!region) return;
  const flag = region.dataset.liveRegion;
  if (!(flag in region.dataset)) return;
  const every = Number(region.dataset.every) || 5000;
  const most = Number(region.dataset.tries) || 60;
  let tries = 0;
  const check = async () => {
    tries += 1;
    try {
      const response = await fetch(window.location.href, { cache: "no-store" });
      if (response.ok) {
        const page = new DOMParser().parseFromString(await response.text(), "text/html");
        const fresh = page.getElementById(region.id);
        if (fresh && !(flag in fresh.dataset) && region.dataset.whenDone === "reload") {
          window.location.reload();
          return;
        }
        if (fresh) region.replaceChildren(...fresh.childNodes);
        if (fresh && !(flag in fresh.dataset)) {
          delete region.dataset[flag];
          return;
        }
      }
    } catch (error) {
      // The network failed this time: the next try may work.
    }
    if (tries < most) window.setTimeout(check, every);
  };
  window.setTimeout(check, every);
})();
