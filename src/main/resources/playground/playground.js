// The MoA playground (docs/playground.md). Everything it shows is set as text (textContent), never as HTML: an
// answer containing markup or script is shown as the characters it is. It talks only to this origin, with URLs
// relative to the page, so it works under a path prefix (an API Gateway stage) too.
'use strict';

(function () {
  const KEY_ITEM = 'moa.playground.key';
  const SVG = 'http://www.w3.org/2000/svg';
  const $ = (id) => document.getElementById(id);
  const keysRequired = document.body.dataset.keysRequired === 'true';

  let running = false;
  let view = null;

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null) {
      node.textContent = String(text);
    }
    return node;
  }

  function svg(tag, attributes, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      node.setAttribute(name, String(value));
    }
    if (text !== undefined) {
      node.textContent = String(text);
    }
    return node;
  }

  function headers() {
    const all = {'Content-Type': 'application/json', 'Accept': 'application/json, text/event-stream'};
    const key = sessionStorage.getItem(KEY_ITEM);
    if (key) {
      all['Authorization'] = 'Bearer ' + key;
    }
    return all;
  }

  function setStatus(text, isError) {
    const status = $('status');
    status.textContent = text;
    status.classList.toggle('error', Boolean(isError));
  }

  function ms(value) {
    return value === undefined || value === null ? '–' : Math.round(value) + ' ms';
  }

  function dollars(value) {
    if (value === undefined || value === null) {
      return 'no price';
    }
    // Calls cost fractions of a cent: micro-dollars, as the provider documents price them.
    return '$' + Number(value).toFixed(6);
  }

  function errorText(status, body) {
    const message = body && body.error && body.error.message ? body.error.message : 'the request failed';
    return 'HTTP ' + status + ': ' + message;
  }

  async function loadModels() {
    const select = $('mix');
    let response;
    try {
      response = await fetch('v1/models', {headers: headers()});
    } catch (e) {
      setStatus('Could not list the mixes: ' + e.message, true);
      return;
    }
    if (response.status === 401) {
      $('key-field').hidden = false;
      setStatus(sessionStorage.getItem(KEY_ITEM) ? 'That key was refused.' : 'Enter your client key to list the mixes.',
        true);
      return;
    }
    if (!response.ok) {
      setStatus(errorText(response.status, await response.json().catch(() => null)), true);
      return;
    }
    const body = await response.json();
    const chosen = select.value;
    select.replaceChildren();
    for (const model of body.data || []) {
      const option = el('option', null, model.id);
      option.value = model.id;
      select.append(option);
    }
    if (chosen) {
      select.value = chosen;
    }
    setStatus(select.options.length ? '' : 'No mixes are configured.', !select.options.length);
  }

  // What one run shows: a column per layer, a card per call, the answer, the timeline, the totals.
  function newView() {
    $('layers').replaceChildren();
    $('answer').textContent = '';
    $('answer-box').hidden = true;
    $('timeline').replaceChildren();
    $('timeline-box').hidden = true;
    $('totals').replaceChildren();
    $('totals-box').hidden = true;
    return {columns: new Map(), cards: new Map(), calls: [], usage: null, unpriced: 0};
  }

  function column(layer, title) {
    let found = view.columns.get(layer);
    if (!found) {
      const section = el('section', 'layer');
      section.dataset.layer = String(layer);
      const heading = el('h2', null, title || 'Layer ' + (layer + 1));
      const summary = el('p', 'layer-summary', 'running…');
      const cards = el('div', 'cards');
      section.append(heading, summary, cards);
      // Columns in layer order, whatever order they are made in.
      const after = [...view.columns.keys()].filter((l) => l > layer).sort((a, b) => a - b)[0];
      $('layers').insertBefore(section, after === undefined ? null : view.columns.get(after).section);
      found = {section, summary, cards};
      view.columns.set(layer, found);
    }
    return found;
  }

  function card(layer, index, label) {
    const id = layer + ':' + index;
    let found = view.cards.get(id);
    if (!found) {
      const article = el('article', 'card waiting');
      article.dataset.layer = String(layer);
      article.dataset.index = String(index);
      const title = el('h3', 'model', label || 'call ' + (index + 1));
      const facts = el('p', 'facts', 'waiting…');
      const body = el('div', 'output');
      article.append(title, facts, body);
      const cards = column(layer).cards;
      const after = [...cards.children].find((c) => Number(c.dataset.index) > index);
      cards.insertBefore(article, after || null);
      found = {article, title, facts, body};
      view.cards.set(id, found);
    }
    return found;
  }

  /** The plan (a dry run: no upstream call) lets every card be drawn, waiting, before the first call ends. */
  function drawPlan(plan) {
    const layers = plan && plan.moa && plan.moa.layers ? plan.moa.layers : [];
    // The plan numbers layers from 1, progress events from 0: a layer is its place in the plan's list.
    layers.forEach((layer, position) => {
      const last = position === layers.length - 1;
      column(position, last && layers.length > 1 ? 'Aggregator (layer ' + (position + 1) + ')'
        : 'Layer ' + (position + 1));
      let index = 0;
      for (const agent of layer.agents || []) {
        for (let sample = 0; sample < (agent.samples || 1); sample++) {
          card(position, index++, agent.provider + ' / ' + agent.model);
        }
      }
    });
  }

  function agentDone(event) {
    view.calls.push(event);
    const shown = card(event.layer, event.index);
    shown.article.classList.remove('waiting');
    shown.article.classList.add(event.output !== undefined ? 'answered' : event.cut ? 'cut' : 'failed');
    shown.title.textContent = event.provider + ' / ' + event.model;
    const usage = event.usage || {};
    const tries = (event.attempts || []).length;
    shown.facts.textContent = [ms(event.latency_ms),
      (usage.prompt_tokens || 0) + ' → ' + (usage.completion_tokens || 0) + ' tokens', dollars(event.cost),
      tries > 1 ? tries + ' requests' : null].filter(Boolean).join(' · ');
    shown.body.replaceChildren();
    if (event.output !== undefined) {
      shown.body.append(el('pre', 'text', event.output));
    } else {
      shown.body.append(el('p', 'problem', (event.cut ? 'cut: ' : 'failed: ') + (event.error || '')));
    }
  }

  function layerDone(event) {
    const shown = column(event.layer);
    shown.summary.textContent = event.answers + (event.answers === 1 ? ' answer' : ' answers')
      + (event.cut ? ', ' + event.cut + ' cut' : '');
    shown.section.classList.add('done');
  }

  function token(text) {
    $('answer-box').hidden = false;
    $('answer').textContent += text;
  }

  function handle(chunk) {
    if (chunk.error) {
      throw new Error(chunk.error.message || 'the answer failed');
    }
    if (chunk.moa && chunk.moa.event === 'agent_done') {
      agentDone(chunk.moa);
    } else if (chunk.moa && chunk.moa.event === 'layer_done') {
      layerDone(chunk.moa);
    }
    for (const choice of chunk.choices || []) {
      if (choice.delta && typeof choice.delta.content === 'string') {
        token(choice.delta.content);
      }
    }
    if (chunk.usage) {
      view.usage = chunk.usage;
      // Calls whose model has no price: their cost is unknown, not zero.
      view.unpriced = chunk.moa && chunk.moa.cost_unpriced_calls ? chunk.moa.cost_unpriced_calls : 0;
    }
  }

  /** Server-sent events from a fetch body, each {@code data:} payload as JSON, until {@code [DONE]}. */
  async function readEvents(body, onData) {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const {value, done} = await reader.read();
      if (done) {
        break;
      }
      buffer += decoder.decode(value, {stream: true}).replace(/\r\n/g, '\n');
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block.split('\n').filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).replace(/^ /, '')).join('\n');
        if (data && data !== '[DONE]') {
          onData(JSON.parse(data));
        }
      }
    }
  }

  /** Every request of every call on one time axis: retries, fallbacks and hedged copies each a bar. */
  function drawTimeline() {
    const rows = [];
    const calls = [...view.calls].sort((a, b) => a.layer - b.layer || a.index - b.index);
    for (const call of calls) {
      const end = call.started_ms + call.latency_ms;
      const attempts = call.attempts && call.attempts.length ? call.attempts
        : [{provider: call.provider, model: call.model, started_ms: call.started_ms, latency_ms: call.latency_ms,
          error: call.error}];
      for (const attempt of attempts) {
        const notes = [];
        if (attempt.retry) {
          notes.push('retry ' + attempt.retry);
        }
        if (attempt.fallback) {
          notes.push('fallback');
        }
        if (attempt.hedge) {
          notes.push('hedge ' + attempt.hedge);
        }
        const finished = attempt.latency_ms !== undefined && attempt.latency_ms !== null;
        const kind = !finished || attempt.error === 'cancelled' ? 'cancelled' : attempt.error ? 'failed' : 'ok';
        rows.push({
          label: 'L' + (call.layer + 1) + ' #' + (call.index + 1) + ' ' + attempt.model
            + (notes.length ? ' (' + notes.join(', ') + ')' : ''),
          start: attempt.started_ms,
          end: finished ? attempt.started_ms + attempt.latency_ms : end,
          kind,
          title: attempt.provider + ' / ' + attempt.model + ': ' + ms(finished ? attempt.latency_ms : null)
            + (attempt.error ? ' — ' + attempt.error : ''),
        });
      }
    }
    if (!rows.length) {
      return;
    }
    const span = Math.max(1, ...rows.map((r) => r.end));
    const labelWidth = 260;
    const barWidth = 560;
    const rowHeight = 22;
    const height = rows.length * rowHeight + 24;
    const chart = svg('svg', {id: 'gantt', width: labelWidth + barWidth + 20, height, role: 'img',
      viewBox: '0 0 ' + (labelWidth + barWidth + 20) + ' ' + height});
    chart.append(svg('title', {}, 'Every request of the run, from the start of the mix (' + ms(span) + ')'));
    rows.forEach((row, i) => {
      const y = i * rowHeight;
      const x = labelWidth + (row.start / span) * barWidth;
      const width = Math.max(2, ((row.end - row.start) / span) * barWidth);
      chart.append(svg('text', {x: 0, y: y + 15, class: 'label'}, row.label));
      const bar = svg('rect', {x, y: y + 4, width, height: rowHeight - 8, rx: 3, class: 'bar ' + row.kind});
      bar.append(svg('title', {}, row.title));
      chart.append(bar);
    });
    const axisY = rows.length * rowHeight + 16;
    chart.append(svg('text', {x: labelWidth, y: axisY, class: 'axis'}, '0 ms'));
    chart.append(svg('text', {x: labelWidth + barWidth, y: axisY, class: 'axis', 'text-anchor': 'end'}, ms(span)));
    $('timeline').replaceChildren(chart);
    $('timeline-box').hidden = false;
  }

  function drawTotals(wallMs) {
    const usage = view.usage || {};
    const requests = view.calls.reduce((n, c) => n + Math.max(1, (c.attempts || []).length), 0);
    const cost = usage.cost !== undefined ? usage.cost
      : view.calls.every((c) => c.cost === null || c.cost === undefined) ? null
        : view.calls.reduce((sum, c) => sum + Number(c.cost || 0), 0);
    const facts = [
      ['Time', ms(wallMs)],
      ['Calls', String(view.calls.length)],
      ['Requests', String(requests)],
      ['Input tokens', String(usage.prompt_tokens !== undefined ? usage.prompt_tokens
        : view.calls.reduce((n, c) => n + ((c.usage || {}).prompt_tokens || 0), 0))],
      ['Output tokens', String(usage.completion_tokens !== undefined ? usage.completion_tokens
        : view.calls.reduce((n, c) => n + ((c.usage || {}).completion_tokens || 0), 0))],
      ['Cost', dollars(cost) + (view.unpriced ? ' (+ ' + view.unpriced + ' unpriced '
        + (view.unpriced === 1 ? 'call)' : 'calls)') : '')],
    ];
    const list = $('totals');
    list.replaceChildren();
    for (const [name, value] of facts) {
      const term = el('dt', null, name);
      const detail = el('dd', null, value);
      detail.dataset.total = name.toLowerCase().replace(/ /g, '-');
      list.append(term, detail);
    }
    $('totals-box').hidden = false;
  }

  async function run(event) {
    if (event) {
      event.preventDefault();
    }
    if (running) {
      return;
    }
    const model = $('mix').value;
    const prompt = $('prompt').value;
    if (!model || !prompt.trim()) {
      setStatus('Choose a mix and write a prompt.', true);
      return;
    }
    running = true;
    $('run').disabled = true;
    view = newView();
    const messages = [{role: 'user', content: prompt}];
    const started = performance.now();
    setStatus('Running…');
    try {
      const plan = await fetch('v1/chat/completions', {method: 'POST', headers: headers(),
        body: JSON.stringify({model, messages, moa: {dry_run: true}})});
      if (plan.ok) {
        drawPlan(await plan.json());
      }
      const response = await fetch('v1/chat/completions', {method: 'POST', headers: headers(),
        body: JSON.stringify({model, messages, stream: true, stream_options: {include_usage: true},
          moa: {progress: true}})});
      if (!response.ok) {
        throw new Error(errorText(response.status, await response.json().catch(() => null)));
      }
      await readEvents(response.body, handle);
      setStatus('Done in ' + ms(performance.now() - started) + '.');
    } catch (e) {
      setStatus(e.message, true);
    } finally {
      drawTimeline();
      drawTotals(performance.now() - started);
      for (const shown of view.columns.values()) {
        if (!shown.section.classList.contains('done')) {
          shown.summary.textContent = 'not run';
        }
      }
      running = false;
      $('run').disabled = false;
    }
  }

  function start() {
    if (keysRequired) {
      $('key-field').hidden = false;
      $('key').value = sessionStorage.getItem(KEY_ITEM) || '';
    }
    $('key').addEventListener('change', () => {
      const key = $('key').value.trim();
      if (key) {
        sessionStorage.setItem(KEY_ITEM, key);
      } else {
        sessionStorage.removeItem(KEY_ITEM);
      }
      loadModels();
    });
    $('ask').addEventListener('submit', run);
    $('prompt').addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        run(e);
      }
    });
    if (!keysRequired || sessionStorage.getItem(KEY_ITEM)) {
      loadModels();
    } else {
      setStatus('Enter your client key to list the mixes.');
    }
  }

  start();
}());
