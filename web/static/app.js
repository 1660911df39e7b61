// 救助 forms in the browser: conditional fields (if/then) shown and hidden, list items added and
// removed, and a submit button that cannot be pressed twice. The server does the same checks, so
// every form also works without this file.
(function () {
  "use strict";

  function fieldOf(form, name) {
    return form.querySelector('.field[data-name="' + CSS.escape(name) + '"]');
  }

  function valueOf(form, name) {
    var wrapper = fieldOf(form, name);
    if (!wrapper || wrapper.hidden) return undefined;
    var kind = wrapper.dataset.kind;
    var inputs = Array.prototype.filter.call(form.elements, function (el) { return el.name === name && !el.disabled; });
    if (kind === "multi") {
      return inputs.filter(function (el) { return el.type === "checkbox" && el.checked; }).map(function (el) { return el.value; });
    }
    if (kind === "radio" || kind === "boolean") {
      var picked = inputs.filter(function (el) { return el.checked; })[0];
      if (!picked) return undefined;
      return kind === "boolean" ? picked.value === "true" : picked.value;
    }
    if (kind === "confirm") {
      return inputs[0] && inputs[0].checked ? true : undefined;
    }
    if (kind === "object" || kind === "array") return {};
    var raw = inputs[0] ? inputs[0].value.trim() : "";
    if (raw === "") return undefined;
    if (kind === "integer" || kind === "number") return isNaN(Number(raw)) ? raw : Number(raw);
    return raw;
  }

  function equal(a, b) { return JSON.stringify(a) === JSON.stringify(b); }

  // The part of JSON Schema the forms' `if` clauses use: properties, const, enum, contains, required, not.
  function matches(schema, value) {
    if (schema === true || schema === undefined) return true;
    if (schema === false) return false;
    if (schema.not && matches(schema.not, value)) return false;
    if ("const" in schema && !equal(schema.const, value)) return false;
    if (schema["enum"] && !schema["enum"].some(function (v) { return equal(v, value); })) return false;
    if (schema.contains && !(Array.isArray(value) && value.some(function (v) { return matches(schema.contains, v); }))) return false;
    if (schema.required && !schema.required.every(function (key) { return value && value[key] !== undefined; })) return false;
    if (schema.properties && value && typeof value === "object") {
      for (var key in schema.properties) {
        if (value[key] !== undefined && !matches(schema.properties[key], value[key])) return false;
      }
    }
    if (schema.allOf && !schema.allOf.every(function (s) { return matches(s, value); })) return false;
    return true;
  }

  function keysOf(schema, into) {
    if (!schema || typeof schema !== "object") return into;
    Object.keys(schema.properties || {}).forEach(function (k) { into[k] = true; });
    (schema.required || []).forEach(function (k) { into[k] = true; });
    if (schema.not) keysOf(schema.not, into);
    (schema.allOf || []).forEach(function (s) { keysOf(s, into); });
    return into;
  }

  function refresh(form) {
    // Fields nearer the top decide later ones (a chain like 转介去向 -> 同意 -> 同意记录): two passes settle it.
    for (var pass = 0; pass < 2; pass++) {
      form.querySelectorAll(".field[data-conditions]").forEach(function (wrapper) {
        var conditions = JSON.parse(wrapper.dataset.conditions);
        var parent = wrapper.dataset.parent || "";
        var shown = conditions.some(function (condition) {
          var data = {};
          Object.keys(keysOf(condition, {})).forEach(function (key) {
            var v = valueOf(form, parent + key);
            if (v !== undefined) data[key] = v;
          });
          return matches(condition, data);
        });
        if (wrapper.hidden === !shown) return;
        wrapper.hidden = !shown;
        wrapper.querySelectorAll("input, select, textarea, button").forEach(function (el) { el.disabled = !shown; });
      });
    }
  }

  function addItem(button) {
    var list = button.closest("fieldset.array");
    var index = Number(list.dataset.next || 0);
    list.dataset.next = String(index + 1);
    var html = list.querySelector(":scope > template").innerHTML.split("__i__").join(String(index));
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var item = holder.firstElementChild;
    list.querySelector(":scope > .items").appendChild(item);
    var title = item.querySelector("legend, label");
    if (title && title.firstChild) title.firstChild.textContent = title.firstChild.textContent.trim() + " " + (list.querySelectorAll(":scope > .items > .item").length);
    var first = item.querySelector("input, select, textarea");
    if (first) first.focus();
  }

  // Focus goes where the removed item was: the next item's first control, else the add button.
  function removeItem(button) {
    var item = button.closest(".item");
    var list = item.closest("fieldset.array");
    var next = item.nextElementSibling;
    item.remove();
    var target = next && next.querySelector("input:not([type=hidden]), select, textarea");
    (target || list.querySelector(":scope > .add-item")).focus();
  }

  // After a rejected submit: the error summary takes focus (read out first); its links go to the
  // field, focus it and show its label above the sticky header/submit bar.
  var summary = document.querySelector(".error-summary");
  if (summary) {
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (!link) return;
      var control = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
      if (!control) return;
      event.preventDefault();
      var wrapper = control.closest(".field");
      control.focus({ preventScroll: true });
      (wrapper || control).scrollIntoView({ block: "start" });
    });
  }

  document.querySelectorAll("form.schema-form").forEach(function (form) {
    form.querySelectorAll(".field[data-conditions][hidden]").forEach(function (wrapper) {
      wrapper.querySelectorAll("input, select, textarea, button").forEach(function (el) { el.disabled = true; });
    });
    form.addEventListener("change", function () { refresh(form); });
    form.addEventListener("input", function () { refresh(form); });
    form.addEventListener("click", function (event) {
      var target = event.target;
      if (target.classList.contains("add-item")) { addItem(target); refresh(form); }
      if (target.classList.contains("remove-item")) { removeItem(target); refresh(form); }
    });
    refresh(form);
  });

  // Files over the request's size cap would be refused with a page that loses what was typed: say
  // so beside the files instead, before sending (form[data-max-bytes]; the server checks again).
  document.querySelectorAll("form[data-max-bytes]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var limit = Number(form.dataset.maxBytes), total = 0;
      form.querySelectorAll('input[type="file"]').forEach(function (input) {
        Array.prototype.forEach.call(input.files || [], function (f) { total += f.size; });
      });
      var note = form.querySelector(".files-too-large");
      if (total <= limit - 512 * 1024) { if (note) note.remove(); return; }
      event.preventDefault();
      event.stopImmediatePropagation();
      if (!note) {
        note = document.createElement("p");
        note.className = "field-error files-too-large";
        note.setAttribute("role", "alert");
        var files = form.querySelector('input[type="file"]');
        files.closest("fieldset").insertBefore(note, files.closest(".field"));
      }
      note.textContent = "所选文件合计 " + (total / 1048576).toFixed(1) + " MB，超过一次提交的上限 " +
        Math.floor(limit / 1048576) + " MB：请少选几个文件，其余材料受理时再补交。";
    });
  });

  // What cannot be undone asks first: a form or a button with data-confirm="…" (the server still
  // checks everything; without this file the action simply happens).
  document.querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var button = event.submitter;
      var question = (button && button.dataset.confirm) || form.dataset.confirm;
      // A refusal (不予受理、不予救助) is final: asked only when it is the decision being submitted.
      var refusing = form.dataset.confirmRefusal && !(button && button.hasAttribute("formnovalidate")) &&
        !(button && button.name === "_action") &&
        form.querySelector('input[value="refuse"]:checked, option[value="refuse"]:checked');
      if (!question && refusing) question = form.dataset.confirmRefusal;
      if (question && !window.confirm(question)) event.preventDefault();
    });
  });

  // One submission per form: a double click or an impatient second press sends nothing more.
  document.querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (event.defaultPrevented) return;
      if (form.dataset.sent === "1") { event.preventDefault(); return; }
      form.dataset.sent = "1";
      var pressed = event.submitter;
      // Later, so the pressed button's name and value (保存草稿, 上传) still go with the form.
      window.setTimeout(function () {
        form.querySelectorAll('button[type="submit"]').forEach(function (b) {
          b.disabled = true;
          b.dataset.label = b.dataset.label || b.textContent;
          if (b === pressed || !pressed) b.textContent = "提交中…";
        });
      }, 0);
    });
  });
  // Coming back with the back button shows the page from the cache: let it be sent (the server refuses a repeat).
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form").forEach(function (form) {
      form.dataset.sent = "";
      form.querySelectorAll('button[type="submit"]').forEach(function (b) {
        b.disabled = false;
        if (b.dataset.label) b.textContent = b.dataset.label;
      });
    });
  });

  // 长辈版: a class on <html> the server also sets from the cookie (so pages open in it without a
  // flash); localStorage brings the cookie back if it was cleared.
  var ELDER_COOKIE = "elder";
  function keepElder(on) {
    document.cookie = ELDER_COOKIE + "=" + (on ? "1" : "0") + "; path=/; max-age=31536000; SameSite=Lax";
    try { window.localStorage.setItem(ELDER_COOKIE, on ? "1" : "0"); } catch (e) { /* private mode */ }
  }
  function showElder(on) {
    document.documentElement.classList.toggle("elder", on);
    document.querySelectorAll("button.elder-switch").forEach(function (b) { b.setAttribute("aria-pressed", on ? "true" : "false"); });
  }
  var stored = null;
  try { stored = window.localStorage.getItem(ELDER_COOKIE); } catch (e) { /* private mode */ }
  if (stored !== null && document.cookie.indexOf(ELDER_COOKIE + "=") === -1) {
    keepElder(stored === "1");
    showElder(stored === "1");
  }
  document.querySelectorAll("button.elder-switch").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", function () {
      var on = !document.documentElement.classList.contains("elder");
      showElder(on);
      keepElder(on);
    });
  });

  document.querySelectorAll("button.print").forEach(function (b) { b.addEventListener("click", function () { window.print(); }); });
})();
