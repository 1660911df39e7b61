/* Decision tables in dmn-js, in Chinese: the table view of the file's decision, saved as DMN XML;
   rule cells show the labels the inputs' values stand for; leaving with unsaved edits asks first. */
(function () {
  'use strict';
  var root = document.getElementById('editor');
  var data = Studio.data();
  // dmn-js's own words (its translate service, https://github.com/bpmn-io/dmn-js), in Chinese.
  var WORDS = {
    'Hit Policy': '命中策略', 'Hit Policy:': '命中策略：', 'Hit policy': '命中策略', 'Hit policy:': '命中策略：', 'Unique': '唯一（Unique）', 'First': '首条（First）',
    'Priority': '优先（Priority）', 'Any': '任一（Any）', 'Collect': '汇总（Collect）',
    'Rule Order': '规则顺序（Rule Order）', 'Output Order': '输出顺序（Output Order）',
    'Input': '输入', 'Output': '输出', 'Annotation': '说明', 'Annotations': '说明',
    'When': '当', 'And': '且', 'Then': '则',
    'Add Rule': '添加规则', 'Add rule': '添加规则', 'Add Input': '添加输入', 'Add Output': '添加输出',
    'Add input': '添加输入', 'Add output': '添加输出',
    'Remove': '删除', 'Remove rule': '删除规则', 'Remove input': '删除输入', 'Remove output': '删除输出',
    'Copy rule above': '复制到上方', 'Copy rule below': '复制到下方',
    'Add rule above': '在上方添加规则', 'Add rule below': '在下方添加规则',
    'Add input left': '在左侧添加输入', 'Add input right': '在右侧添加输入',
    'Add output left': '在左侧添加输出', 'Add output right': '在右侧添加输出',
    'Copy input left': '复制到左侧', 'Copy input right': '复制到右侧',
    'Copy output left': '复制到左侧', 'Copy output right': '复制到右侧',
    'Rule': '规则', 'Expression': '表达式', 'Expression Language': '表达式语言',
    'Input Label': '输入名称', 'Output Label': '输出名称', 'Output Name': '输出变量',
    'Type': '类型', 'Type:': '类型：', 'Predefined Values': '可选值', 'Add Values': '添加可选值',
    'Strings': '文本', 'Match one': '等于其一', 'Match none': '不等于任一', 'Match all': '全部',
    'Input Values': '输入取值', 'Output Values': '输出取值', 'Cell': '单元格', 'Value': '值',
    'Comparison': '比较', 'Range': '区间', 'Include': '包含', 'Exclude': '不含',
    'Equals': '等于', 'Less': '小于', 'Less or equal': '小于等于', 'Greater': '大于',
    'Greater or equal': '大于等于', 'Start': '起', 'End': '止', 'Yes': '是', 'No': '否',
    'Boolean': '是/否', 'String': '文本', 'Number': '数字', 'Date': '日期',
    'Edit string': '编辑文本', 'Edit number': '编辑数字', 'Edit boolean': '编辑是/否', 'Edit date': '编辑日期',
    'View DRD': '查看决策需求图', 'Decision Table': '决策表', 'Decision': '决策',
    '- (any)': '-（任意）', 'Collect (Sum)': '汇总（求和）', 'Collect (Min)': '汇总（最小）',
    'Collect (Max)': '汇总（最大）', 'Collect (Count)': '汇总（计数）'
  };
  function translate(template, replacements) {
    var text = WORDS[template] || template;
    return text.replace(/{([^}]+)}/g, function (_, key) { return (replacements || {})[key] || '{' + key + '}'; });
  }
  var chinese = { translate: ['value', translate] };
  // Per view: dmn-js passes each view only its own additionalModules (common ones are dropped).
  var modeler = new DmnJS({
    container: '#canvas',
    drd: { additionalModules: [chinese] },
    decisionTable: { additionalModules: [chinese] },
    literalExpression: { additionalModules: [chinese] }
  });

  // What the codes in the rule cells stand for ('major' -> 重大生活困难, true -> 是), from the forms.
  var LABELS = { 'true': '是', 'false': '否' };
  (data.value_labels || []).forEach(function (pair) { LABELS[pair[0]] = pair[1]; });
  function labelCells() {
    document.querySelectorAll('#canvas td.input-cell, #canvas td.output-cell').forEach(function (cell) {
      var raw = (cell.textContent || '').trim();
      var key = raw.replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1');
      var label = LABELS[key] || LABELS[raw];
      if (label) { cell.setAttribute('data-label', label); cell.title = label + '（' + raw + '）'; }
      else { cell.removeAttribute('data-label'); }
    });
  }

  modeler.importXML(data.text).then(function () {
    var table = modeler.getViews().filter(function (v) { return v.type === 'decisionTable'; })[0];
    if (table) { return modeler.open(table); }
  }).then(function () {
    var viewer = modeler.getActiveViewer();
    if (viewer) {
      viewer.get('eventBus').on('elements.changed', function () { Studio.changed(); window.setTimeout(labelCells, 0); });
    }
    labelCells();
    root.dataset.ready = 'yes';
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
