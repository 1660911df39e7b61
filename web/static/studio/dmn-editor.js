/* Decision tables in dmn-js: the table view of the file's decision, saved as DMN XML. */
(function () {
  'use strict';
  var root = document.getElementById('editor');
  var data = Studio.data();
  var modeler = new DmnJS({ container: '#canvas' });
  modeler.importXML(data.text).then(function () {
    var table = modeler.getViews().filter(function (v) { return v.type === 'decisionTable'; })[0];
    if (table) { return modeler.open(table); }
  }).catch(function (err) { Studio.status('无法打开决策表：' + err.message, 'error'); });
  Studio.showProblems(data.problems);
  var button = document.getElementById('save');
  if (button) {
    button.addEventListener('click', function () {
      modeler.saveXML({ format: true }).then(function (result) {
        return Studio.save(root.dataset.saveUrl, result.xml);
      }).then(function (problems) { Studio.showProblems(problems); });
    });
  }
})();
