/* The diagram editor: bpmn-js with a properties panel for what the engine reads — name, lane,
   documentation (policy source), form files, due expression, timer, condition, script, decision —
   and the deploy lint's problems shown on their elements after each save. */
(function () {
  'use strict';
  var root = document.getElementById('editor');
  var panel = document.getElementById('properties');
  var data = Studio.data();
  var editable = root.dataset.editable === 'yes';
  var modeler, modeling, moddle, canvas, overlays, registry, selection;
  var marked = [];

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  // -- spiffworkflow:properties ------------------------------------------------------------------
  function propertiesOf(bo) {
    var ext = bo.extensionElements;
    return ext && (ext.values || []).filter(function (v) { return v.$type === 'spiffworkflow:Properties'; })[0];
  }
  function getProperty(bo, name) {
    var props = propertiesOf(bo);
    var found = props && (props.properties || []).filter(function (p) { return p.name === name; })[0];
    return found ? found.value : '';
  }
  function setProperty(element, name, value) {
    var bo = element.businessObject;
    var ext = bo.extensionElements || moddle.create('bpmn:ExtensionElements', { values: [] });
    var props = propertiesOf(bo);
    if (!props) { props = moddle.create('spiffworkflow:Properties', { properties: [] }); ext.get('values').push(props); }
    var list = props.get('properties');
    var found = list.filter(function (p) { return p.name === name; })[0];
    if (value) {
      if (found) { found.value = value; } else { list.push(moddle.create('spiffworkflow:Property', { name: name, value: value })); }
    } else if (found) {
      list.splice(list.indexOf(found), 1);
    }
    modeling.updateProperties(element, { extensionElements: ext });
  }
  function calledDecision(bo) {
    var ext = bo.extensionElements;
    return ext && (ext.values || []).filter(function (v) { return v.$type === 'spiffworkflow:CalledDecisionId'; })[0];
  }

  // -- reading and writing one element ------------------------------------------------------------
  function laneOf(bo) {
    var lane = registry.filter(function (e) {
      return e.type === 'bpmn:Lane' && (e.businessObject.flowNodeRef || []).indexOf(bo) >= 0;
    })[0];
    return lane ? (lane.businessObject.name || lane.id) : '';
  }
  function timerOf(bo) {
    var def = (bo.eventDefinitions || []).filter(function (d) { return d.$type === 'bpmn:TimerEventDefinition'; })[0];
    if (!def) { return null; }
    var kind = ['timeDuration', 'timeDate', 'timeCycle'].filter(function (k) { return def[k]; })[0] || 'timeDuration';
    return { def: def, kind: kind, body: def[kind] ? def[kind].body : '' };
  }
  function fields(element) {
    var bo = element.businessObject;
    var type = element.type;
    var list = [
      { key: 'id', label: '标识', value: element.id, readonly: true },
      { key: 'name', label: '名称', value: bo.name || '' }
    ];
    if (type !== 'bpmn:SequenceFlow' && type !== 'bpmn:Process' && type !== 'bpmn:Participant' && type !== 'bpmn:Lane') {
      list.push({ key: 'lane', label: '泳道（办理岗位）', value: laneOf(bo) || '（不在泳道内）', readonly: true,
                  help: '把元素拖入另一泳道即改由该岗位办理' });
    }
    list.push({ key: 'documentation', label: '说明（政策来源：来源：文件 §条款）', value: (bo.documentation || [])[0] ? bo.documentation[0].text : '', multiline: true });
    if (type === 'bpmn:UserTask' || type === 'bpmn:StartEvent') {
      list.push({ key: 'form', label: '表单文件', value: getProperty(bo, 'formJsonSchemaFilename'), options: data.forms.filter(function (f) { return /\.schema\.json$/.test(f); }) });
    }
    if (type === 'bpmn:UserTask') {
      list.push({ key: 'uiform', label: '界面表单（可选）', value: getProperty(bo, 'formUiSchemaFilename'), options: [''].concat(data.forms.filter(function (f) { return /\.uischema\.json$/.test(f); })) });
      list.push({ key: 'due', label: '办理期限表达式', value: getProperty(bo, 'dueExpression'), help: "如 after_working_days(param('review_working_days'))" });
    }
    var timer = timerOf(bo);
    if (timer) {
      list.push({ key: 'timerKind', label: '定时类型', value: timer.kind, options: ['timeDuration', 'timeDate', 'timeCycle'], labels: { timeDuration: '持续时间', timeDate: '到期时间', timeCycle: '循环' } });
      list.push({ key: 'timer', label: '定时表达式', value: timer.body, help: "持续时间如 days(param('publicity_days'))；已在等待的定时保持原到期时间" });
    }
    if (type === 'bpmn:SequenceFlow') {
      list.push({ key: 'condition', label: '条件表达式', value: bo.conditionExpression ? bo.conditionExpression.body : '', help: "如 amount <= param('township_pay_first_limit')" });
    }
    if (type === 'bpmn:ScriptTask') {
      list.push({ key: 'script', label: '脚本', value: bo.script || '', multiline: true, code: true });
    }
    if (type === 'bpmn:BusinessRuleTask') {
      var decision = calledDecision(bo);
      list.push({ key: 'decision', label: '决策表标识', value: decision ? decision.value : '' });
    }
    if (type === 'bpmn:CallActivity') {
      list.push({ key: 'called', label: '调用的流程', value: bo.calledElement || '' });
    }
    return list;
  }
  function write(element, key, value) {
    var bo = element.businessObject;
    if (key === 'name') { modeling.updateLabel(element, value); }
    else if (key === 'documentation') {
      modeling.updateProperties(element, { documentation: value ? [moddle.create('bpmn:Documentation', { text: value })] : [] });
    }
    else if (key === 'form') { setProperty(element, 'formJsonSchemaFilename', value); }
    else if (key === 'uiform') { setProperty(element, 'formUiSchemaFilename', value); }
    else if (key === 'due') { setProperty(element, 'dueExpression', value); }
    else if (key === 'timer' || key === 'timerKind') {
      var timer = timerOf(bo);
      var kind = key === 'timerKind' ? value : timer.kind;
      var body = key === 'timer' ? value : timer.body;
      var changes = { timeDuration: undefined, timeDate: undefined, timeCycle: undefined };
      changes[kind] = moddle.create('bpmn:FormalExpression', { body: body });
      modeling.updateModdleProperties(element, timer.def, changes);
    }
    else if (key === 'condition') {
      modeling.updateProperties(element, { conditionExpression: value ? moddle.create('bpmn:FormalExpression', { body: value }) : undefined });
    }
    else if (key === 'script') { modeling.updateProperties(element, { script: value }); }
    else if (key === 'decision') {
      var found = calledDecision(bo);
      if (found) { found.value = value; modeling.updateProperties(element, { extensionElements: bo.extensionElements }); }
      else if (value) {
        var ext = bo.extensionElements || moddle.create('bpmn:ExtensionElements', { values: [] });
        ext.get('values').push(moddle.create('spiffworkflow:CalledDecisionId', { value: value }));
        modeling.updateProperties(element, { extensionElements: ext });
      }
    }
    else if (key === 'called') { modeling.updateProperties(element, { calledElement: value }); }
  }

  function render(element) {
    panel.innerHTML = '';
    if (!element) { panel.appendChild(el('p', { 'class': 'empty' }, '点选流程图中的元素以编辑其属性。')); return; }
    panel.appendChild(el('h2', {}, element.businessObject.name || element.id));
    panel.appendChild(el('p', { 'class': 'sub' }, element.type.replace('bpmn:', '')));
    fields(element).forEach(function (f) {
      var id = 'prop-' + f.key;
      var wrap = el('div', { 'class': 'field', 'data-key': f.key });
      wrap.appendChild(el('label', { 'for': id }, f.label));
      var input;
      if (f.options) {
        input = el('select', { id: id, name: f.key });
        var options = f.options.indexOf(f.value) >= 0 || !f.value ? f.options : [f.value].concat(f.options);
        options.forEach(function (o) {
          var opt = el('option', { value: o }, f.labels ? f.labels[o] : (o || '（无）'));
          if (o === f.value) { opt.selected = true; }
          input.appendChild(opt);
        });
      } else if (f.multiline) {
        input = el('textarea', { id: id, name: f.key, rows: f.code ? 8 : 3, 'class': f.code ? 'code' : '' });
        input.value = f.value;
      } else {
        input = el('input', { id: id, name: f.key, type: 'text' });
        input.value = f.value;
      }
      if (f.readonly || !editable) { input.setAttribute(f.options ? 'disabled' : 'readonly', ''); }
      else {
        input.addEventListener('change', function () { write(element, f.key, input.value); });
      }
      wrap.appendChild(input);
      if (f.help) { wrap.appendChild(el('p', { 'class': 'help' }, f.help)); }
      panel.appendChild(wrap);
    });
    var own = data.problems.filter(function (p) { return p.element_id === element.id; });
    own.forEach(function (p) { panel.appendChild(el('p', { 'class': 'field-error' }, p.message)); });
  }

  // -- problems on their elements -----------------------------------------------------------------
  function mark(problems) {
    data.problems = problems;
    marked.forEach(function (id) { if (registry.get(id)) { canvas.removeMarker(id, 'lint-error'); } });
    overlays.remove({ type: 'lint' });
    marked = [];
    problems.forEach(function (p) {
      if (!p.element_id || !registry.get(p.element_id) || p.severity !== 'error') { return; }
      canvas.addMarker(p.element_id, 'lint-error');
      var badge = el('div', { 'class': 'lint-badge', title: p.message, 'data-element': p.element_id }, '!');
      overlays.add(p.element_id, 'lint', { position: { top: -10, right: 10 }, html: badge });
      marked.push(p.element_id);
    });
    Studio.showProblems(problems, pick);
  }
  function pick(id) {
    var element = registry.get(id);
    if (!element) { return; }
    selection.select(element);
    if (canvas.scrollToElement) { canvas.scrollToElement(element); }
  }

  fetch(root.dataset.moddleUrl).then(function (r) { return r.json(); }).then(function (descriptor) {
    modeler = new BpmnJS({ container: '#canvas', moddleExtensions: { spiffworkflow: descriptor } });
    return modeler.importXML(data.text);
  }).then(function () {
    modeling = modeler.get('modeling'); moddle = modeler.get('moddle'); canvas = modeler.get('canvas');
    overlays = modeler.get('overlays'); registry = modeler.get('elementRegistry'); selection = modeler.get('selection');
    canvas.zoom('fit-viewport');
    modeler.on('selection.changed', function (event) { render(event.newSelection[0]); });
    modeler.on('element.changed', function (event) {
      var current = selection.get()[0];
      if (current && current.id === event.element.id && !panel.contains(document.activeElement)) { render(current); }
    });
    modeler.on('commandStack.changed', Studio.changed);
    mark(data.problems);
    if (window.location.hash.length > 1) { pick(decodeURIComponent(window.location.hash.slice(1))); }
    root.dataset.ready = 'yes';
  }).catch(function (err) { Studio.status('无法打开流程图：' + err.message, 'error'); });

  var button = document.getElementById('save');
  if (button) {
    button.addEventListener('click', function () {
      modeler.saveXML({ format: true }).then(function (result) {
        return Studio.save(root.dataset.saveUrl, result.xml);
      }).then(mark);
    });
  }
})();
