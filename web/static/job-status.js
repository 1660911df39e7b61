/* While a background job is queued or running, poll it, show its progress, and reload the page
   when it has ended (the page then offers the file or the result). */
(function () {
  'use strict';
  var section = document.getElementById('job');
  if (!section || (section.dataset.status !== 'queued' && section.dataset.status !== 'running')) { return; }
  var labels = { queued: '排队等待工作进程', running: '进行中', done: '已完成', failed: '未能完成' };
  function poll() {
    fetch(section.dataset.jobUrl, { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
      .then(function (r) { return r.json(); })
      .then(function (job) {
        if (job.status !== 'queued' && job.status !== 'running') { window.location.reload(); return; }
        section.querySelector('.job-status').textContent = labels[job.status];
        if (job.total) {
          section.querySelector('.job-count').textContent = job.progress + ' / ' + job.total;
          var bar = section.querySelector('progress');
          bar.max = job.total; bar.value = job.progress;
        }
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 800);
})();
