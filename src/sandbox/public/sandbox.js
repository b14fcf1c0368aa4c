/* global document, window, fetch, URLSearchParams, history, localStorage, setTimeout, clearTimeout */
// The sandbox page: polls /sandbox/api/state and turns clicks and submits into /sandbox/api actions, which the
// server sends to Greenlight as requests signed exactly as Slack signs them. HTML fragments come pre-escaped.

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(window.location.search);
const state = {
  user: params.get('user') || localStorage.getItem('gl-sandbox-user') || '',
  surface: params.get('surface') || 'C0GENERAL',
  thread: null,
  body: '',
  threadHtml: '',
  modalKey: '',
  peopleKey: '',
  channelsKey: '',
  busy: 0,
};

let toastTimer = null;
function toast(text) {
  const el = $('toast');
  el.textContent = text;
  el.style.display = 'block';
  if (toastTimer) clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    el.style.display = 'none';
  }, 6000);
}

async function api(path, body) {
  state.busy += 1;
  try {
    const res = await fetch(`/sandbox/api/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = await res.json().catch(() => ({}));
    if (!res.ok) {
      toast(json.error || `HTTP ${res.status}`);
      return { ...json, failed: true };
    }
    return json;
  } finally {
    state.busy -= 1;
    setTimeout(refresh, 150);
  }
}

function remember() {
  const q = new URLSearchParams({ user: state.user, surface: state.surface });
  history.replaceState(null, '', `?${q}`);
  localStorage.setItem('gl-sandbox-user', state.user);
}

function renderSidebar(s) {
  const peopleKey = JSON.stringify(s.people);
  if (peopleKey !== state.peopleKey) {
    state.peopleKey = peopleKey;
    const sel = $('user');
    sel.replaceChildren(
      ...s.people.map((p) => {
        const o = document.createElement('option');
        o.value = p.id;
        o.textContent = p.name;
        return o;
      }),
    );
  }
  $('user').value = s.user;
  const me = s.people.find((p) => p.id === s.user);
  $('plays').textContent = me ? `${me.id} · ${me.plays}` : '';
  const channelsKey = JSON.stringify(s.channels);
  if (channelsKey !== state.channelsKey) {
    state.channelsKey = channelsKey;
    $('channels').replaceChildren(
      ...s.channels.map((c) => {
        const b = document.createElement('button');
        b.className = 'nav';
        b.dataset.surface = c.id;
        b.textContent = `# ${c.name}`;
        return b;
      }),
    );
  }
  for (const b of document.querySelectorAll('aside button.nav')) b.classList.toggle('active', b.dataset.surface === s.surface);
}

function renderTimers(s) {
  const list = s.timers.slice(0, 3).map((t) => `${t.name} ${t.at.slice(5, 16).replace('T', ' ')}`);
  $('timers').textContent = s.timers.length ? `Next timers: ${list.join(' · ')}${s.timers.length > 3 ? ' …' : ''}` : 'No timers pending';
  $('clock').textContent = `Greenlight time ${s.clock.now.slice(0, 16).replace('T', ' ')} UTC${s.clock.offsetMs > 0 ? ' (time-travelled)' : ''}`;
}

function renderModal(s) {
  const overlay = $('overlay');
  if (!s.modal) {
    if (state.modalKey) {
      state.modalKey = '';
      overlay.replaceChildren();
      overlay.classList.remove('open');
    }
    return;
  }
  if (s.modal.key === state.modalKey) return;
  state.modalKey = s.modal.key;
  overlay.innerHTML = s.modal.html;
  overlay.classList.add('open');
}

let refreshing = false;
async function refresh() {
  if (refreshing) return;
  refreshing = true;
  try {
    const q = new URLSearchParams({ user: state.user, surface: state.surface });
    if (state.thread) q.set('thread', state.thread);
    const res = await fetch(`/sandbox/api/state?${q}`);
    if (!res.ok) return;
    const s = await res.json();
    if (!state.user) {
      state.user = s.user;
      remember();
    }
    renderSidebar(s);
    $('title').textContent = s.title;
    $('composer').hidden = s.surface === 'home';
    if (s.body !== state.body) {
      const tl = $('timeline');
      const atBottom = tl.scrollHeight - tl.scrollTop - tl.clientHeight < 40;
      state.body = s.body;
      tl.innerHTML = s.body;
      if (atBottom) tl.scrollTop = tl.scrollHeight;
    }
    const thread = $('thread');
    if (s.thread) {
      const html = `<div class="thread-head"><span>Thread</span><button type="button" class="bk-btn" data-gl="close-thread">✕</button></div>${s.thread}`;
      if (html !== state.threadHtml) {
        state.threadHtml = html;
        thread.innerHTML = html;
      }
      thread.hidden = false;
      $('panes').classList.add('with-thread');
    } else {
      state.threadHtml = '';
      thread.hidden = true;
      $('panes').classList.remove('with-thread');
    }
    renderModal(s);
    renderTimers(s);
    document.body.dataset.ready = 'true';
  } finally {
    refreshing = false;
  }
}

function whereOf(el) {
  const view = el.closest('[data-view-id]');
  if (view) return { viewId: view.dataset.viewId };
  const home = el.closest('[data-home]');
  if (home) return { homeOf: home.dataset.home };
  const msg = el.closest('.msg');
  if (msg) return { channel: msg.dataset.channel, ts: msg.dataset.ts };
  return null;
}

function confirmed(el) {
  if (!el.dataset.glConfirm) return true;
  const c = JSON.parse(el.dataset.glConfirm);
  return window.confirm(`${c.title}\n\n${c.text}\n\n[${c.confirm}] / [${c.deny}]`);
}

function collectValues(form) {
  const values = {};
  for (const el of form.querySelectorAll('[data-input]')) {
    const type = el.dataset.input;
    const id = el.dataset.blockId;
    let v;
    if (type === 'datetimepicker') {
      const date = el.querySelector('[data-part=date]').value;
      const time = el.querySelector('[data-part=time]').value;
      v = date && time ? { date, time } : null;
    } else if (type === 'checkboxes') {
      v = [...el.querySelectorAll('input:checked')].map((i) => i.value);
    } else if (type === 'radio_buttons') {
      v = el.querySelector('input:checked')?.value ?? null;
    } else if (el.multiple) {
      v = [...el.selectedOptions].map((o) => o.value);
    } else {
      v = el.value === '' ? null : el.value;
    }
    values[id] = v;
  }
  return values;
}

document.addEventListener('click', async (e) => {
  const target = e.target instanceof window.Element ? e.target : null;
  if (!target) return;
  const nav = target.closest('aside button.nav');
  if (nav) {
    state.surface = nav.dataset.surface;
    state.thread = null;
    remember();
    if (state.surface === 'home') await api('home', { user: state.user });
    await refresh();
    return;
  }
  const el = target.closest('[data-gl]');
  if (!el) return;
  const kind = el.dataset.gl;
  if (kind === 'thread') {
    state.thread = el.dataset.ts;
    await refresh();
  } else if (kind === 'close-thread') {
    state.thread = null;
    await refresh();
  } else if (kind === 'button') {
    if (!confirmed(el)) return;
    const where = whereOf(el);
    if (!where) return;
    await api('click', {
      user: state.user,
      where,
      actionId: el.dataset.actionId || '',
      ...(el.dataset.blockId ? { blockId: el.dataset.blockId } : {}),
      ...(el.dataset.value !== undefined ? { value: el.dataset.value } : {}),
    });
  } else if (kind === 'close') {
    const form = el.closest('form.modal');
    await api('close', { user: state.user, viewId: form.dataset.viewId });
  }
});

document.addEventListener('change', async (e) => {
  const el = e.target;
  if (!(el instanceof window.HTMLSelectElement) || el.dataset.gl !== 'select' || el.value === '') return;
  if (!confirmed(el)) return;
  const where = whereOf(el);
  if (where) await api('select', { user: state.user, where, actionId: el.dataset.actionId || '', value: el.value });
});

document.addEventListener('submit', async (e) => {
  const form = e.target;
  if (!(form instanceof window.HTMLFormElement)) return;
  e.preventDefault();
  if (form.id === 'composer') {
    const input = $('composer-text');
    const text = input.value.trim();
    if (!text) return;
    const res = await api('command', { user: state.user, channel: state.surface, text });
    if (!res.failed) input.value = '';
    return;
  }
  if (!form.classList.contains('modal')) return;
  for (const err of form.querySelectorAll('.bk-error')) err.textContent = '';
  form.querySelector('[data-modal-error]').textContent = '';
  const res = await api('submit', { user: state.user, viewId: form.dataset.viewId, values: collectValues(form) });
  if (res.failed) {
    form.querySelector('[data-modal-error]').textContent = res.error || 'Could not submit';
  } else if (res.outcome === 'errors') {
    for (const [blockId, html] of Object.entries(res.errors || {})) {
      const slot = form.querySelector(`[data-error-for="${window.CSS.escape(blockId)}"]`);
      if (slot) slot.innerHTML = html;
    }
  } else if (res.outcome === 'invalid') {
    form.querySelector('[data-modal-error]').textContent = `Greenlight's answer was invalid: ${(res.problems || []).join('; ')}`;
  }
});

$('user').addEventListener('change', async (e) => {
  state.user = e.target.value;
  state.modalKey = '';
  state.body = '';
  remember();
  if (state.surface === 'home') await api('home', { user: state.user });
  await refresh();
});

$('time-travel').addEventListener('click', async () => {
  const res = await api('time-travel', {});
  if (res.fired) toast(`⏩ Fired ${res.fired.name} (due ${res.fired.at.slice(0, 16).replace('T', ' ')} UTC)`);
  else if (!res.failed) toast('No timer is pending.');
});

remember();
if (state.surface === 'home' && state.user) api('home', { user: state.user });
refresh();
window.setInterval(() => {
  if (state.busy === 0) refresh();
}, 1000);
