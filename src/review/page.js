// The review page's script: builds the drafts table from the embedded JSON, filters,
// sorts, expands one draft's details on demand, and keeps that state in the URL hash
// (#status=errors&currency=UGX&kind=group&rule=...&q=text&sort=amount&dir=desc&expand=KEY).
// Text from the export only ever reaches the page through textContent / text nodes.
(() => {
  'use strict';
  const data = JSON.parse(document.getElementById('review-data').textContent);
  const drafts = data.drafts;
  const $ = (id) => document.getElementById(id);
  const tbody = $('rows');
  const COLUMNS = 9;
  const FIRST_CHUNK = 100;
  const CHUNK = 100;

  // An element with attributes (set as strings) and children (nodes or text).
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') e.className = v;
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children) {
      if (c !== null && c !== undefined) e.append(c);
    }
    return e;
  }
  const SVG = 'http://www.w3.org/2000/svg';
  function svg(tag, attrs) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    return e;
  }

  // Amounts: the exact decimal text of the JSON number, grouped by thousands, padded
  // to the currency's decimals (never rounded).
  function amount(v, currency) {
    if (v === null || v === undefined) return '—';
    if (typeof v !== 'number') return typeof v === 'string' ? v : JSON.stringify(v);
    const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(String(v));
    if (!m) return String(v);
    let frac = m[3] || '';
    const units = data.currencies[currency];
    if (units !== undefined && frac.length < units) frac = frac.padEnd(units, '0');
    return m[1] + m[2].replace(/\B(?=(\d{3})+(?!\d))/g, ',') + (frac ? '.' + frac : '');
  }
  const num = (v) => (typeof v === 'number' ? v : NaN);
  const show = (v) => (v === null || v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v));

  // Search text per draft, built once.
  const haystacks = drafts.map((d) => {
    const parts = [d.key, d.file, d.kind, d.currency, d.disbursed, d.fields.group_name, d.fields.location];
    for (const b of d.borrowers) parts.push(b.name, b.client_id, b.loan_id);
    return parts.filter((p) => p).join('\n').toLowerCase();
  });
  const rulesOf = drafts.map((d) => new Set([...d.missing, ...d.findings.map((f) => f.rule)]));

  const state = { status: '', currency: '', kind: '', rule: '', q: '', sort: '', dir: 'asc', expand: new Set() };
  let selftest = null;

  function readHash() {
    const p = new URLSearchParams(location.hash.slice(1));
    state.status = p.get('status') || '';
    state.currency = p.get('currency') || '';
    state.kind = p.get('kind') || '';
    state.rule = p.get('rule') || '';
    state.q = p.get('q') || '';
    state.sort = p.get('sort') || '';
    state.dir = p.get('dir') === 'desc' ? 'desc' : 'asc';
    state.expand = new Set(p.getAll('expand'));
    if (p.has('selftest') && !selftest) {
      selftest = { text: p.get('st-text') || '', expand: p.get('st-expand') || '', rule: p.get('st-rule') || '', params: [] };
      for (const [k, v] of p) if (k === 'selftest' || k.startsWith('st-')) selftest.params.push([k, v]);
    }
  }
  function hashOf() {
    const p = new URLSearchParams();
    for (const k of ['status', 'currency', 'kind', 'rule', 'q', 'sort']) if (state[k]) p.set(k, state[k]);
    if (state.sort && state.dir === 'desc') p.set('dir', 'desc');
    for (const k of state.expand) p.append('expand', k);
    if (selftest) for (const [k, v] of selftest.params) p.append(k, v);
    const h = p.toString();
    return h ? '#' + h : '';
  }
  let appliedHash = null;
  function writeHash(push) {
    const h = hashOf();
    appliedHash = h;
    if (h === location.hash || (h === '' && location.hash === '')) return;
    try {
      history[push ? 'pushState' : 'replaceState'](null, '', h || location.pathname + location.search);
    } catch (e) {
      // Some browsers refuse history changes on file: pages; the state still works.
    }
  }

  // Filtering and sorting.
  function matches(i) {
    const d = drafts[i];
    if (state.status && d.status !== state.status) return false;
    if (state.currency && (d.currency || '') !== state.currency) return false;
    if (state.kind && d.kind !== state.kind) return false;
    if (state.rule && !rulesOf[i].has(state.rule)) return false;
    if (state.q) {
      for (const word of state.q.toLowerCase().split(/\s+/)) if (word && !haystacks[i].includes(word)) return false;
    }
    return true;
  }
  const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
  const STATUS_ORDER = { ok: 0, warnings: 1, errors: 2 };
  const sortKeys = {
    key: (d) => d.key,
    kind: (d) => d.kind,
    borrowers: (d) => d.borrowers.length,
    amount: (d) => num(d.amount),
    currency: (d) => d.currency || '',
    disbursed: (d) => (typeof d.disbursed === 'string' ? d.disbursed : ''),
    installments: (d) => d.installments,
    interest: (d) => num(d.interest),
    status: (d) => STATUS_ORDER[d.status] * 1e6 + d.errors * 1e3 + d.warnings,
  };
  function compare(a, b) {
    if (typeof a === 'number' || typeof b === 'number') {
      const na = Number.isNaN(a), nb = Number.isNaN(b);
      if (na || nb) return na === nb ? 0 : na ? 1 : -1;
      return a - b;
    }
    return collator.compare(a, b);
  }
  function view() {
    const out = [];
    for (let i = 0; i < drafts.length; i++) if (matches(i)) out.push(i);
    const key = sortKeys[state.sort];
    if (key) {
      const sign = state.dir === 'desc' ? -1 : 1;
      const keys = new Map(out.map((i) => [i, key(drafts[i])]));
      out.sort((a, b) => {
        const ka = keys.get(a), kb = keys.get(b);
        // Missing values stay last whatever the direction.
        if (typeof ka === 'number' && (Number.isNaN(ka) || Number.isNaN(kb))) return compare(ka, kb) || a - b;
        return sign * compare(ka, kb) || a - b;
      });
    }
    return out;
  }

  // One table row.
  function statusBadge(d) {
    let label = d.status;
    if (d.status === 'errors') label = d.errors === 1 ? '1 error' : d.errors + ' errors';
    else if (d.status === 'warnings') label = d.warnings === 1 ? '1 warning' : d.warnings + ' warnings';
    return el('span', { class: 'badge ' + d.status }, label);
  }
  function row(i) {
    const d = drafts[i];
    const open = state.expand.has(d.key);
    const names = d.borrowers.map((b) => b.name).join(', ');
    const tr = el('tr', { class: open ? 'loan open' : 'loan', 'data-index': i });
    tr.append(
      el('th', { scope: 'row' },
        el('button', { type: 'button', class: 'expand', 'aria-expanded': open ? 'true' : 'false', 'aria-controls': 'detail-' + i, title: d.key }, d.key)),
      el('td', {}, d.kind),
      el('td', {}, el('span', { class: 'n' }, String(d.borrowers.length)), ' ', el('span', { class: 'names', title: names }, names)),
      el('td', { class: 'num' }, amount(d.amount, d.currency)),
      el('td', {}, d.currency || '—'),
      el('td', {}, show(d.disbursed)),
      el('td', { class: 'num' }, String(d.installments)),
      el('td', { class: 'num' }, amount(d.interest, d.currency)),
      el('td', {}, statusBadge(d)),
    );
    return tr;
  }

  // The table grows as it is scrolled: the first rows at once, then more whenever its end
  // comes near the viewport (or "Show more" is pressed), one chunk per task. Every
  // change of a table of thousands of rows costs a full table layout, so rows far below
  // are not built until they are wanted; the search box finds loans not built yet.
  let generation = 0;
  let current = [];
  let at = 0;
  let filling = false;
  let done = Promise.resolve();
  let resolveDone = () => {};
  const moreButton = $('more');
  const NEAR = 1500;
  function append(n) {
    const frag = document.createDocumentFragment();
    const end = Math.min(current.length, at + n);
    for (; at < end; at++) {
      const i = current[at];
      frag.append(row(i));
      if (state.expand.has(drafts[i].key)) frag.append(detailRow(i));
    }
    tbody.append(frag);
    const left = current.length - at;
    moreButton.hidden = left <= 0;
    moreButton.textContent = 'Show ' + Math.min(CHUNK, left) + ' more (' + left + ' not shown yet)';
  }
  function fill() {
    if (filling) return;
    filling = true;
    const gen = generation;
    const step = () => {
      if (gen !== generation) return;
      if (at >= current.length || moreButton.getBoundingClientRect().top > window.innerHeight + NEAR) {
        filling = false;
        resolveDone();
        return;
      }
      append(CHUNK);
      setTimeout(step, 0);
    };
    setTimeout(step, 0);
  }
  // Rebuilds the table; `upTo` rows at least (to reach an expanded draft of the URL).
  function render(upTo = 0) {
    generation++;
    resolveDone();
    done = new Promise((resolve) => { resolveDone = resolve; });
    filling = false;
    current = view();
    at = 0;
    tbody.textContent = '';
    const total = drafts.length;
    $('count').value = current.length === total
      ? total + (total === 1 ? ' loan' : ' loans')
      : current.length + ' of ' + total + ' loans';
    $('empty').hidden = current.length > 0;
    append(Math.max(FIRST_CHUNK, upTo));
    syncControls();
    fill();
  }
  // Renders far enough to show the drafts the URL expands.
  function renderForHash() {
    const wanted = new Set(state.expand);
    let upTo = 0;
    if (wanted.size) {
      current = view();
      current.forEach((i, k) => { if (wanted.has(drafts[i].key)) upTo = k + 1; });
    }
    render(upTo);
  }
  moreButton.addEventListener('click', () => append(CHUNK));
  if (window.IntersectionObserver) {
    new IntersectionObserver((entries) => { if (entries.some((e) => e.isIntersecting)) fill(); },
      { rootMargin: NEAR + 'px 0px' }).observe(moreButton);
  } else {
    window.addEventListener('scroll', fill, { passive: true });
  }
  window.addEventListener('resize', fill);
  async function settled() {
    let d;
    do {
      d = done;
      await d;
    } while (d !== done);
  }

  function syncControls() {
    $('f-status').value = state.status;
    $('f-currency').value = state.currency;
    $('f-kind').value = state.kind;
    if ($('f-text').value !== state.q) $('f-text').value = state.q;
    $('f-rule-box').hidden = !state.rule;
    $('f-rule').textContent = state.rule;
    for (const b of document.querySelectorAll('#drafts-table thead button[data-sort]')) {
      const th = b.parentElement;
      th.setAttribute('aria-sort', b.dataset.sort === state.sort ? (state.dir === 'desc' ? 'descending' : 'ascending') : 'none');
    }
  }

  // The details of one draft, built when it is expanded.
  function section(title, cls, ...content) {
    return el('section', { class: cls || null }, el('h3', {}, title), ...content);
  }
  function sourceText(s) {
    let t = s.file;
    if (s.sheet) t += ', sheet ' + s.sheet;
    t += ', row ' + s.row;
    if (s.column) t += ", column '" + s.column + "'";
    return t;
  }
  function rowsText(ranges) {
    const parts = [];
    let last = null;
    for (const r of ranges) {
      const at = r.file + (r.sheet ? ', sheet ' + r.sheet : '');
      const span = r.from === r.to ? String(r.from) : r.from + '–' + r.to;
      if (last && last.at === at) last.spans.push(span);
      else parts.push((last = { at, spans: [span] }));
    }
    return parts.map((p) => p.at + ': row' + (p.spans.length > 1 || p.spans[0].includes('–') ? 's ' : ' ') + p.spans.join(', '));
  }
  const FIELD_LABELS = {
    group_name: 'Group name', location: 'Location', description: 'Description', loanuse: 'Loan use',
    activity_id: 'Activity id', theme_type_id: 'Theme id', description_language_id: 'Language id',
    client_waiver_signed: 'Waiver signed', internal_client_id: 'Internal client id',
    internal_loan_id: 'Internal loan id', image: 'Photo',
  };
  function chart(d) {
    const items = d.schedule.map(([date, p, i]) => [show(date), Math.max(0, num(p) || 0), Math.max(0, num(i) || 0), p, i]);
    const max = Math.max(0, ...items.map(([, p, i]) => p + i));
    if (!items.length || !(max > 0)) return null;
    const W = 640, H = 150, L = 6, R = 6, T = 18, B = 22;
    const bw = (W - L - R) / items.length;
    const scale = (H - T - B) / max;
    const s = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img' });
    s.setAttribute('aria-label', `Principal and interest of ${items.length} installments; highest installment ${amount(max, d.currency)}`);
    s.append(svg('line', { x1: L, x2: W - R, y1: H - B + 0.5, y2: H - B + 0.5 }));
    items.forEach(([date, p, i, rp, ri], k) => {
      const x = L + k * bw + bw * 0.12, w = Math.max(1, bw * 0.76);
      const g = svg('g', {});
      const title = svg('title', {});
      title.textContent = `${k + 1}. ${date}: principal ${amount(rp, d.currency)}, interest ${amount(ri, d.currency)}`;
      g.append(title);
      g.append(svg('rect', { class: 'p', x, width: w, y: H - B - p * scale, height: p * scale }));
      g.append(svg('rect', { class: 'i', x, width: w, y: H - B - (p + i) * scale, height: i * scale }));
      s.append(g);
    });
    const label = (x, anchor, text, y) => {
      const t = svg('text', { x, y, 'text-anchor': anchor });
      t.textContent = text;
      s.append(t);
    };
    label(L, 'start', items[0][0], H - 6);
    if (items.length > 1) label(W - R, 'end', items[items.length - 1][0], H - 6);
    label(L, 'start', 'max ' + amount(max, d.currency), 12);
    return s;
  }
  function detail(d) {
    const grid = el('div', { class: 'detail-grid' });
    if (d.kind === 'not converted' || d.kind === 'unreadable') {
      grid.append(el('p', { class: 'wide' }, d.kind === 'not converted'
        ? 'This loan could not be converted: fix the export where it was made, then convert again.'
        : 'This draft file could not be read as JSON.'));
    }
    if (d.borrowers.length) {
      const t = el('table', { class: 'borrowers' },
        el('thead', {}, el('tr', {}, ...['Name', 'Gender', 'Client id', 'Loan id', 'Amount', 'Pictured'].map((h, k) =>
          el('th', { scope: 'col', class: k === 4 ? 'num' : null }, h)))));
      const body = el('tbody');
      for (const b of d.borrowers) {
        body.append(el('tr', {},
          el('td', {}, b.name || '—'), el('td', {}, b.gender || '—'), el('td', {}, b.client_id || '—'),
          el('td', {}, b.loan_id || '—'), el('td', { class: 'num' }, amount(b.amount, d.currency)),
          el('td', {}, b.pictured === undefined ? '—' : b.pictured ? 'yes' : 'no')));
      }
      t.append(body);
      grid.append(section(d.borrowers.length === 1 ? 'Borrower' : d.borrowers.length + ' borrowers', 'two', t));
    }
    if (d.kind === 'individual' || d.kind === 'group') {
      const list = el('ul', { class: 'checklist' });
      for (const item of data.checklist) {
        const miss = d.missing.includes(item.rule);
        list.append(el('li', { class: miss ? 'miss' : 'have', 'data-rule': item.rule }, item.label, miss ? ' — missing' : ''));
      }
      const left = d.missing.length;
      grid.append(section('Before PA2 publishes', 'checklist-box',
        el('p', { class: 'muted' }, left ? left + ' of ' + data.checklist.length + ' still to fill in PA2' : 'Nothing left to fill in.'), list));
      const dl = el('dl');
      dl.append(el('dt', {}, 'Amount'), el('dd', {}, amount(d.amount, d.currency) + ' ' + (d.currency || '')));
      dl.append(el('dt', {}, 'Disbursed'), el('dd', {}, show(d.disbursed)));
      for (const [k, label] of Object.entries(FIELD_LABELS)) {
        if (d.fields[k] !== undefined) dl.append(el('dt', {}, label), el('dd', {}, d.fields[k]));
      }
      if (d.file) dl.append(el('dt', {}, 'Draft file'), el('dd', {}, el('code', {}, d.file)));
      grid.append(section('Loan', 'fields', dl));
    }
    if (d.schedule.length) {
      const t = el('table', {},
        el('thead', {}, el('tr', {}, ...['#', 'Date', 'Principal', 'Interest', 'Total'].map((h, k) =>
          el('th', { scope: 'col', class: k >= 2 ? 'num' : null }, h)))));
      const body = el('tbody');
      d.schedule.forEach(([date, p, i], k) => {
        const total = typeof p === 'number' && typeof i === 'number' ? Math.round((p + i) * 1e6) / 1e6 : null;
        body.append(el('tr', {}, el('td', { class: 'num' }, String(k + 1)), el('td', {}, show(date)),
          el('td', { class: 'num' }, amount(p, d.currency)), el('td', { class: 'num' }, amount(i, d.currency)),
          el('td', { class: 'num' }, amount(total, d.currency))));
      });
      t.append(body);
      const legend = el('p', { class: 'legend', 'aria-hidden': 'true' },
        el('span', { class: 'sw p' }), 'principal', el('span', { class: 'sw i' }), 'interest');
      const box = section('Schedule: ' + d.schedule.length + (d.schedule.length === 1 ? ' installment' : ' installments') +
        (d.interest === null ? '' : ', interest ' + amount(d.interest, d.currency)), 'schedule-box two');
      const c = chart(d);
      if (c) box.append(c, legend);
      box.append(el('div', { class: 'schedule' }, t));
      grid.append(box);
    }
    if (d.findings.length) {
      const list = el('ul', { class: 'problems' });
      for (const f of d.findings) {
        const li = el('li', { class: 'sev-' + f.severity },
          el('span', { class: 'badge ' + f.severity }, f.severity), ' ', el('code', {}, f.rule), ' ',
          f.field ? el('code', { class: 'field' }, f.field) : null, f.field ? ': ' : '',
          f.value !== undefined ? "'" + f.value + "' " : '', f.message);
        for (const s of f.sources || []) li.append(el('span', { class: 'source' }, 'source: ' + sourceText(s)));
        list.append(li);
      }
      grid.append(section(d.findings.length === 1 ? 'Problem' : d.findings.length + ' problems', 'wide', list));
    }
    if (d.rows.length) {
      const list = el('ul', { class: 'source-rows' });
      for (const line of rowsText(d.rows)) list.append(el('li', {}, line));
      grid.append(section('Source rows', 'wide', list));
    }
    return grid;
  }
  function detailRow(i) {
    return el('tr', { class: 'detail', id: 'detail-' + i }, el('td', { colspan: COLUMNS }, detail(drafts[i])));
  }
  function toggle(button) {
    const tr = button.closest('tr');
    const i = Number(tr.dataset.index);
    const key = drafts[i].key;
    const open = button.getAttribute('aria-expanded') !== 'true';
    button.setAttribute('aria-expanded', open ? 'true' : 'false');
    tr.classList.toggle('open', open);
    const next = tr.nextElementSibling;
    if (open) {
      state.expand.add(key);
      if (!(next && next.id === 'detail-' + i)) tr.after(detailRow(i));
    } else {
      state.expand.delete(key);
      if (next && next.id === 'detail-' + i) next.remove();
    }
    writeHash(true);
  }

  // Controls.
  const currencies = [...new Set(drafts.map((d) => d.currency).filter((c) => c))].sort();
  for (const c of currencies) $('f-currency').append(el('option', { value: c }, c));
  const set = (patch, push) => {
    Object.assign(state, patch);
    writeHash(push);
    render();
  };
  $('f-status').addEventListener('change', (e) => set({ status: e.target.value }, true));
  $('f-currency').addEventListener('change', (e) => set({ currency: e.target.value }, true));
  $('f-kind').addEventListener('change', (e) => set({ kind: e.target.value }, true));
  $('f-text').addEventListener('input', (e) => set({ q: e.target.value }, false));
  $('f-rule-clear').addEventListener('click', () => set({ rule: '' }, true));
  $('filters').addEventListener('submit', (e) => e.preventDefault());
  $('filters').addEventListener('reset', (e) => {
    e.preventDefault();
    set({ status: '', currency: '', kind: '', rule: '', q: '', sort: '', dir: 'asc' }, true);
  });
  for (const b of document.querySelectorAll('button.rule-filter')) {
    b.addEventListener('click', () => {
      set({ rule: b.dataset.rule, status: '', kind: '', q: '' }, true);
      $('drafts-title').scrollIntoView();
      $('f-rule-clear').focus();
    });
  }
  for (const b of document.querySelectorAll('#drafts-table thead button[data-sort]')) {
    b.addEventListener('click', () => {
      const col = b.dataset.sort;
      set(state.sort === col ? { dir: state.dir === 'asc' ? 'desc' : 'asc' } : { sort: col, dir: 'asc' }, true);
    });
  }
  tbody.addEventListener('click', (e) => {
    const button = e.target.closest('button.expand');
    if (button) return toggle(button);
    // A click elsewhere on a loan row (not on a selection of text) toggles it too.
    const tr = e.target.closest('tr.loan');
    if (tr && !String(window.getSelection() || '')) toggle(tr.querySelector('button.expand'));
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === '/' && !/^(INPUT|SELECT|TEXTAREA)$/.test(document.activeElement.tagName)) {
      e.preventDefault();
      $('f-text').focus();
    }
  });
  const onNavigate = () => {
    if (location.hash === appliedHash) return;
    readHash();
    appliedHash = hashOf();
    renderForHash();
  };
  window.addEventListener('popstate', onNavigate);
  window.addEventListener('hashchange', onNavigate);

  readHash();
  appliedHash = location.hash;
  if (selftest) {
    // Record, do not show, what a payload in the data might try.
    window.alert = window.confirm = window.prompt = (m) => { (window.__alerts = window.__alerts || []).push(String(m)); };
  }
  renderForHash();
  // The filter bar stays on top; the table's header sticks below it.
  const filters = $('filters');
  const stick = () => document.documentElement.style.setProperty('--sticky-top', filters.offsetHeight + 'px');
  stick();
  if (window.ResizeObserver) new ResizeObserver(stick).observe(filters);
  // A shared link with a draft expanded: bring the first one into view if it is not.
  for (const key of state.expand) {
    const i = drafts.findIndex((d) => d.key === key);
    const target = i >= 0 && document.getElementById('detail-' + i);
    if (target) {
      const tr = target.previousElementSibling;
      if (tr.getBoundingClientRect().top > window.innerHeight * 0.6) tr.scrollIntoView({ block: 'center', inline: 'nearest' });
      break;
    }
  }
  if (selftest) runSelftest(selftest);

  // #selftest: drives the page with real events (change, input, click) and writes what
  // the DOM then shows into a pre#selftest-result for the browser test to check.
  async function runSelftest(st) {
    const result = { version: 1 };
    const shown = () => [...tbody.querySelectorAll('tr.loan')].map((tr) => tr.querySelector('button.expand').textContent);
    const fire = (node, type) => node.dispatchEvent(new Event(type, { bubbles: true }));
    const choose = async (id, value) => {
      $(id).value = value;
      fire($(id), 'change');
      await settled();
    };
    try {
      await settled();
      result.initial = shown();
      result.count = $('count').value;
      await choose('f-status', 'errors');
      result.statusErrors = shown();
      result.hashAfterStatus = location.hash;
      await choose('f-status', 'ok');
      result.statusOk = shown();
      await choose('f-status', '');
      // The back button returns to the previous filter (status=ok).
      const popped = new Promise((resolve) => window.addEventListener('popstate', resolve, { once: true }));
      history.back();
      await popped;
      await settled();
      result.afterBack = shown();
      result.statusAfterBack = $('f-status').value;
      await choose('f-status', '');
      if (st.rule) {
        const button = document.querySelector('button.rule-filter[data-rule="' + CSS.escape(st.rule) + '"]');
        button.click();
        await settled();
        result.rule = shown();
        result.hashAfterRule = location.hash;
        $('f-rule-clear').click();
        await settled();
      }
      if (st.text) {
        $('f-text').value = st.text;
        fire($('f-text'), 'input');
        await settled();
        result.text = shown();
        $('f-text').value = '';
        fire($('f-text'), 'input');
        await settled();
      }
      const sortButton = document.querySelector('button[data-sort=amount]');
      sortButton.click();
      await settled();
      result.sortAmountAsc = shown();
      sortButton.click();
      await settled();
      result.sortAmountDesc = shown();
      result.ariaSort = sortButton.parentElement.getAttribute('aria-sort');
      $('f-reset').click();
      await settled();
      result.afterReset = shown();
      if (st.expand) {
        const button = [...tbody.querySelectorAll('button.expand')].find((b) => b.textContent === st.expand);
        result.expandFound = !!button;
        if (button) {
          button.click();
          const detailTr = button.closest('tr').nextElementSibling;
          const isDetail = !!detailTr && detailTr.classList.contains('detail');
          const texts = (sel) => (isDetail ? [...detailTr.querySelectorAll(sel)].map((n) => n.textContent) : []);
          result.expanded = {
            ariaExpanded: button.getAttribute('aria-expanded'),
            detailRow: isDetail,
            controls: isDetail && button.getAttribute('aria-controls') === detailTr.id,
            headings: texts('h3'),
            borrowers: texts('table.borrowers tbody tr td:first-child'),
            borrowerRows: texts('table.borrowers tbody tr'),
            schedule: isDetail ? [...detailTr.querySelectorAll('.schedule tbody tr')].map((tr) => [...tr.cells].map((c) => c.textContent)) : [],
            chartBars: isDetail ? detailTr.querySelectorAll('svg.chart g').length : 0,
            missing: texts('.checklist li.miss'),
            present: texts('.checklist li.have'),
            problems: texts('.problems li'),
            sourceRows: texts('.source-rows li'),
          };
          result.hashAfterExpand = location.hash;
          button.click();
          const after = button.closest('tr').nextElementSibling;
          result.collapsed = button.getAttribute('aria-expanded') === 'false' && !(after && after.classList.contains('detail'));
        }
      }
      result.scripts = document.scripts.length;
      result.images = document.images.length;
      result.xss = window.__xss === undefined ? null : String(window.__xss);
      result.alerts = window.__alerts || [];
      result.ok = true;
    } catch (e) {
      result.ok = false;
      result.error = String(e && e.stack || e);
    }
    document.body.append(el('pre', { id: 'selftest-result' }, JSON.stringify(result)));
  }
})();
