import { mkdirSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, testTopology, TEST_EDGES, type TestCluster } from './helpers/test-cluster.ts';
import { shouldRunWith } from './helpers/system-binary.ts';

const run = shouldRunWith(['chromium'], 'Debian: apt-get install chromium');

describe('the dashboard feeds', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster(testTopology({ edges: TEST_EDGES.slice(0, 3) }));
  });
  afterAll(async () => cluster?.dispose());

  it('serves the page with a drawn world map, its script, places and a live state', async () => {
    const page = await request(`${cluster.routerUrl}/_cdn/dashboard`);
    const html = await page.body.text();
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(html).toMatch(/<path class="land" d="M[\d.,LMZ-]{10000,}/);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
    const script = await request(`${cluster.routerUrl}/_cdn/dashboard/dashboard.js`);
    expect(script.statusCode).toBe(200);
    expect(await script.body.text()).toContain('/_cdn/dashboard/state');
    const places = (await (await request(`${cluster.routerUrl}/_cdn/dashboard/places`)).body.json()) as { countries: { code: string }[] };
    expect(places.countries.length).toBeGreaterThan(200);
    await (await request(`${cluster.routerUrl}/gen/d?bytes=10`, { headers: { cookie: 'cdnsim_geo=JP' } })).body.dump();
    await (await request(`${cluster.routerUrl}/gen/d?bytes=10`, { headers: { cookie: 'cdnsim_geo=JP' } })).body.dump();
    const state = (await (await request(`${cluster.routerUrl}/_cdn/dashboard/state`, { headers: { cookie: 'cdnsim_geo=JP' } })).body.json()) as {
      chosenEdge: string;
      edges: { id: string; requests: number; hitRatio: number }[];
    };
    expect(state.chosenEdge).toBe('nrt');
    expect(state.edges.find((edge) => edge.id === 'nrt')).toMatchObject({ requests: 2, hitRatio: 0.5 });
  });
});

describe.runIf(run)('the dashboard in headless Chromium', () => {
  let cluster: TestCluster;
  let browser: Browser;

  beforeAll(async () => {
    cluster = await startTestCluster(testTopology({ edges: TEST_EDGES.slice(0, 3) }));
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await cluster?.dispose();
  });

  it('lets a person pick a location in Asia, fetch an object and see the Asian edge that served it', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${cluster.routerUrl}/_cdn/dashboard`);
    await page.waitForSelector('#nodes g.edge >> nth=2');
    expect(await page.locator('#nodes g.edge').count()).toBe(3);
    await page.selectOption('#place', 'JP');
    await page.waitForFunction(() => document.getElementById('where')?.textContent?.includes('edge nrt'));
    await page.click('#fetch');
    await page.waitForFunction(() => document.getElementById('served-by')?.textContent === 'nrt');
    expect(await page.textContent('#x-cache')).toMatch(/^(MISS|HIT)$/);
    expect(await page.textContent('#timing')).toContain('edge');
    // A click on the map over Europe moves the simulated location there.
    const box = (await page.locator('#map').boundingBox())!;
    await page.mouse.click(box.x + ((8.7 + 180) / 360) * box.width, box.y + ((90 - 50.1) / 180) * box.height);
    await page.waitForFunction(() => document.getElementById('where')?.textContent?.includes('edge fra'));
    await page.click('#fetch');
    await page.waitForFunction(() => document.getElementById('served-by')?.textContent === 'fra');
    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/dashboard.png', fullPage: true });
  }, 60_000);
});
