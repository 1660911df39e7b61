/* The dashboard's charts (Chart.js): applications and amounts per month, stacked by category. */
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('chart-data').textContent);
  var colours = { emergency: '#b4232a', expenditure: '#2563eb', major: '#a86200', unclassified: '#9aa5b1' };
  function datasets(table) {
    return data.categories.map(function (c) {
      return { label: c.label, data: data[table][c.code], backgroundColor: colours[c.code] || '#616e7c' };
    });
  }
  function chart(id, table) {
    var canvas = document.getElementById(id);
    if (!canvas || typeof Chart === 'undefined') { return; }
    canvas.chart = new Chart(canvas, {
      type: 'bar',
      data: { labels: data.months, datasets: datasets(table) },
      options: { animation: false, responsive: true, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } }
    });
  }
  chart('chart-applications', 'applications');
  chart('chart-amounts', 'amounts');
})();
