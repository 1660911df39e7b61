/* While a scenario run is going (a job of `jiuzhu worker`), poll it, show how many scenarios have
   finished, and reload the draft page when it has finished. */
(function () {
  'use strict';
  var section = document.getElementById('run');
  if (!section || section.dataset.running !== 'yes' || !section.dataset.runUrl) { return; }
  function poll() {
    fetch(section.dataset.runUrl, { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
      .then(function (r) { return r.json(); })
      .then(function (run) {
        if (run.status !== 'running') { window.location.reload(); return; }
        var job = run.job, text = section.querySelector('.run-progress'), bar = section.querySelector('progress');
        if (job && text) {
          text.textContent = job.status === 'queued' ? '排队等待工作进程'
            : (job.total ? '已完成 ' + job.progress + ' / ' + job.total + ' 个场景' : '准备中');
        }
        if (job && bar && job.total) { bar.max = job.total; bar.value = job.progress; }
        setTimeout(poll, 1500);
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 1500);
})();
