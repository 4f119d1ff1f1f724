import { MAP_HEIGHT, MAP_WIDTH, worldMapPath } from './world-map.ts';

/** The dashboard's HTML: the map is drawn here, the live parts by dashboard.js. Everything is served by the router. */
export function dashboardPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>cdnsim dashboard</title>
<link rel="icon" href="data:,">
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; background: #0f172a; color: #e2e8f0; }
  header { padding: 10px 16px; display: flex; gap: 16px; align-items: baseline; flex-wrap: wrap; }
  h1 { font-size: 18px; margin: 0; }
  main { display: grid; grid-template-columns: minmax(0, 3fr) minmax(260px, 1fr); gap: 12px; padding: 0 16px 16px; }
  svg { width: 100%; height: auto; background: #1e293b; border-radius: 8px; cursor: crosshair; }
  .land { fill: #334155; stroke: #475569; stroke-width: 0.4; }
  .edge circle { stroke: #0f172a; stroke-width: 1.5; }
  .edge.up circle { fill: #22c55e; } .edge.down circle { fill: #ef4444; }
  .edge text, .origin text { fill: #e2e8f0; font-size: 11px; pointer-events: none; }
  .origin rect { fill: #f59e0b; }
  .flow { stroke: #38bdf8; stroke-linecap: round; fill: none; }
  .you-line { stroke: #f472b6; stroke-dasharray: 4 3; stroke-width: 2; }
  .you { fill: #f472b6; }
  section { background: #1e293b; border-radius: 8px; padding: 12px; margin-bottom: 12px; }
  h2 { font-size: 14px; margin: 0 0 8px; }
  table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
  td, th { text-align: left; padding: 2px 4px; } th { color: #94a3b8; font-weight: normal; }
  input, select, button { font: inherit; background: #0f172a; color: inherit; border: 1px solid #475569; border-radius: 4px; padding: 4px 6px; }
  input { width: 100%; box-sizing: border-box; margin: 4px 0; } button { cursor: pointer; }
  dl { display: grid; grid-template-columns: auto 1fr; gap: 2px 8px; margin: 8px 0 0; } dt { color: #94a3b8; }
  .muted { color: #94a3b8; }
</style>
</head>
<body>
<header>
  <h1>cdnsim</h1>
  <span id="where" class="muted">locating you…</span>
  <label>Simulated location <select id="place" aria-label="Simulated location"><option value="">(your address)</option></select></label>
  <span class="muted">or click on the map</span>
</header>
<main>
  <svg id="map" viewBox="0 0 ${MAP_WIDTH} ${MAP_HEIGHT}" role="img" aria-label="World map of the CDN">
    <path class="land" d="${worldMapPath()}"/>
    <g id="flows"></g><g id="nodes"></g><g id="you-layer"></g>
  </svg>
  <div>
    <section>
      <h2>Fetch through the CDN</h2>
      <input id="path" value="/gen/demo?bytes=1024" aria-label="Path to fetch">
      <button id="fetch">Fetch</button>
      <dl>
        <dt>Status</dt><dd id="status">–</dd>
        <dt>X-Served-By</dt><dd id="served-by">–</dd>
        <dt>X-Cache</dt><dd id="x-cache">–</dd>
        <dt>Age</dt><dd id="age">–</dd>
        <dt>Server-Timing</dt><dd id="timing">–</dd>
      </dl>
    </section>
    <section>
      <h2>Edges</h2>
      <table><thead><tr><th>edge</th><th>health</th><th>req/s</th><th>hit ratio</th></tr></thead><tbody id="edges"></tbody></table>
    </section>
    <section>
      <h2>Edge functions</h2>
      <table><thead><tr><th>edge</th><th>function</th><th>triggers</th><th>v</th><th>runs</th></tr></thead><tbody id="functions"></tbody></table>
      <p class="muted" id="functions-note">runs: as the router saw them (each response's Server-Timing fn-… members)</p>
    </section>
  </div>
</main>
<script>window.CDNSIM_MAP = { width: ${MAP_WIDTH}, height: ${MAP_HEIGHT} };</script>
<script src="/_cdn/dashboard/dashboard.js"></script>
</body>
</html>
`;
}
