// The messages page: plain DOM over the JSON API (/messages, /messages/summary, /schedules), no framework.
// The browser sends the API key it was asked for at /ui/ (HTTP Basic) with every call.
const hours = 3;
const scheduleLimit = 50;
const $ = selector => document.querySelector(selector);

async function call(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  if (!response.ok) {
    throw new Error(`${method} ${path}: ${response.status} ${json?.title ?? ''} ${json?.detail ?? ''}`.trim());
  }
  return json;
}

function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text ?? '';
  if (className) td.className = className;
  return td;
}

function bars(tbody, rows) {
  const max = Math.max(1, ...rows.map(r => r.value));
  tbody.replaceChildren();
  for (const r of rows) {
    const tr = tbody.insertRow();
    cell(tr, r.label);
    cell(tr, String(r.value));
    const bar = document.createElement('div');
    bar.className = 'bar';
    bar.style.width = `${(100 * r.value) / max}%`;
    tr.insertCell().append(bar);
  }
}

function button(label, action) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  b.addEventListener('click', () => run(action));
  return b;
}

// Two steps, so one click lured onto the button (or a stray one) cancels nothing.
async function cancel(id) {
  if (!confirm(`Cancel message ${id}? It will not be printed.`)) return;
  await call('DELETE', `/messages/${encodeURIComponent(id)}`);
}

async function reschedule(id, dueAt) {
  const suggested = new Date(Date.parse(dueAt) + 60_000).toISOString();
  const time = prompt(`New time for ${id} (ISO-8601 or epoch ms)`, suggested);
  if (time) await call('PATCH', `/messages/${encodeURIComponent(id)}`, { time: /^\d+$/.test(time) ? Number(time) : time });
}

function renderNext(messages) {
  const tbody = $('#next tbody');
  tbody.replaceChildren();
  for (const m of messages) {
    const tr = tbody.insertRow();
    tr.dataset.id = m.id;
    cell(tr, m.dueAt);
    const status = cell(tr, m.status, `status-${m.status}`);
    if (m.movedTo) status.title = `moved to ${m.movedTo}`;
    cell(tr, m.message, 'message');
    cell(tr, m.id, 'id');
    const actions = tr.insertCell();
    if (m.status === 'scheduled') {
      actions.append(button('Cancel', () => cancel(m.id)), ' ', button('Reschedule', () => reschedule(m.id, m.dueAt)));
    }
  }
}

// Deleting is for good: asked twice, as a cancel is.
async function deleteSchedule(id) {
  if (!confirm(`Delete schedule ${id}? Nothing more of it will print.`)) return;
  await call('DELETE', `/schedules/${encodeURIComponent(id)}`);
}

function renderSchedules(list) {
  const tbody = $('#schedules tbody');
  tbody.replaceChildren();
  for (const s of list.schedules) {
    const tr = tbody.insertRow();
    tr.dataset.id = s.id;
    cell(tr, s.cron, 'cron');
    cell(tr, s.timeZone);
    cell(tr, s.message, 'message');
    cell(tr, s.next ?? '—');
    const last = cell(tr, s.last ? s.last.dueAt : '—');
    if (s.last) last.title = `${s.last.id}${s.last.printedAt ? `, printed ${s.last.printedAt}` : ''}`;
    cell(tr, s.paused ? 'paused' : 'active', s.paused ? 'status-paused' : 'status-active');
    const path = `/schedules/${encodeURIComponent(s.id)}`;
    tr.insertCell().append(
      s.paused
        ? button('Resume', () => call('POST', `${path}/resume`))
        : button('Pause', () => call('POST', `${path}/pause`)),
      ' ',
      button('Delete', () => deleteSchedule(s.id)));
  }
  $('#schedules-more').hidden = list.next === null;
}

function renderSummary(summary) {
  $('#now').textContent = `cluster time ${summary.now}`;
  bars($('#ahead tbody'), summary.ahead.map(m => ({ label: m.minute, value: m.pending })));
  const past = $('#past tbody');
  past.replaceChildren();
  for (const m of summary.past.slice(-15).reverse()) {
    const tr = past.insertRow();
    for (const value of [m.minute, m.printed, m.canceled, m.expired, m.moved, m.pending]) cell(tr, String(value));
  }
  let below = 0;
  bars($('#lateness tbody'), summary.lateness.map(b => {
    const label = b.belowMs === null ? `≥ ${below} ms` : `${below}–${b.belowMs} ms`;
    below = b.belowMs ?? below;
    return { label, value: b.batches };
  }));
}

async function refresh() {
  const [next, summary, schedules] = await Promise.all([
    call('GET', `/messages?from=${Date.now() - 60_000}&limit=50`),
    call('GET', `/messages/summary?hours=${hours}`),
    call('GET', `/schedules?limit=${scheduleLimit}`),
  ]);
  renderNext(next.messages);
  renderSummary(summary);
  renderSchedules(schedules);
  document.body.dataset.loaded = 'true';
}

async function find(id) {
  const found = $('#found');
  found.replaceChildren();
  try {
    const message = await call('GET', `/messages/${encodeURIComponent(id)}`);
    const pre = document.createElement('pre');
    pre.textContent = JSON.stringify(message, null, 2);
    found.append(pre);
    if (message.status === 'scheduled') {
      found.append(button('Cancel', () => cancel(id).then(() => find(id))), ' ', button('Reschedule', () => reschedule(id, message.dueAt)));
    }
  } catch (error) {
    found.textContent = error.message;
  }
}

// Every action refreshes the page's figures afterwards and shows what failed.
async function run(action) {
  const error = $('#error');
  try {
    await action();
    error.hidden = true;
    await refresh();
  } catch (e) {
    error.textContent = e.message;
    error.hidden = false;
  }
}

$('#hours').textContent = String(hours);
$('#schedules-limit').textContent = String(scheduleLimit);
$('#refresh').addEventListener('click', () => run(async () => {}));
$('#find').addEventListener('submit', event => {
  event.preventDefault();
  find($('#find-id').value.trim());
});
run(async () => {});
// Every open page polls the store; one nobody can see (a tab behind others, a minimised window) skips its turns and
// catches up the moment it is shown again.
setInterval(() => {
  if (!document.hidden) run(async () => {});
}, 5_000);
document.addEventListener('visibilitychange', () => {
  if (!document.hidden) run(async () => {});
});
