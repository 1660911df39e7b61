/* While a scenario run is going, poll it and reload the draft page when it has finished. */
(function () {
  'use strict';
  var section = document.getElementById('run');
  if (!section || section.dataset.running !== 'yes' || !section.dataset.runUrl) { return; }
  function poll() {
    fetch(section.dataset.runUrl, { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
      .then(function (r) { return r.json(); })
      .then(function (run) {
        if (run.status === 'running') { setTimeout(poll, 2000); } else { window.location.reload(); }
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 1500);
})();
