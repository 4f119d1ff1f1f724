// The dashboard's live part, run in the browser as is (no build step, no third-party code).
// It polls /_cdn/dashboard/state, draws edges, origin and traffic on the server-drawn map, lets
// the person pick a simulated location (a cookie the router honours) and fetch through the CDN.
(() => {
  'use strict';
  const { width, height } = window.CDNSIM_MAP;
  const SVG = 'http://www.w3.org/2000/svg';
  const COOKIE = 'cdnsim_geo';
  const $ = (id) => document.getElementById(id);
  let previous = null;

  // Equirectangular, as the server drew the map.
  const project = (lat, lon) => [((lon + 180) / 360) * width, ((90 - lat) / 180) * height];
  const unproject = (x, y) => [90 - (y / height) * 180, (x / width) * 360 - 180];

  function svg(name, attributes, parent) {
    const element = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
    if (parent) parent.appendChild(element);
    return element;
  }

  function setLocation(value) {
    document.cookie = value ? `${COOKIE}=${encodeURIComponent(value)}; path=/; SameSite=Lax` : `${COOKIE}=; path=/; max-age=0`;
    refresh();
  }

  async function loadPlaces() {
    const places = await (await fetch('/_cdn/dashboard/places', { cache: 'no-store' })).json();
    const select = $('place');
    const group = (label, items) => {
      const optgroup = document.createElement('optgroup');
      optgroup.label = label;
      for (const item of items) optgroup.appendChild(new Option(item.label, item.value));
      select.appendChild(optgroup);
    };
    group('Edge cities', places.cities.map((city) => ({ label: city.name, value: `${city.lat},${city.lon}` })));
    group('Countries (centre)', places.countries.map((country) => ({ label: country.name, value: country.code })));
    select.addEventListener('change', () => setLocation(select.value));
  }

  function draw(state, rates) {
    const nodes = $('nodes');
    const flows = $('flows');
    const you = $('you-layer');
    nodes.replaceChildren();
    flows.replaceChildren();
    you.replaceChildren();
    const [ox, oy] = project(state.origin.lat, state.origin.lon);
    for (const edge of state.edges) {
      const [x, y] = project(edge.lat, edge.lon);
      const rate = rates.get(edge.id) ?? { rps: 0, missRps: 0 };
      // Misses flow from the edge to the origin; the line grows with their rate.
      if (rate.missRps > 0) svg('line', { class: 'flow', x1: x, y1: y, x2: ox, y2: oy, 'stroke-width': Math.min(8, 1 + Math.log2(1 + rate.missRps)), opacity: 0.7 }, flows);
      const group = svg('g', { class: `edge ${edge.healthy ? 'up' : 'down'}`, 'data-edge': edge.id }, nodes);
      svg('circle', { cx: x, cy: y, r: 5 + Math.min(10, Math.log2(1 + rate.rps) * 1.5) }, group);
      const label = svg('text', { x: x + 9, y: y + 4 }, group);
      label.textContent = `${edge.id} ${edge.hitRatio === null ? '' : `${Math.round(edge.hitRatio * 100)}%`}`;
    }
    const origin = svg('g', { class: 'origin' }, nodes);
    svg('rect', { x: ox - 6, y: oy - 6, width: 12, height: 12 }, origin);
    svg('text', { x: ox + 9, y: oy + 16 }, origin).textContent = 'origin';
    const [cx, cy] = project(state.client.lat, state.client.lon);
    const chosen = state.edges.find((edge) => edge.id === state.chosenEdge);
    if (chosen) {
      const [ex, ey] = project(chosen.lat, chosen.lon);
      svg('line', { class: 'you-line', x1: cx, y1: cy, x2: ex, y2: ey }, you);
    }
    svg('circle', { class: 'you', cx, cy, r: 5 }, you);
    $('where').textContent =
      `You: ${state.client.lat.toFixed(2)}, ${state.client.lon.toFixed(2)} (${state.client.country}, from ${state.client.source}) → edge ${state.chosenEdge ?? 'none'}`;
    $('edges').replaceChildren(
      ...state.edges.map((edge) => {
        const row = document.createElement('tr');
        const rate = rates.get(edge.id) ?? { rps: 0 };
        for (const text of [edge.id, edge.healthy ? 'up' : 'DOWN', rate.rps.toFixed(1), edge.hitRatio === null ? '–' : `${(edge.hitRatio * 100).toFixed(1)}%`]) {
          row.appendChild(document.createElement('td')).textContent = text;
        }
        return row;
      }),
    );
  }

  // One row per function per edge; an edge that runs none (or could not be asked) says so.
  function drawFunctions(state) {
    const rows = [];
    const row = (cells, title) => {
      const tr = document.createElement('tr');
      if (title) tr.title = title;
      for (const text of cells) tr.appendChild(document.createElement('td')).textContent = text;
      rows.push(tr);
    };
    for (const edge of state.edges) {
      const view = edge.functions;
      if (!view) continue;
      const answered = view.answered > 0 ? ` (${view.answered} answered by a function)` : '';
      if (view.problem) row([edge.id, 'unknown', '', '', ''], view.problem);
      else if (view.attached.length === 0) row([edge.id, 'none', '', '', answered]);
      for (const fn of view.attached) {
        row([edge.id, `${fn.id} (${fn.runtime})`, fn.triggers.join(', '), String(fn.version), `${fn.runs}${answered}`]);
      }
    }
    $('functions').replaceChildren(...rows);
  }

  async function refresh() {
    try {
      const state = await (await fetch('/_cdn/dashboard/state', { cache: 'no-store' })).json();
      const now = performance.now();
      const rates = new Map();
      for (const edge of state.edges) {
        const before = previous?.edges.get(edge.id);
        const seconds = previous ? (now - previous.at) / 1000 : 0;
        const requests = before && seconds > 0 ? edge.requests - before.requests : 0;
        const hits = before && seconds > 0 ? edge.hits - before.hits : 0;
        rates.set(edge.id, { rps: seconds > 0 ? requests / seconds : 0, missRps: seconds > 0 ? (requests - hits) / seconds : 0 });
      }
      previous = { at: now, edges: new Map(state.edges.map((edge) => [edge.id, edge])) };
      draw(state, rates);
      drawFunctions(state);
    } catch (error) {
      $('where').textContent = `cannot reach the router: ${error.message}`;
    }
  }

  async function fetchThroughCdn() {
    const path = $('path').value || '/';
    for (const id of ['status', 'served-by', 'x-cache', 'age', 'timing']) $(id).textContent = '…';
    try {
      const response = await fetch(path, { cache: 'no-store' });
      await response.arrayBuffer();
      $('status').textContent = String(response.status);
      $('served-by').textContent = response.headers.get('x-served-by') ?? '–';
      $('x-cache').textContent = response.headers.get('x-cache') ?? '–';
      $('age').textContent = response.headers.get('age') ?? '–';
      const timing = (response.headers.get('server-timing') ?? '')
        .split(',')
        .map((part) => {
          const name = part.split(';')[0].trim();
          const dur = /dur=([\d.]+)/.exec(part);
          return name ? `${name} ${dur ? `${Number(dur[1]).toFixed(1)} ms` : ''}` : '';
        })
        .filter(Boolean);
      $('timing').replaceChildren(...timing.map((line) => Object.assign(document.createElement('div'), { textContent: line })));
    } catch (error) {
      $('status').textContent = `failed: ${error.message}`;
    }
    refresh();
  }

  $('map').addEventListener('click', (event) => {
    const svgElement = $('map');
    const point = svgElement.createSVGPoint();
    point.x = event.clientX;
    point.y = event.clientY;
    const local = point.matrixTransform(svgElement.getScreenCTM().inverse());
    const [lat, lon] = unproject(local.x, local.y);
    $('place').value = '';
    setLocation(`${lat.toFixed(2)},${lon.toFixed(2)}`);
  });
  $('fetch').addEventListener('click', fetchThroughCdn);
  loadPlaces().then(refresh);
  setInterval(refresh, 1000);
})();
