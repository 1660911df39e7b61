/* Shared by the studio's editors: CSRF-protected JSON posts and the list of lint problems. */
window.Studio = (function () {
  'use strict';
  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : '';
  }
  function post(url, body) {
    return fetch(url, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'Accept': 'application/json', 'X-CSRFToken': csrf() },
      body: JSON.stringify(body)
    });
  }
  function status(text, kind) {
    var el = document.getElementById('save-status');
    if (el) { el.textContent = text; el.className = kind || ''; }
  }
  /* Show problems in #problem-list; `onPick(elementId)` runs when one is clicked. */
  function showProblems(problems, onPick) {
    var list = document.getElementById('problem-list');
    list.innerHTML = '';
    if (!problems.length) {
      var ok = document.createElement('li'); ok.className = 'ok'; ok.textContent = '检查通过，暂无问题。';
      list.appendChild(ok);
      return;
    }
    problems.forEach(function (p) {
      var li = document.createElement('li');
      li.className = p.severity;
      li.dataset.element = p.element_id || '';
      if (p.element_id) {
        var a = document.createElement('a');
        a.href = '#' + p.element_id; a.textContent = p.element_id;
        a.addEventListener('click', function (event) { if (onPick) { event.preventDefault(); onPick(p.element_id); } });
        li.appendChild(a); li.appendChild(document.createTextNode('：'));
      }
      li.appendChild(document.createTextNode(p.message));
      list.appendChild(li);
    });
  }
  /* Unsaved edits: leaving the page (a link, reload, closing the tab) asks first. */
  var dirty = false;
  window.addEventListener('beforeunload', function (event) {
    if (!dirty) { return; }
    event.preventDefault();
    event.returnValue = '';
  });
  function changed() {
    if (!dirty) { status('有未保存的修改', 'warn'); }
    dirty = true;
  }
  function save(url, text) {
    status('正在保存并检查…');
    return post(url, { text: text }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) { throw new Error(body.message || body.detail || ('保存失败（' + response.status + '）')); }
        dirty = false;
        var errors = body.problems.filter(function (p) { return p.severity === 'error'; }).length;
        status(errors ? '已保存：' + errors + ' 个问题需改正' : '已保存，检查通过', errors ? 'error' : 'ok');
        return body.problems;
      });
    }).catch(function (err) { status(err.message, 'error'); throw err; });
  }
  function data() { return JSON.parse(document.getElementById('editor-data').textContent); }
  return {
    post: post, save: save, status: status, showProblems: showProblems, data: data, changed: changed,
    isDirty: function () { return dirty; }
  };
})();
