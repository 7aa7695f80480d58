/*
 * Functions and cell renderers for dash-ag-grid tables.
 *
 * Text from data is never turned into HTML here: renderers build React elements whose children
 * are plain strings (React sets them as text), so a partner called "<script>…</script>" shows
 * those characters literally.
 */
(function () {
  "use strict";

  var funcs = (window.dashAgGridFunctions = window.dashAgGridFunctions || {});
  var components = (window.dashAgGridComponentFunctions =
    window.dashAgGridComponentFunctions || {});

  /* A whole number (or amount) in the language: 12,000 / 12 000. Empty for no value. */
  funcs.formatNumber = function (value, lang) {
    if (value === null || value === undefined || value === "" || isNaN(value)) {
      return "";
    }
    var locale = lang === "fr" ? "fr-FR" : "en-GB";
    return new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(value);
  };

  /*
   * AG Grid's texts in French (pagination "Page 1 de 3", filter menus, "Aucune ligne à afficher",
   * screen-reader labels): AG Grid's own French locale (assets/vendor/ag-grid-locale-fr.js),
   * then the grid's `localeText`, then AG Grid's English default. Used as the grid option
   * getLocaleText in French (dashboards/pages/partners.py `grid_options`).
   */
  funcs.localeTextFr = function (params) {
    var fr = window.AG_GRID_LOCALE_FR || {};
    var text = Object.prototype.hasOwnProperty.call(fr, params.key)
      ? fr[params.key]
      : params.defaultValue;
    // As AG Grid does for localeText: each ${variable} in turn takes the next value.
    (params.variableValues || []).forEach(function (v) {
      if (typeof text === "string") {
        text = text.replace("${variable}", v);
      }
    });
    return text;
  };

  /* The app's URL prefix (DASH_URL_BASE_PATHNAME, e.g. "/ngo/" behind a proxy), from Dash's config. */
  function prefix() {
    try {
      var config = JSON.parse(document.getElementById("_dash-config").textContent);
      var p = config.requests_pathname_prefix || config.url_base_pathname || "/";
      return p.charAt(p.length - 1) === "/" ? p : p + "/";
    } catch (e) {
      return "/";
    }
  }

  /*
   * Text folded for the directory's search, exactly as dashboards/text.py `search_key` folds
   * the rows: the letters NFKD leaves whole spelled out, NFKD, marks dropped, lower case,
   * anything but letters and digits (of any script) a single space. "ÉDUCATION" → "education".
   */
  var SPELLED_OUT = {
    "œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss", "ẞ": "ss", "ø": "o", "Ø": "o",
    "ł": "l", "Ł": "l", "đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "þ": "th", "Þ": "th", "ı": "i",
  };
  var SPELLED_OUT_RE = /[œŒæÆßẞøØłŁđĐðÐþÞı]/g;
  funcs.foldSearch = function (text) {
    var s = text === null || text === undefined ? "" : String(text);
    s = s.replace(SPELLED_OUT_RE, function (c) {
      return SPELLED_OUT[c];
    });
    s = s.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
    return s.replace(/[^\p{L}\p{N}]+/gu, " ").trim();
  };

  /* Same-tab navigation like dcc.Link: the Dash router handles the new address. */
  function follow(event, href) {
    if (event.defaultPrevented || event.button !== 0) {
      return;
    }
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return; // let the browser open a new tab or window
    }
    event.preventDefault();
    window.history.pushState({}, "", href);
    window.dispatchEvent(new CustomEvent("_dashprivate_pushstate"));
    window.scrollTo(0, 0);
  }

  /*
   * A link to a partner's profile: the text is the cell value (the name, as text), the address
   * is built from the row's partner_id, plus the page's query string (its filters and language)
   * so the profile opens with the same filters. The query is read from the address bar when the
   * cell is drawn: the rows arrive after the address changed (they answer it), and every new
   * rowData draws its cells anew, so it is the query the rows were built for. (It used to travel
   * in every row: up to a third of the directory's payload with a few filters set; issue 14.)
   */
  components.PartnerLink = function (props) {
    var data = props.data || {};
    var text = props.value === null || props.value === undefined ? "" : String(props.value);
    if (!data.partner_id) {
      return React.createElement("span", null, text);
    }
    var search = window.location.search;
    var query = typeof search === "string" && search.charAt(0) === "?" ? search : "";
    var href = prefix() + "partners/" + encodeURIComponent(String(data.partner_id)) + query;
    return React.createElement(
      "a",
      {
        href: href,
        onClick: function (event) {
          follow(event, href);
        },
      },
      text
    );
  };
})();
