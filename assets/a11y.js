/*
 * Keyboard and screen-reader fixes for third-party widgets (issue 11), applied as they appear.
 *
 * - Plotly's toolbar (modebar) is a toolbar: one tab stop per chart (roving tabindex), arrow
 *   keys, Home and End move between its buttons, as the WAI-ARIA toolbar pattern says.
 * - Dash 4's dropdown puts its tab stop on a hidden, aria-hidden input that hands focus on to
 *   the real (labelled) button: a screen reader would land on nothing. The button itself
 *   becomes the tab stop; the hidden input leaves the tab order.
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

  var pending = false;
  function fix() {
    pending = false;
    document.querySelectorAll('.modebar-group').forEach(function (g) {
      toolbar(g.closest('.modebar') || g);
    });
    document.querySelectorAll('.dash-dropdown-focus-target').forEach(dropdown);
  }
  function schedule() {
    if (!pending) { pending = true; window.requestAnimationFrame(fix); }
  }
  new MutationObserver(schedule).observe(document.documentElement, {
    childList: true, subtree: true, attributes: true, attributeFilter: ['tabindex'],
  });
  schedule();
})();
