// The case diagram in the bpmn-js viewer (from npm, copied to static/vendor by scripts/vendor_assets.py):
// elements the case reached are marked done, its open tasks marked open.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("diagram-data").textContent);
  var container = document.getElementById("diagram");
  var choice = document.getElementById("diagram-choice");
  var viewer = new window.BpmnJS({ container: container });

  function show(index) {
    var diagram = data[index];
    viewer.importXML(diagram.xml).then(function () {
      var canvas = viewer.get("canvas");
      var registry = viewer.get("elementRegistry");
      diagram.completed.forEach(function (id) { if (registry.get(id)) canvas.addMarker(id, "done"); });
      diagram.open_tasks.forEach(function (id) { if (registry.get(id)) canvas.addMarker(id, "open-task"); });
      canvas.zoom("fit-viewport");
      container.dataset.shown = diagram.process_id;
    }).catch(function (err) {
      container.textContent = "流程图无法显示：" + err.message;
    });
  }

  // 放大 / 缩小 / 适合窗口: the diagram is wide; on a phone a clerk zooms to the open task.
  document.querySelectorAll("[data-zoom]").forEach(function (button) {
    button.addEventListener("click", function () {
      var canvas = viewer.get("canvas");
      var how = button.dataset.zoom;
      if (how === "fit") canvas.zoom("fit-viewport");
      else canvas.zoom(canvas.zoom() * (how === "in" ? 1.25 : 0.8));
      container.dataset.zoom = canvas.zoom().toFixed(2);
    });
  });

  var start = 0;
  data.forEach(function (d, i) { if (d.open_tasks.length) start = i; });
  choice.value = String(start);
  choice.addEventListener("change", function () { show(Number(choice.value)); });
  show(start);
})();
