/* Form schema editor: 表单设计 (form-builder.js) or, as the advanced view, the JSON itself; the
   form as the inbox renders it (server side, same renderer) beside either, refreshed while editing. */
(function () {
  'use strict';
  var root = document.getElementById('editor');
  var source = document.getElementById('source');
  var preview = document.getElementById('preview');
  var builder = document.getElementById('builder');
  var jsonView = document.getElementById('json-view');
  var showBuilder = document.getElementById('show-builder');
  var showJson = document.getElementById('show-json');
  var switchNote = document.getElementById('view-note');
  var editable = root.dataset.editable === 'yes';
  var timer = null;
  function refresh() {
    Studio.post(root.dataset.previewUrl, { schema: source.value })
      .then(function (r) { return r.text(); })
      .then(function (html) { preview.innerHTML = html; root.dataset.previewed = String(Number(root.dataset.previewed || 0) + 1); })
      .catch(function () { preview.textContent = '预览失败'; });
  }
  function later() { clearTimeout(timer); timer = setTimeout(refresh, 400); }
  preview.addEventListener('submit', function (event) { event.preventDefault(); });
  source.addEventListener('input', function () { Studio.changed(); later(); });

  function fromBuilder(schema) {
    source.value = JSON.stringify(schema, null, 2) + '\n';
    Studio.changed();
    later();
  }
  /* The builder reads the JSON each time it is shown: edits made in the JSON are not lost. */
  function openBuilder() {
    var schema;
    try { schema = JSON.parse(source.value); } catch (err) { schema = null; }
    if (!schema || typeof schema !== 'object' || Array.isArray(schema)) {
      switchNote.textContent = 'JSON 有错误，改正后才能切换到表单设计。';
      return false;
    }
    switchNote.textContent = '';
    if (!schema.properties || typeof schema.properties !== 'object') { schema.properties = {}; }
    FormBuilder.mount(builder, schema, fromBuilder);
    if (!editable) { builder.querySelectorAll('input, select, textarea, button').forEach(function (c) { c.disabled = true; }); }
    return true;
  }
  function show(which) {
    if (which === 'builder' && !openBuilder()) { return; }
    builder.hidden = which !== 'builder';
    jsonView.hidden = which === 'builder';
    showBuilder.setAttribute('aria-pressed', String(which === 'builder'));
    showJson.setAttribute('aria-pressed', String(which !== 'builder'));
  }
  showBuilder.addEventListener('click', function () { show('builder'); });
  showJson.addEventListener('click', function () { show('json'); });
  document.getElementById('view-switch').hidden = false;
  show('builder');  /* invalid JSON: the JSON stays in view, with the note */
  refresh();
  var button = document.getElementById('save');
  if (button) {
    button.addEventListener('click', function () {
      Studio.save(root.dataset.saveUrl, source.value).then(function (problems) { Studio.showProblems(problems); });
    });
  }
  root.dataset.ready = 'yes';
})();
