import { XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { barChart, lineChart } from '../src/charts/svg.ts';

const HOSTILE = `<script>alert("x")</script> & 'co'`;

/** The <svg> element of a chart fragment (the fragment also holds its <h2> title). */
function svgOf(fragment: string): string {
  const start = fragment.indexOf('<svg');
  const end = fragment.lastIndexOf('</svg>');
  expect(start).toBeGreaterThanOrEqual(0);
  return fragment.slice(start, end + '</svg>'.length);
}

function expectWellFormed(fragment: string): void {
  // Both the title and the chart must parse: wrapped so the fragment has one root element.
  expect(XMLValidator.validate(`<div>${fragment}</div>`)).toBe(true);
  expect(XMLValidator.validate(svgOf(fragment))).toBe(true);
}

describe('SVG charts: titles, series names and labels are text, never markup', () => {
  it('a line chart escapes its title, series names and axis labels', () => {
    const chart = lineChart(HOSTILE, { [HOSTILE]: [[1, 0.5], [10, 0.25]], 'a&b': [[1, 0.1]] }, { xLabel: HOSTILE, yLabel: '<y>', yMax: 1 });
    expect(chart).not.toContain('<script>');
    expect(chart).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;');
    expect(chart).toContain('>a&amp;b</text>');
    expectWellFormed(chart);
  });

  it('a bar chart escapes its title and bar names', () => {
    const chart = barChart(HOSTILE, { [HOSTILE]: 3, 'fra&nrt': 1 });
    expect(chart).not.toContain('<script>');
    expect(chart).toContain('>fra&amp;nrt</text>');
    expectWellFormed(chart);
  });

  it('an empty chart escapes its title too', () => {
    const chart = lineChart(HOSTILE, {}, { xLabel: 'x', yLabel: 'y' });
    expect(chart).not.toContain('<script>');
    expect(XMLValidator.validate(`<div>${chart}</div>`)).toBe(true);
  });
});
