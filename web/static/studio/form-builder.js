/* 表单设计: the common field types edited as a list, written as JSON Schema in the project's
   conventions (titles in Chinese, a required list, choices as oneOf const/title, x-id-number, money
   as whole 元). What the builder does not know (conditions, x-bind, x-prefill, other keys of a
   field) is kept as it was; such fields can still be moved and removed, and edited in the JSON.
   FormBuilder.mount(container, schema, onChange) draws it; onChange(schema) after every edit. */
window.FormBuilder = (function () {
  'use strict';

  var ID_PATTERN = '^[1-9]\\d{5}(18|19|20)\\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\\d|3[01])\\d{3}[\\dX]$';
  var ID_HELP = '18位居民身份证号码，末位校验码按 GB 11643 计算（X 大写）';
  var YUAN = '（单位：元，整数）';
  var KEY_PATTERN = /^[a-z][a-z0-9_]{0,49}$/;
  var RELATIONS = [
    ['spouse', '配偶'], ['child', '子女'], ['parent', '父母'], ['grandparent', '祖父母/外祖父母'],
    ['grandchild', '孙子女/外孙子女'], ['sibling', '兄弟姐妹'], ['other', '其他共同生活成员']
  ];

  var KINDS = {
    text: { title: '文本', fresh: function () { return { type: 'string', title: '文本', minLength: 1, maxLength: 200 }; } },
    number: { title: '数字', fresh: function () { return { type: 'integer', title: '数字', minimum: 0 }; } },
    money: { title: '金额（元）', fresh: function () { return { type: 'integer', title: '金额', minimum: 0, description: YUAN }; } },
    date: { title: '日期', fresh: function () { return { type: 'string', format: 'date', title: '日期' }; } },
    choice: {
      title: '单项选择',
      fresh: function () {
        return { type: 'string', title: '选择', oneOf: [{ const: 'option_1', title: '选项一' }, { const: 'option_2', title: '选项二' }] };
      }
    },
    id_number: {
      title: '身份证号',
      fresh: function () { return { type: 'string', title: '公民身份号码', pattern: ID_PATTERN, 'x-id-number': true, description: ID_HELP }; }
    },
    members: {
      title: '家庭成员',
      fresh: function () {
        return {
          type: 'array', title: '共同生活家庭成员',
          items: {
            type: 'object', title: '家庭成员', additionalProperties: false, required: ['name', 'id_number', 'relation'],
            properties: {
              name: { type: 'string', title: '姓名', minLength: 1, maxLength: 50 },
              id_number: KINDS.id_number.fresh(),
              relation: {
                type: 'string', title: '与申请人关系',
                oneOf: RELATIONS.map(function (r) { return { const: r[0], title: r[1] }; })
              }
            }
          }
        };
      }
    }
  };

  function kindOf(prop) {
    if (!prop || typeof prop !== 'object') { return 'other'; }
    if (prop.type === 'array' && prop.items && prop.items.type === 'object' && prop.items.properties &&
        prop.items.properties.name && prop.items.properties.id_number) { return 'members'; }
    if (prop.type === 'string') {
      if (prop['x-id-number']) { return 'id_number'; }
      if (Array.isArray(prop.oneOf) && prop.oneOf.every(function (o) { return o && 'const' in o; })) { return 'choice'; }
      if (prop.format === 'date') { return 'date'; }
      if (!prop.format && !prop.enum && !prop.oneOf) { return 'text'; }
      return 'other';
    }
    if (prop.type === 'integer' && typeof prop.description === 'string' && prop.description.indexOf('单位：元') !== -1) { return 'money'; }
    if (prop.type === 'integer' || prop.type === 'number') { return 'number'; }
    return 'other';
  }

  /* The limits each kind offers: [schema key, label]. */
  var LIMITS = {
    text: [['minLength', '最少字数'], ['maxLength', '最多字数']],
    number: [['minimum', '最小值'], ['maximum', '最大值']],
    money: [['minimum', '最少（元）'], ['maximum', '最多（元）']],
    members: [['minItems', '最少人数'], ['maxItems', '最多人数']]
  };

  /* Each lower limit's upper one, and back: a lower limit above its upper one is refused. */
  var PAIRS = { minLength: 'maxLength', minimum: 'maximum', minItems: 'maxItems' };
  var LOWER = { maxLength: 'minLength', maximum: 'minimum', maxItems: 'minItems' };

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === 'text') { node.textContent = attrs[name]; } else if (attrs[name] !== null && attrs[name] !== undefined) { node.setAttribute(name, attrs[name]); }
    });
    (children || []).forEach(function (child) { if (child) { node.appendChild(child); } });
    return node;
  }

  function mount(container, schema, onChange) {
    var fields = Object.keys(schema.properties || {}).map(function (key) {
      return { key: key, prop: schema.properties[key], required: (schema.required || []).indexOf(key) !== -1 };
    });
    var live = el('p', { 'class': 'visually-hidden', role: 'status', 'aria-live': 'polite' });

    function write() {
      var properties = {};
      fields.forEach(function (f) { properties[f.key] = f.prop; });
      schema.properties = properties;
      schema.required = fields.filter(function (f) { return f.required; }).map(function (f) { return f.key; });
      onChange(schema);
    }

    function say(text) { live.textContent = ''; window.setTimeout(function () { live.textContent = text; }, 50); }

    function freeKey(kind) {
      var n = fields.length + 1, key;
      do { key = kind + '_' + n; n += 1; } while (fields.some(function (f) { return f.key === key; }));
      return key;
    }

    function titleOf(f) { return f.prop.title || f.key; }

    function draw(focus) {
      container.innerHTML = '';
      var formTitle = el('input', { id: 'fb-form-title', type: 'text', value: schema.title || '' });
      formTitle.addEventListener('input', function () { schema.title = formTitle.value; write(); });
      container.appendChild(el('div', { 'class': 'fb-form' }, [el('label', { 'for': 'fb-form-title', text: '表单标题' }), formTitle]));
      var list = el('ol', { 'class': 'fb-fields', 'aria-label': '字段（按显示顺序）' });
      if (!fields.length) { container.appendChild(el('p', { 'class': 'empty', text: '还没有字段：在下方选择类型后添加。' })); }
      fields.forEach(function (f, index) { list.appendChild(fieldItem(f, index)); });
      container.appendChild(list);
      container.appendChild(adder());
      container.appendChild(live);
      if (focus) {
        var target = container.querySelector(focus);
        if (target) { target.focus(); }
      }
    }

    function fieldItem(f, index) {
      var id = 'fb-' + index;
      var kind = kindOf(f.prop);
      var item = el('li', { 'class': 'fb-field', 'data-key': f.key });
      var legend = el('legend', { id: id + '-legend', text: '第 ' + (index + 1) + ' 项：' + titleOf(f) + '（' + (KINDS[kind] ? KINDS[kind].title : '其他类型，请在 JSON 中编辑') + '）' });
      var box = el('fieldset', {}, [legend]);

      var type = el('select', { id: id + '-kind' });
      Object.keys(KINDS).forEach(function (k) { type.appendChild(el('option', { value: k, text: KINDS[k].title })); });
      if (kind === 'other') { type.appendChild(el('option', { value: 'other', text: '其他类型（保持不变）' })); }
      type.value = kind;
      type.addEventListener('change', function () {
        if (type.value === 'other') { return; }
        var fresh = KINDS[type.value].fresh();
        if (f.prop.title) { fresh.title = f.prop.title; }
        f.prop = fresh;
        write();
        draw('#' + id + '-kind');
        say('“' + titleOf(f) + '”已改为' + KINDS[type.value].title);
      });
      box.appendChild(row(id + '-kind', '类型', type));

      box.appendChild(textInput(id + '-title', '标题（中文）', f.prop.title || '', function (value) {
        f.prop.title = value;
        legend.textContent = '第 ' + (index + 1) + ' 项：' + titleOf(f) + '（' + (KINDS[kind] ? KINDS[kind].title : '其他类型') + '）';
        write();
      }, true));
      box.appendChild(keyInput(f, id));
      var required = el('input', { id: id + '-required', type: 'checkbox' });
      required.checked = f.required;
      required.addEventListener('change', function () { f.required = required.checked; write(); });
      box.appendChild(el('div', { 'class': 'fb-check' }, [required, el('label', { 'for': id + '-required', text: '必填' })]));

      if (kind !== 'other' && kind !== 'members') {
        var help = kind === 'money' ? (f.prop.description || '').replace(YUAN, '') : (f.prop.description || '');
        box.appendChild(textInput(id + '-help', '说明（显示在字段下方，可不填）', help, function (value) {
          if (kind === 'money') { f.prop.description = value.trim() + YUAN; } else if (value.trim()) { f.prop.description = value; } else { delete f.prop.description; }
          write();
        }));
      }
      (LIMITS[kind] || []).forEach(function (limit) { box.appendChild(limitInput(f, id, limit[0], limit[1])); });
      if (kind === 'choice') { box.appendChild(choices(f, id)); }

      var actions = el('div', { 'class': 'fb-actions' });
      [['up', '上移', index > 0], ['down', '下移', index < fields.length - 1], ['remove', '删除', true]].forEach(function (a) {
        if (!a[2]) { return; }
        var button = el('button', { type: 'button', id: id + '-' + a[0], 'class': a[0] === 'remove' ? 'danger' : null, 'aria-label': a[1] + '“' + titleOf(f) + '”', text: a[1] });
        button.addEventListener('click', function () { act(a[0], index); });
        actions.appendChild(button);
      });
      box.appendChild(actions);
      item.appendChild(box);
      return item;
    }

    function act(action, index) {
      var f = fields[index];
      if (action === 'remove') {
        fields.splice(index, 1);
        write();
        draw(fields.length ? '#fb-' + Math.min(index, fields.length - 1) + '-title' : '#fb-add-kind');
        say('已删除“' + titleOf(f) + '”');
        return;
      }
      var to = action === 'up' ? index - 1 : index + 1;
      fields.splice(index, 1);
      fields.splice(to, 0, f);
      write();
      var stay = '#fb-' + to + '-' + action;
      draw(stay);
      if (!container.querySelector(stay)) { var other = container.querySelector('#fb-' + to + '-' + (action === 'up' ? 'down' : 'up')); if (other) { other.focus(); } }
      say('“' + titleOf(f) + '”已移到第 ' + (to + 1) + ' 项');
    }

    function row(forId, label, control, error) {
      var wrapper = el('div', { 'class': 'fb-row' }, [el('label', { 'for': forId, text: label }), control]);
      if (error !== undefined) { wrapper.appendChild(error); }
      return wrapper;
    }

    function problem(input, node, message) {
      node.textContent = message || '';
      node.hidden = !message;
      if (message) { input.setAttribute('aria-invalid', 'true'); } else { input.removeAttribute('aria-invalid'); }
    }

    function textInput(id, label, value, onInput, needed) {
      var input = el('input', { id: id, type: 'text', value: value, 'aria-describedby': id + '-error' });
      var error = el('p', { id: id + '-error', 'class': 'field-error', hidden: 'hidden' });
      input.addEventListener('input', function () {
        problem(input, error, needed && !input.value.trim() ? label + '：必填' : '');
        onInput(input.value);
      });
      return row(id, label, input, error);
    }

    function keyInput(f, id) {
      var input = el('input', { id: id + '-key', type: 'text', value: f.key, spellcheck: 'false', autocapitalize: 'off', 'aria-describedby': id + '-key-help ' + id + '-key-error' });
      var help = el('p', { id: id + '-key-help', 'class': 'help', text: '英文小写字母开头，可含数字和下划线；流程和决策表用它读取填写的值' });
      var error = el('p', { id: id + '-key-error', 'class': 'field-error', hidden: 'hidden' });
      input.addEventListener('input', function () {
        var key = input.value.trim();
        var taken = fields.some(function (other) { return other !== f && other.key === key; });
        var message = !KEY_PATTERN.test(key) ? '字段代码：应以英文小写字母开头，只含小写字母、数字和下划线' : taken ? '字段代码：与其他字段重复' : '';
        problem(input, error, message);
        if (!message) { f.key = key; write(); }
      });
      var wrapper = row(id + '-key', '字段代码', input, error);
      wrapper.insertBefore(help, input);
      return wrapper;
    }

    function limitInput(f, id, name, label) {
      var holder = f.prop;
      var input = el('input', { id: id + '-' + name, type: 'number', step: '1', inputmode: 'numeric', value: holder[name] === undefined ? '' : String(holder[name]), 'aria-describedby': id + '-' + name + '-error' });
      var error = el('p', { id: id + '-' + name + '-error', 'class': 'field-error', hidden: 'hidden' });
      input.addEventListener('input', function () {
        var raw = input.value.trim();
        if (raw === '') { delete holder[name]; problem(input, error, ''); write(); return; }
        var value = Number(raw);
        var whole = Number.isInteger(value) && (name === 'minimum' || name === 'maximum' || value >= 0);
        var low = PAIRS[name] ? value : holder[LOWER[name]], high = PAIRS[name] ? holder[PAIRS[name]] : value;
        var message = !whole ? label + '：请填写' + (name === 'minimum' || name === 'maximum' ? '整数' : '不小于 0 的整数')
          : low !== undefined && high !== undefined && low > high ? label + '：下限不能大于上限' : '';
        problem(input, error, message);
        if (!message) { holder[name] = value; write(); }
      });
      return row(id + '-' + name, label + '（可不填）', input, error);
    }

    function choices(f, id) {
      var lines = (f.prop.oneOf || []).map(function (o) { return o.const + '=' + (o.title || ''); }).join('\n');
      var area = el('textarea', { id: id + '-choices', rows: String(Math.max(3, (f.prop.oneOf || []).length + 1)), spellcheck: 'false', 'aria-describedby': id + '-choices-help ' + id + '-choices-error' });
      area.value = lines;
      var help = el('p', { id: id + '-choices-help', 'class': 'help', text: '每行一个选项：代码=显示的名称，如 spouse=配偶' });
      var error = el('p', { id: id + '-choices-error', 'class': 'field-error', hidden: 'hidden' });
      area.addEventListener('input', function () {
        var options = [], bad = [];
        area.value.split('\n').forEach(function (line, n) {
          if (!line.trim()) { return; }
          var at = line.indexOf('=');
          var code = (at === -1 ? line : line.slice(0, at)).trim(), title = at === -1 ? '' : line.slice(at + 1).trim();
          if (!/^[A-Za-z0-9_]+$/.test(code) || !title || options.some(function (o) { return o.const === code; })) { bad.push(n + 1); return; }
          options.push({ const: code, title: title });
        });
        var message = bad.length ? '第 ' + bad.join('、') + ' 行：应为 代码=名称，代码用英文字母、数字或下划线且不重复' : !options.length ? '请至少填写一个选项' : '';
        problem(area, error, message);
        if (!message) { f.prop.oneOf = options; write(); }
      });
      var wrapper = row(id + '-choices', '选项', area, error);
      wrapper.insertBefore(help, area);
      return wrapper;
    }

    function adder() {
      var kind = el('select', { id: 'fb-add-kind' });
      Object.keys(KINDS).forEach(function (k) { kind.appendChild(el('option', { value: k, text: KINDS[k].title })); });
      var button = el('button', { type: 'button', id: 'fb-add', text: '添加字段' });
      button.addEventListener('click', function () {
        var prop = KINDS[kind.value].fresh();
        fields.push({ key: freeKey(kind.value), prop: prop, required: false });
        write();
        draw('#fb-' + (fields.length - 1) + '-title');
        say('已添加' + KINDS[kind.value].title + '字段，在第 ' + fields.length + ' 项');
      });
      return el('div', { 'class': 'fb-add row' }, [el('label', { 'for': 'fb-add-kind', text: '新字段的类型' }), kind, button]);
    }

    draw();
  }

  return { mount: mount, kindOf: kindOf };
})();
