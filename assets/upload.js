/* Loading from the browser (dashboards/pages/upload.py): post the files dropped on the
   upload page's dcc.Upload to the upload route as multipart/form-data (not through a callback
   body, which the request guard keeps small), then hand the route's answer to the page
   (the "upload-token" store). No text from the files is put into the page here. */
(function () {
  "use strict";

  function prefix() {
    try {
      var config = JSON.parse(document.getElementById("_dash-config").textContent);
      var p = config.requests_pathname_prefix || config.url_base_pathname || "/";
      return p.charAt(p.length - 1) === "/" ? p : p + "/";
    } catch (e) {
      return "/";
    }
  }

  function cookie(name) {
    var parts = document.cookie ? document.cookie.split("; ") : [];
    for (var i = 0; i < parts.length; i++) {
      var eq = parts[i].indexOf("=");
      if (parts[i].slice(0, eq) === name) return decodeURIComponent(parts[i].slice(eq + 1));
    }
    return "";
  }

  function toBlob(dataUrl) {
    var comma = dataUrl.indexOf(",");
    var bytes = atob(dataUrl.slice(comma + 1));
    var out = new Uint8Array(bytes.length);
    for (var i = 0; i < bytes.length; i++) out[i] = bytes.charCodeAt(i);
    return new Blob([out], { type: "application/octet-stream" });
  }

  function answer(data) {
    window.dash_clientside.set_props("upload-token", { data: data });
  }

  function send(contents, names) {
    var nothing = window.dash_clientside.no_update;
    if (!contents || !contents.length) return nothing;
    var limitNode = document.getElementById("upload-limit");
    var limit = limitNode ? parseInt(limitNode.getAttribute("data-max-bytes"), 10) : 0;
    var form = new FormData();
    var total = 0;
    for (var i = 0; i < contents.length; i++) {
      var blob = toBlob(contents[i]);
      total += blob.size;
      form.append("files", blob, (names && names[i]) || "file");
    }
    // Let the same files be dropped again: dcc.Upload fires only on a change, so its value is
    // cleared once this callback is over (a change made inside it is not kept).
    setTimeout(function () {
      window.dash_clientside.set_props("upload-drop", { contents: null, filename: null });
      var input = document.querySelector("#upload-drop input[type=file]");
      if (input) input.value = "";
    }, 0);
    if (limit && total > limit) {
      answer({ error_code: "too_large", at: Date.now() });
      return nothing;
    }
    answer({ status: "sending", at: Date.now() });
    fetch(prefix() + "admin/upload/files", {
      method: "POST",
      body: form,
      credentials: "same-origin",
      headers: { "X-CSRFToken": cookie("_csrf_token") },
    })
      .then(function (response) {
        return response
          .json()
          .catch(function () {
            return { error_code: String(response.status) };
          })
          .then(function (body) {
            if (!response.ok && !body.error_code) body.error_code = String(response.status);
            answer(Object.assign({ at: Date.now() }, body));
          });
      })
      .catch(function () {
        answer({ error_code: "network", at: Date.now() });
      });
    return nothing;
  }

  // dcc.Upload's file input (hidden; the drop zone, a button to the keyboard, opens it) has no
  // label of its own: name it as the drop zone reads ("Drop files here or click to choose
  // them", in the page's language) for assistive technology (axe: "Form elements must have
  // labels"). Dash may draw the zone again, so every new one is labelled.
  function label() {
    var zone = document.getElementById("upload-drop");
    var input = zone && zone.querySelector("input[type=file]");
    if (input && !input.hasAttribute("aria-label")) {
      input.setAttribute("aria-label", (zone.innerText || "").replace(/\s+/g, " ").trim());
    }
  }
  new MutationObserver(label).observe(document.documentElement, { childList: true, subtree: true });

  // Add to the renderer's object, never replace it (other callbacks use its helpers).
  window.dash_clientside = window.dash_clientside || {};
  window.dash_clientside.upload = { send: send };
})();
