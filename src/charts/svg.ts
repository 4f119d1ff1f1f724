/** Small self-contained SVG charts for the reports (no chart library, no network). */

import { escapeText } from './escape-text.ts';

const COLOURS = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#65a30d', '#9333ea', '#0d9488'];

export function lineChart(title: string, series: Record<string, [number, number][]>, options: { logX?: boolean; xLabel: string; yLabel: string; yMax?: number }): string {
  const width = 720;
  const height = 320;
  const pad = { left: 60, right: 150, top: 30, bottom: 40 };
  const all = Object.values(series).flat();
  if (all.length === 0) return `<h2>${escapeText(title)}</h2><p>no data</p>`;
  const fx = (x: number) => (options.logX ? Math.log10(Math.max(x, 0.01)) : x);
  const xs = all.map(([x]) => fx(x));
  const minX = Math.min(...xs);
  const maxX = Math.max(...xs, minX + 1e-9);
  const maxY = options.yMax ?? Math.max(...all.map(([, y]) => y), 1e-9);
  const px = (x: number) => pad.left + ((fx(x) - minX) / (maxX - minX)) * (width - pad.left - pad.right);
  const py = (y: number) => height - pad.bottom - (y / maxY) * (height - pad.top - pad.bottom);
  const lines = Object.entries(series).map(([name, points], index) => {
    const colour = COLOURS[index % COLOURS.length];
    const d = points.map(([x, y], i) => `${i ? 'L' : 'M'}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join('');
    return `<path d="${d}" fill="none" stroke="${colour}" stroke-width="2"/><text x="${width - pad.right + 10}" y="${pad.top + 16 * index}" fill="${colour}">${escapeText(name)}</text>`;
  });
  const ticks = options.logX
    ? Array.from({ length: Math.floor(maxX) - Math.ceil(minX) + 1 }, (_, i) => 10 ** (Math.ceil(minX) + i)).map(
        (v) => `<text x="${px(v)}" y="${height - 20}" text-anchor="middle">${v >= 1 ? v.toLocaleString('en') : v}</text>`,
      )
    : [minX, (minX + maxX) / 2, maxX].map((v) => `<text x="${px(v)}" y="${height - 20}" text-anchor="middle">${v.toFixed(0)}</text>`);
  return `<h2>${escapeText(title)}</h2><svg width="${width}" height="${height}" font-size="12" font-family="sans-serif">
<rect x="${pad.left}" y="${pad.top}" width="${width - pad.left - pad.right}" height="${height - pad.top - pad.bottom}" fill="#f8fafc" stroke="#cbd5e1"/>
${ticks.join('')}<text x="${pad.left}" y="${pad.top - 8}">${escapeText(options.yLabel)} (max ${maxY.toFixed(2)})</text><text x="${width - pad.right}" y="${height - 4}" text-anchor="end">${escapeText(options.xLabel)}</text>
${lines.join('\n')}</svg>`;
}

export function barChart(title: string, values: Record<string, number>): string {
  const entries = Object.entries(values);
  const width = 720;
  const rowHeight = 22;
  const max = Math.max(...entries.map(([, value]) => value), 1);
  const bars = entries.map(([name, value], index) => {
    const barWidth = (value / max) * (width - 220);
    return `<text x="0" y="${index * rowHeight + 15}">${escapeText(name)}</text><rect x="80" y="${index * rowHeight + 3}" width="${barWidth.toFixed(1)}" height="16" fill="${COLOURS[index % COLOURS.length]}"/><text x="${88 + barWidth}" y="${index * rowHeight + 15}">${value}</text>`;
  });
  return `<h2>${escapeText(title)}</h2><svg width="${width}" height="${entries.length * rowHeight + 10}" font-size="12" font-family="sans-serif">${bars.join('')}</svg>`;
}
