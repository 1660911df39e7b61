/* Form schema editor: JSON on the left, the form as the inbox renders it (server side, same renderer)
   on the right, refreshed while typing. */
(function () {
  'use strict';
  var root = document.getElementById('editor');
  var source = document.getElementById('source');
  var preview = document.getElementById('preview');
  var timer = null;
  function refresh() {
    Studio.post(root.dataset.previewUrl, { schema: source.value })
      .then(function (r) { return r.text(); })
      .then(function (html) { preview.innerHTML = html; })
      .catch(function () { preview.textContent = '预览失败'; });
  }
  preview.addEventListener('submit', function (event) { event.preventDefault(); });
  source.addEventListener('input', function () { Studio.changed(); clearTimeout(timer); timer = setTimeout(refresh, 400); });
  refresh();
  var button = document.getElementById('save');
  if (button) {
    button.addEventListener('click', function () {
      Studio.save(root.dataset.saveUrl, source.value).then(function (problems) { Studio.showProblems(problems); });
    });
  }
})();
