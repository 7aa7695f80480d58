/*
 * Keyboard and screen-reader fixes for third-party widgets (issue 11), applied as they appear.
 *
 * - Plotly's toolbar (modebar) is a toolbar: one tab stop per chart (roving tabindex), arrow
 *   keys, Home and End move between its buttons, as the WAI-ARIA toolbar pattern says.
 * - Dash 4's dropdown puts its tab stop on a hidden, aria-hidden input that hands focus on to
 *   the real (labelled) button: a screen reader would land on nothing. The button itself
 *   becomes the tab stop; the hidden input leaves the tab order.
 * - Inside Dash 4's open dropdown, keys follow the WAI-ARIA combobox/listbox pattern. Dash
 *   already does ArrowDown/ArrowUp, End, Enter/Space (toggle) and Escape (close, focus back on
 *   the button); what differs is patched here: Tab/Shift+Tab cycled through the options, now
 *   they leave the list for the page's next/previous control (the list closes as focus leaves
 *   it); Home from an option went to the search box, now it goes to the first option.
 *
 * - The menu marks the current page with the class `active` (the router's `active` prop);
 *   screen readers learn it from aria-current="page", set here on that link (dash-bootstrap's
 *   NavLink and DropdownMenuItem take no aria attributes). The admins' dropdown items are
 *   links, on which react-bootstrap puts aria-selected (an option's attribute, not a link's:
 *   axe's aria-allowed-attr, critical): it is taken off.
 *
 * Served from this app's own assets (the Content-Security-Policy allows 'self' scripts only).
 */
(function () {
  'use strict';

  function toolbar(bar) {
    var buttons = Array.prototype.slice.call(bar.querySelectorAll('.modebar-btn'));
    if (!buttons.length) { return; }
    if (bar.getAttribute('role') !== 'toolbar') {
      bar.setAttribute('role', 'toolbar');
      bar.setAttribute('aria-label', document.documentElement.lang === 'fr'
        ? 'Outils du graphique' : 'Chart tools');
      bar.addEventListener('keydown', function (e) {
        var list = Array.prototype.slice.call(bar.querySelectorAll('.modebar-btn'));
        var i = list.indexOf(document.activeElement);
        if (i < 0) { return; }
        var next = {ArrowRight: i + 1, ArrowDown: i + 1, ArrowLeft: i - 1, ArrowUp: i - 1,
          Home: 0, End: list.length - 1}[e.key];
        if (next === undefined) { return; }
        e.preventDefault();
        next = (next + list.length) % list.length;
        list.forEach(function (b, j) { b.tabIndex = j === next ? 0 : -1; });
        list[next].focus();
      });
    }
    if (!buttons.some(function (b) { return b.tabIndex === 0; })) { buttons[0].tabIndex = 0; }
    var seen = false;
    buttons.forEach(function (b) {
      if (b.tabIndex === 0 && !seen) { seen = true; } else { b.tabIndex = -1; }
    });
  }

  function dropdown(target) {
    if (target.tabIndex !== -1) { target.tabIndex = -1; }
    var button = target.nextElementSibling;
    if (button && button.tagName === 'BUTTON' && !button.disabled && button.tabIndex !== 0) {
      button.tabIndex = 0;
    }
  }

  var TABBABLE = 'a[href], button, input, select, textarea, [tabindex]';

  // The control before (step -1) or after (step 1) `from` in the page's tab order, skipping
  // anything inside `skip` (the open list); tabindex > 0 is not used in this app.
  function neighbour(from, skip, step) {
    var all = Array.prototype.filter.call(document.querySelectorAll(TABBABLE), function (e) {
      return e === from || (e.tabIndex >= 0 && !e.disabled && !skip.contains(e) &&
        e.getClientRects().length > 0 && !e.closest('[hidden], [inert]'));
    });
    return all[all.indexOf(from) + step] || null;
  }

  document.addEventListener('keydown', function (e) {
    var menu = e.target.closest && e.target.closest('.dash-dropdown-content');
    if (!menu || e.altKey || e.ctrlKey || e.metaKey) { return; }
    if (e.key === 'Tab') {
      // Capture phase: Dash's handler (on the menu) never sees this Tab.
      var trigger = document.querySelector(
        'button.dash-dropdown[aria-controls="' + menu.id + '"]');
      if (!trigger) { return; }
      e.preventDefault();
      e.stopPropagation();
      // Radix closes a non-modal popover when focus moves outside it (and leaves focus there).
      (neighbour(trigger, menu, e.shiftKey ? -1 : 1) || trigger).focus();
    }
  }, true);

  document.addEventListener('keydown', function (e) {
    // Bubble phase, after Dash's handler: Home from an option has put focus on the search box
    // (Dash's index -1); one ArrowDown brings it to option 0, so Dash keeps its own index right
    // and a long (virtualised) list scrolls back to the top.
    var menu = e.target.closest && e.target.closest('.dash-dropdown-content');
    var search = menu && menu.querySelector('.dash-dropdown-search');
    if (e.key === 'Home' && search && e.target !== search && document.activeElement === search) {
      search.dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowDown', bubbles: true}));
    }
  });

  var pending = false;
  function fix() {
    pending = false;
    document.querySelectorAll('.modebar-group').forEach(function (g) {
      toolbar(g.closest('.modebar') || g);
    });
    document.querySelectorAll('.dash-dropdown-focus-target').forEach(dropdown);
    steppers();
    currentPage();
  }

  // aria-current="page" on the menu's active link(s), off the others; the header is watched
  // for class changes (a page change moves `active`), the rest of the page is not.
  var watchedNav = null;
  function currentPage() {
    var nav = document.querySelector('.app-nav');
    if (!nav) { return; }
    nav.querySelectorAll('.nav-link, .dropdown-item').forEach(function (a) {
      var active = a.classList.contains('active') && !a.classList.contains('dropdown-toggle');
      if (active && a.getAttribute('aria-current') !== 'page') {
        a.setAttribute('aria-current', 'page');
      } else if (!active && a.hasAttribute('aria-current')) {
        a.removeAttribute('aria-current');
      }
    });
    nav.querySelectorAll('.dropdown-item[aria-selected]').forEach(function (a) {
      a.removeAttribute('aria-selected');
    });
    if (watchedNav !== nav) {
      watchedNav = nav;
      new MutationObserver(schedule).observe(nav, {
        subtree: true, attributes: true, attributeFilter: ['class', 'aria-selected'],
      });
    }
  }

  // Dash 4's number inputs draw +/- buttons labelled in English ("Increase value"): label
  // them in the page's language (the <html lang> the app sets).
  var STEPPER = {
    fr: {'dash-stepper-increment': 'Augmenter la valeur', 'dash-stepper-decrement': 'Diminuer la valeur'},
    en: {'dash-stepper-increment': 'Increase value', 'dash-stepper-decrement': 'Decrease value'},
  };
  function steppers() {
    var words = STEPPER[document.documentElement.lang] || STEPPER.en;
    document.querySelectorAll('.dash-input-stepper').forEach(function (b) {
      Object.keys(words).forEach(function (cls) {
        if (b.classList.contains(cls) && b.getAttribute('aria-label') !== words[cls]) {
          b.setAttribute('aria-label', words[cls]);
        }
      });
    });
  }
  function schedule() {
    if (!pending) { pending = true; window.requestAnimationFrame(fix); }
  }
  new MutationObserver(schedule).observe(document.documentElement, {
    childList: true, subtree: true, attributes: true, attributeFilter: ['tabindex', 'lang'],
  });
  schedule();
})();
