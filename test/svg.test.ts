import { describe, it, expect } from 'vitest';
import { checkXml } from './helpers/xml.js';
import { barChartSvg, formatValue, panelChartSvg, stackedBarChartSvg, type Panel } from '../src/report/svg.js';

// No XML parser is installed, so this is a deliberately strict subset checker:
// elements must nest and close in order, attributes must be quoted and unique,
// and text/attribute values may only contain '&' as part of an entity.
function count(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

function expectClean(svg: string): void {
  expect(checkXml(svg)).toBe('svg');
  expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
  expect(svg).toMatch(/viewBox="0 0 \d+(\.\d+)? \d+(\.\d+)?"/);
  expect(svg).not.toMatch(/NaN|Infinity|undefined/);
  expect(svg).not.toMatch(/<script|<style|@import|url\(|href=/);
}

const epochs = (f: (e: number) => number, k = 10): Array<[number, number]> => Array.from({ length: k }, (_, e) => [e, f(e)]);

describe('well-formedness checker', () => {
  it('accepts well-formed markup', () => {
    expect(checkXml('<?xml version="1.0"?>\n<a x="1" y=\'&amp;\'><!-- c --><b/>t &lt; &#38; &#x26;<c></c></a>\n')).toBe('a');
  });

  it.each([
    ['unclosed element', '<a><b></a>'],
    ['misordered close', '<a><b></a></b>'],
    ['unclosed root', '<a><b/>'],
    ['close without open', '<a/></b>'],
    ['unquoted attribute', '<a x=1/>'],
    ['attribute without value', '<a x/>'],
    ['attributes not separated', '<a x="1"y="2"/>'],
    ['duplicate attribute', '<a x="1" x="2"/>'],
    ['raw ampersand in text', '<a>R&D</a>'],
    ['raw ampersand in attribute', '<a t="R&D"/>'],
    ['< inside text', '<a>1 < 2</a>'],
    ['< inside attribute', '<a t="1<2"/>'],
    ['stray > in text', '<a>1 > 2</a>'],
    ['two roots', '<a/><b/>'],
    ['text outside root', 'hi<a/>'],
    ['no root', '   '],
  ])('rejects %s', (_, xml) => {
    expect(() => checkXml(xml)).toThrow();
  });
});

describe('formatValue', () => {
  it('formats bytes with binary units', () => {
    expect(formatValue(1572864, 'bytes')).toBe('1.5 MiB');
    expect(formatValue(512, 'bytes')).toBe('512 B');
    expect(formatValue(2048, 'bytes')).toBe('2 KiB');
    expect(formatValue(3 * 1024 ** 3, 'bytes')).toBe('3 GiB');
    expect(formatValue(-1572864, 'bytes')).toBe('-1.5 MiB');
  });

  it('formats other values compactly', () => {
    expect(formatValue(1234, '')).toBe('1.2k');
    expect(formatValue(3_400_000, 'samples/s')).toBe('3.4M samples/s');
    expect(formatValue(12.34, 'x')).toBe('12.3x');
    expect(formatValue(42, 'ms')).toBe('42 ms');
    expect(formatValue(0, 'ms')).toBe('0 ms');
    expect(formatValue(0.00123, 's')).toBe('0.0012 s');
    expect(formatValue(Number.NaN, 'ms')).toBe('n/a');
    expect(formatValue(Number.POSITIVE_INFINITY, 'bytes')).toBe('n/a');
  });
});

describe('panelChartSvg', () => {
  const panels: Panel[] = [
    { title: 'RSS', unit: 'bytes', note: '+0.1 MiB/epoch', series: [{ name: 'rss', points: epochs((e) => 200e6 + e * 1e5) }] },
    {
      title: 'Heap',
      unit: 'bytes',
      series: [
        { name: 'heapUsed', points: epochs((e) => 40e6 + (e % 3) * 2e6) },
        { name: 'external', points: epochs(() => 8e6) },
      ],
    },
    { title: 'Open fds', unit: '', series: [{ name: 'fds', points: epochs(() => 21) }] },
  ];

  it('renders one panel group per panel', () => {
    const svg = panelChartSvg({ title: 'Leak check', subtitle: '10 epochs', xLabel: 'epoch', panels });
    expectClean(svg);
    expect(count(svg, '<g class="panel"')).toBe(3);
    expect(svg).toContain('+0.1 MiB/epoch');
    expect(svg).toContain('>MiB<');
    // Only the multi-series panel gets a legend.
    expect(count(svg, '<g class="legend"')).toBe(1);
    expect(count(svg, '<polyline class="series"')).toBe(4);
  });

  it('escapes titles, notes and legend names', () => {
    const svg = panelChartSvg({
      title: 'A <b>&"c\'',
      subtitle: 'x & y',
      xLabel: 'epoch <n>',
      panels: [
        {
          title: 'P&L',
          unit: '<u>',
          note: '"quoted"',
          series: [
            { name: 'evil <&>"', points: [[0, 1], [1, 2]] },
            { name: 'plain', points: [[0, 2], [1, 1]] },
          ],
        },
      ],
    });
    expectClean(svg);
    expect(svg).toContain('A &lt;b&gt;&amp;&quot;c&apos;');
    expect(svg).toContain('evil &lt;&amp;&gt;&quot;');
    expect(svg).toContain('P&amp;L');
    expect(svg).toContain('epoch &lt;n&gt;');
    expect(svg).toContain('&quot;quoted&quot;');
    expect(svg).not.toContain('evil <');
  });

  it('handles single points, empty series, non-finite values and constant data', () => {
    const svg = panelChartSvg({
      title: 'Edge cases',
      xLabel: 'epoch',
      panels: [
        { title: 'single', unit: 'bytes', series: [{ name: 's', points: [[0, 1024]] }] },
        { title: 'empty', unit: 'ms', series: [{ name: 'e', points: [] }] },
        { title: 'no series', unit: '', series: [] },
        { title: 'non-finite', unit: '', series: [{ name: 'n', points: [[Number.NaN, 1], [1, Number.POSITIVE_INFINITY], [2, 3], [3, 4]] }] },
        { title: 'zeros', unit: '', series: [{ name: 'z', points: [[0, 0], [5, 0]] }] },
        { title: 'fractional constant', unit: 's', series: [{ name: 'c', points: [[0.5, 0.25], [0.5, 0.25]] }] },
      ],
      columns: 2,
    });
    expectClean(svg);
    expect(count(svg, '<g class="panel"')).toBe(6);
    expect(svg).toContain('<circle'); // the lone point is still visible
    expect(count(svg, '>no data<')).toBe(2);
  });

  it('renders with no panels at all', () => {
    const svg = panelChartSvg({ title: 'Nothing', xLabel: 'epoch', panels: [] });
    expectClean(svg);
    expect(count(svg, '<g class="panel"')).toBe(0);
  });

  it('gives every panel 4-6 y ticks', () => {
    const svg = panelChartSvg({ title: 't', xLabel: 'x', panels });
    for (const group of svg.split('<g class="panel"').slice(1)) {
      const yTicks = count(group, `stroke="#e5e5e5"`);
      expect(yTicks).toBeGreaterThanOrEqual(4);
      expect(yTicks).toBeLessThanOrEqual(6);
    }
  });
});

describe('barChartSvg', () => {
  it('renders one bar per entry with values, notes and a group legend', () => {
    const bars = [
      { label: 'tensorloader', value: 1_250_000, group: 'native', note: '12.3x' },
      { label: 'tensorloader (workers)', value: 2_100_000, group: 'native', note: '20.7x' },
      { label: 'plain <js> & co', value: 101_500, group: 'baseline', note: '1.0x' },
      { label: 'ungrouped', value: 0 },
    ];
    const svg = barChartSvg({ title: 'Throughput', subtitle: 'higher is better', unit: 'samples/s', bars });
    expectClean(svg);
    expect(count(svg, '<rect class="bar"')).toBe(bars.length);
    expect(svg).toContain('>1.3M samples/s<tspan dx="8" font-weight="bold">12.3x</tspan></text>');
    expect(svg).toContain('plain &lt;js&gt; &amp; co');
    expect(count(svg, '<g class="legend"')).toBe(1);
    const fills = [...svg.matchAll(/<rect class="bar"[^>]*fill="([^"]+)"/g)].map((m) => m[1]);
    expect(fills[0]).toBe(fills[1]);
    expect(fills[0]).not.toBe(fills[2]);
  });

  it('handles empty input, negative and non-finite values', () => {
    expectClean(barChartSvg({ title: 'none', unit: 'ms', bars: [] }));
    const svg = barChartSvg({
      title: 'mixed',
      unit: 'bytes',
      bars: [
        { label: 'grow', value: 3 * 1024 * 1024 },
        { label: 'shrink', value: -1024 * 1024 },
        { label: 'broken', value: Number.NaN },
      ],
    });
    expectClean(svg);
    expect(count(svg, '<rect class="bar"')).toBe(2);
    expect(svg).toContain('>n/a<');
    expect(svg).not.toContain('<g class="legend"');
  });
});

describe('stackedBarChartSvg', () => {
  it('stacks segments per bar, one colour per segment name, totals at the bar ends', () => {
    const svg = stackedBarChartSvg({
      title: 'Where an item goes',
      unit: 'us',
      bars: [
        { label: 'whole item', segments: [{ name: 'read', value: 3 }, { name: 'decode', value: 40 }, { name: 'rest', value: 7 }], note: '1.2x floors' },
        { label: 'floors <sum>', segments: [{ name: 'read', value: 3 }, { name: 'decode', value: 38 }, { name: 'bad', value: Number.NaN }, { name: 'neg', value: -1 }] },
      ],
    });
    expectClean(svg);
    expect(count(svg, '<rect class="segment"')).toBe(5);
    expect(svg).toContain('floors &lt;sum&gt;');
    expect(svg).toContain('font-weight="bold">1.2x floors</tspan>');
    const fills = [...svg.matchAll(/<rect class="segment"[^>]*fill="([^"]+)"/g)].map((m) => m[1]);
    expect(fills[0]).toBe(fills[3]);
    expect(fills[1]).toBe(fills[4]);
    expect(fills[0]).not.toBe(fills[1]);
    expect(svg).not.toContain('neg');
    expectClean(stackedBarChartSvg({ title: 'none', unit: 'us', bars: [] }));
  });
});
