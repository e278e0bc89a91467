// Self-contained SVG chart generators for benchmark and leak reports.
// Output is plain SVG 1.1 text: no scripts, no CSS, no web fonts, so a chart
// renders the same in a browser, an <img> tag, a Markdown viewer or rsvg.

export interface LineSeries { name: string; points: ReadonlyArray<readonly [number, number]> }
export interface Panel { title: string; unit: string; series: ReadonlyArray<LineSeries>; note?: string }
export interface PanelChartOptions {
  title: string;
  subtitle?: string;
  xLabel: string;
  panels: ReadonlyArray<Panel>;
  columns?: number;
  panelWidth?: number;
  panelHeight?: number;
}
export interface Bar { label: string; value: number; group?: string; note?: string }
export interface BarChartOptions { title: string; subtitle?: string; unit: string; bars: ReadonlyArray<Bar>; width?: number }

// Okabe-Ito, reordered so the first colours contrast well on white; yellow
// is last because it is hard to read as a thin line.
const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#000000', '#F0E442'];
const INK = '#222222';
const MUTED = '#666666';
const GRID = '#e5e5e5';
const BINARY_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

function esc(text: string): string {
  // Control characters other than tab/newline are not allowed in XML 1.0 at all.
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Coordinate formatting: two decimals is sub-pixel, and a non-finite value must never reach the output. */
function n(value: number): string {
  return Number.isFinite(value) ? String(+value.toFixed(2)) : '0';
}

// No font metrics without a renderer; 0.6em per character is a safe
// over-estimate for sans-serif digits and lower-case text.
function textWidth(text: string, size: number): number {
  return text.length * size * 0.6;
}

function fit(text: string, maxWidth: number, size: number): string {
  const max = Math.max(1, Math.floor(maxWidth / (size * 0.6)));
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function text(x: number, y: number, content: string, attrs = ''): string {
  return `<text x="${n(x)}" y="${n(y)}"${attrs ? ` ${attrs}` : ''}>${esc(content)}</text>`;
}

function noNegativeZero(s: string): string {
  return Number(s) === 0 ? s.replace('-', '') : s;
}

/** Two or three significant digits (1.2k, 12.3k, 123k), trailing zeros dropped. */
function compact(value: number): string {
  const a = Math.abs(value);
  if (a === 0) return '0';
  const s = a >= 100 ? value.toFixed(0) : a >= 1 ? value.toFixed(1) : String(+value.toPrecision(2));
  return noNegativeZero(s.includes('.') && !s.includes('e') ? s.replace(/\.?0+$/, '') : s);
}

function binaryScale(magnitude: number): [number, string] {
  const k = magnitude >= 1 ? Math.min(BINARY_UNITS.length - 1, Math.floor(Math.log2(magnitude) / 10)) : 0;
  return [1024 ** k, BINARY_UNITS[k] ?? 'B'];
}

function siScale(magnitude: number): [number, string] {
  for (const [div, suffix] of [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']] as const) {
    if (magnitude >= div) return [div, suffix];
  }
  return [1, ''];
}

function withUnit(num: string, unit: string): string {
  if (!unit) return num;
  return unit === '%' || unit === 'x' || unit === '×' ? `${num}${unit}` : `${num} ${unit}`;
}

export function formatValue(value: number, unit: string): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (unit === 'bytes') {
    const [div, name] = binaryScale(Math.abs(value));
    return `${compact(value / div)} ${name}`;
  }
  const [div, suffix] = siScale(Math.abs(value));
  return withUnit(compact(value / div) + suffix, unit);
}

/** 4-6 ticks on 1/2/2.5/5 steps covering [lo, hi]; `integer` keeps steps whole (epochs, fd counts). */
function niceTicks(lo: number, hi: number, integer: boolean): number[] {
  const raw = (hi - lo) / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  let best: number[] = [lo, hi];
  let bestScore = Infinity;
  for (const m of [0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10, 20]) {
    const step = +(m * mag).toPrecision(12);
    if (integer && !Number.isInteger(step)) continue;
    const first = Math.floor(lo / step + 1e-9);
    const last = Math.ceil(hi / step - 1e-9);
    const count = last - first + 1;
    // Prefer a count in range, then the tightest fit, then five ticks.
    const score = (count < 4 || count > 6 ? 100 : 0) + ((last - first) * step) / (hi - lo) + Math.abs(count - 5) * 0.05;
    if (score < bestScore) {
      bestScore = score;
      best = Array.from({ length: count }, (_, i) => +((first + i) * step).toPrecision(12));
    }
  }
  return best;
}

function decimalsFor(step: number): number {
  let d = 0;
  while (d < 10 && Math.abs(step * 10 ** d - Math.round(step * 10 ** d)) > 1e-6) d++;
  return d;
}

interface Axis { lo: number; hi: number; ticks: number[]; labels: string[]; unit: string }

/**
 * `minSpan` is a fraction of the largest magnitude the axis must at least
 * span: without it, allocator noise of a few KiB on a 100 MiB RSS line is
 * stretched to full height and reads like a leak.
 */
function axis(values: readonly number[], unit: string, minSpan: number): Axis {
  const finite = values.filter(Number.isFinite);
  const bytes = unit === 'bytes';
  const magnitude = finite.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const [div, unitLabel] = bytes ? binaryScale(magnitude) : [1, unit];
  const scaled = finite.map((v) => v / div);
  const integer = scaled.every(Number.isInteger);
  let lo = scaled.length ? Math.min(...scaled) : 0;
  let hi = scaled.length ? Math.max(...scaled) : 1;
  const nonNegative = lo >= 0;
  const span = Math.max(hi - lo, minSpan * Math.max(Math.abs(lo), Math.abs(hi)), integer ? 4 : 0);
  if (!(span > 0)) {
    const pad = Math.abs(lo) * 0.1 || 1;
    lo -= pad;
    hi += pad;
  } else if (hi - lo < span) {
    const mid = (lo + hi) / 2;
    lo = mid - span / 2;
    hi = mid + span / 2;
  }
  // Counts, sizes and epochs never go negative; keep the axis from suggesting they might.
  if (nonNegative && lo < 0) {
    hi -= lo;
    lo = 0;
  }
  const ticks = niceTicks(lo, hi, integer);
  const step = ticks.length > 1 ? (ticks[1] ?? 0) - (ticks[0] ?? 0) : 1;
  const [sdiv, suffix] = bytes ? [1, ''] : siScale(Math.max(...ticks.map(Math.abs)));
  const decimals = decimalsFor(step / sdiv);
  return {
    lo: (ticks[0] ?? 0) * div,
    hi: (ticks[ticks.length - 1] ?? 1) * div,
    ticks: ticks.map((t) => t * div),
    labels: ticks.map((t) => (t === 0 ? '0' : noNegativeZero((t / sdiv).toFixed(decimals)) + suffix)),
    unit: unitLabel,
  };
}

function scale(lo: number, hi: number, from: number, to: number): (v: number) => number {
  const range = hi - lo || 1;
  return (v) => from + ((v - lo) / range) * (to - from);
}

interface LegendItem { name: string; colour: string; kind: 'line' | 'box' }

/** Legend entries flowed left to right, wrapping; returns the markup and the height used. */
function legend(items: readonly LegendItem[], x: number, y: number, maxWidth: number): [string, number] {
  const parts: string[] = [];
  let cx = 0;
  let row = 0;
  for (const item of items) {
    const label = fit(item.name, maxWidth - 20, 11);
    const w = 18 + textWidth(label, 11) + 14;
    if (cx > 0 && cx + w > maxWidth) {
      cx = 0;
      row++;
    }
    const ly = y + row * 16;
    parts.push(
      item.kind === 'line'
        ? `<line x1="${n(x + cx)}" y1="${n(ly)}" x2="${n(x + cx + 14)}" y2="${n(ly)}" stroke="${item.colour}" stroke-width="2.5"/>`
        : `<rect x="${n(x + cx)}" y="${n(ly - 5)}" width="12" height="10" fill="${item.colour}"/>`,
      text(x + cx + 18, ly + 4, label, `font-size="11" fill="${INK}"`),
    );
    cx += w;
  }
  return [`<g class="legend">${parts.join('')}</g>`, items.length ? (row + 1) * 16 : 0];
}

function header(title: string, subtitle: string | undefined, width: number): [string, number] {
  const parts = [text(16, 28, fit(title, width - 32, 18), `font-size="18" font-weight="bold" fill="${INK}"`)];
  if (subtitle) parts.push(text(16, 48, fit(subtitle, width - 32, 12), `font-size="12" fill="${MUTED}"`));
  return [parts.join(''), subtitle ? 64 : 44];
}

function svgDocument(width: number, height: number, body: string): string {
  const w = n(width);
  const h = n(height);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif">\n` +
    `<rect width="${w}" height="${h}" fill="#ffffff"/>\n${body}\n</svg>\n`
  );
}

function panelSvg(panel: Panel, xLabel: string, width: number, height: number): string {
  const series = panel.series.map((s, i) => ({
    name: s.name,
    colour: PALETTE[i % PALETTE.length] ?? INK,
    points: s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)).slice().sort((a, b) => a[0] - b[0]),
  }));
  const all = series.flatMap((s) => s.points);
  const parts = [
    `<rect class="frame" x="0.5" y="0.5" width="${n(width - 1)}" height="${n(height - 1)}" fill="#ffffff" stroke="#cccccc"/>`,
    text(10, 20, fit(panel.title, width - 20, 13), `font-size="13" font-weight="bold" fill="${INK}"`),
  ];
  let top = 28;
  if (panel.note) {
    parts.push(text(10, top + 11, fit(panel.note, width - 20, 11), `font-size="11" fill="${MUTED}"`));
    top += 16;
  }
  if (series.length > 1) {
    const [markup, used] = legend(series.map((s) => ({ ...s, kind: 'line' as const })), 10, top + 8, width - 20);
    parts.push(markup);
    top += used;
  }

  const xa = axis(all.map((p) => p[0]), '', 0);
  const ya = axis(all.map((p) => p[1]), panel.unit, 0.1);
  const labelWidth = Math.max(...ya.labels.map((l) => textWidth(l, 10)));
  const left = (ya.unit ? 24 : 8) + labelWidth + 6;
  // Centred x labels: leave room for half of the last one inside the frame.
  const right = width - Math.max(16, textWidth(xa.labels[xa.labels.length - 1] ?? '', 10) / 2 + 8);
  const plotTop = top + 12;
  const bottom = Math.max(plotTop + 20, height - 40);
  const sx = scale(xa.lo, xa.hi, left, right);
  const sy = scale(ya.lo, ya.hi, bottom, plotTop);

  ya.ticks.forEach((t, i) => {
    const y = sy(t);
    parts.push(
      `<line x1="${n(left)}" y1="${n(y)}" x2="${n(right)}" y2="${n(y)}" stroke="${GRID}"/>`,
      text(left - 6, y + 3.5, ya.labels[i] ?? '', `font-size="10" fill="${MUTED}" text-anchor="end"`),
    );
  });
  xa.ticks.forEach((t, i) => {
    const x = sx(t);
    parts.push(
      `<line x1="${n(x)}" y1="${n(bottom)}" x2="${n(x)}" y2="${n(bottom + 4)}" stroke="${MUTED}"/>`,
      text(x, bottom + 15, xa.labels[i] ?? '', `font-size="10" fill="${MUTED}" text-anchor="middle"`),
    );
  });
  parts.push(
    `<line x1="${n(left)}" y1="${n(bottom)}" x2="${n(right)}" y2="${n(bottom)}" stroke="${MUTED}"/>`,
    `<line x1="${n(left)}" y1="${n(plotTop)}" x2="${n(left)}" y2="${n(bottom)}" stroke="${MUTED}"/>`,
    text((left + right) / 2, bottom + 31, fit(xLabel, right - left, 11), `font-size="11" fill="${INK}" text-anchor="middle"`),
  );
  if (ya.unit) {
    const cy = (plotTop + bottom) / 2;
    parts.push(text(14, cy, fit(ya.unit, bottom - plotTop, 11), `font-size="11" fill="${INK}" text-anchor="middle" transform="rotate(-90 14 ${n(cy)})"`));
  }

  for (const s of series) {
    const coords = s.points.map(([x, y]) => `${n(sx(x))},${n(sy(y))}`);
    if (coords.length > 1) {
      parts.push(`<polyline class="series" points="${coords.join(' ')}" fill="none" stroke="${s.colour}" stroke-width="2" stroke-linejoin="round"/>`);
    }
    // Markers only when sparse: they show where the samples are, and a lone point has no line at all.
    if (coords.length <= 24) {
      for (const [x, y] of s.points) parts.push(`<circle cx="${n(sx(x))}" cy="${n(sy(y))}" r="2.5" fill="${s.colour}"/>`);
    }
  }
  if (all.length === 0) {
    parts.push(text((left + right) / 2, (plotTop + bottom) / 2, 'no data', `font-size="12" fill="${MUTED}" text-anchor="middle"`));
  }
  return parts.join('\n');
}

/** One panel per measured series (e.g. RSS, heap, fds over epochs), laid out in a grid; each panel has its own y axis with 4-6 nice ticks, x axis ticks, a legend when it has more than one series, the unit in the y label, and an optional note line (e.g. "+0.1 MiB/epoch") under the title. Empty series or a single point must render without NaN. */
export function panelChartSvg(options: PanelChartOptions): string {
  const count = options.panels.length;
  const columns = Math.max(1, Math.min(Math.floor(options.columns ?? 3) || 1, Math.max(count, 1)));
  const rows = Math.ceil(count / columns);
  const pw = Math.max(160, options.panelWidth ?? 360);
  const ph = Math.max(140, options.panelHeight ?? 240);
  const gap = 12;
  const width = 32 + columns * pw + (columns - 1) * gap;
  const [head, headHeight] = header(options.title, options.subtitle, width);
  const parts = [head];
  options.panels.forEach((panel, i) => {
    const x = 16 + (i % columns) * (pw + gap);
    const y = headHeight + Math.floor(i / columns) * (ph + gap);
    parts.push(`<g class="panel" transform="translate(${n(x)},${n(y)})">\n${panelSvg(panel, options.xLabel, pw, ph)}\n</g>`);
  });
  if (count === 0) parts.push(text(16, headHeight + 16, 'no data', `font-size="12" fill="${MUTED}"`));
  const height = headHeight + (rows > 0 ? rows * ph + (rows - 1) * gap : 24) + 16;
  return svgDocument(width, height, parts.join('\n'));
}

/** Horizontal bars, one row per bar, value printed at the bar end (plus note, e.g. "12.3x"), bars of the same group share a colour, with a legend of groups. */
export function barChartSvg(options: BarChartOptions): string {
  const width = Math.max(320, options.width ?? 720);
  const { bars, unit } = options;
  const groups = [...new Set(bars.flatMap((b) => (b.group === undefined ? [] : [b.group])))];
  const colourOf = (group: string | undefined): string =>
    group === undefined ? (groups.length ? '#999999' : PALETTE[0] ?? INK) : PALETTE[groups.indexOf(group) % PALETTE.length] ?? INK;

  const [head, headHeight] = header(options.title, options.subtitle, width);
  const parts = [head];
  let top = headHeight;
  if (groups.length) {
    const [markup, used] = legend(groups.map((g) => ({ name: g, colour: colourOf(g), kind: 'box' as const })), 16, top + 4, width - 32);
    parts.push(markup);
    top += used + 4;
  }

  const rowHeight = 24;
  const { labels, values, left, right, plotTop, bottom } = barRows(bars, bars.map((b) => b.value), unit, width, top, rowHeight);

  // Bars grow from zero, so zero must be on the axis.
  const xa = axis([0, ...bars.map((b) => b.value)], unit, 0);
  const sx = scale(xa.lo, xa.hi, left, right);
  // The unit goes in one caption under the axis; repeated on every tick it would collide.
  const spacing = (right - left) / Math.max(1, xa.ticks.length - 1);
  const every = Math.max(...xa.labels.map((l) => textWidth(l, 10))) + 8 > spacing ? 2 : 1;
  xa.ticks.forEach((t, i) => {
    const x = sx(t);
    parts.push(`<line x1="${n(x)}" y1="${n(plotTop)}" x2="${n(x)}" y2="${n(bottom)}" stroke="${GRID}"/>`);
    if (i % every === 0) parts.push(text(x, bottom + 15, xa.labels[i] ?? '', `font-size="10" fill="${MUTED}" text-anchor="middle"`));
  });
  if (xa.unit) parts.push(text((left + right) / 2, bottom + 31, xa.unit, `font-size="11" fill="${INK}" text-anchor="middle"`));

  bars.forEach((bar, i) => {
    const cy = plotTop + i * rowHeight + rowHeight / 2;
    parts.push(text(left - 8, cy + 4, labels[i] ?? '', `font-size="12" fill="${INK}" text-anchor="end"`));
    const end = Number.isFinite(bar.value) ? sx(bar.value) : sx(0);
    if (Number.isFinite(bar.value)) {
      const x0 = Math.min(sx(0), end);
      parts.push(`<rect class="bar" x="${n(x0)}" y="${n(cy - 8)}" width="${n(Math.abs(end - sx(0)))}" height="16" fill="${colourOf(bar.group)}"/>`);
    }
    const note = bar.note ? `<tspan dx="8" font-weight="bold">${esc(bar.note)}</tspan>` : '';
    parts.push(`<text x="${n(Math.max(end, sx(0)) + 4)}" y="${n(cy + 4)}" font-size="11" fill="${INK}">${esc(values[i] ?? '')}${note}</text>`);
  });
  if (bars.length === 0) {
    parts.push(text((left + right) / 2, plotTop + rowHeight / 2 + 4, 'no data', `font-size="12" fill="${MUTED}" text-anchor="middle"`));
  }
  parts.push(`<line x1="${n(sx(0))}" y1="${n(plotTop)}" x2="${n(sx(0))}" y2="${n(bottom)}" stroke="${MUTED}"/>`);
  return svgDocument(width, bottom + (xa.unit ? 44 : 28), parts.join('\n'));
}

export interface StackedBar { label: string; segments: ReadonlyArray<{ name: string; value: number }>; note?: string }
export interface StackedBarChartOptions { title: string; subtitle?: string; unit: string; bars: ReadonlyArray<StackedBar>; width?: number }

/** Horizontal stacked bars (e.g. where an item's time goes): one row per bar, segments coloured by name with a legend, the total at the bar end. Non-finite or negative segments are left out. */
export function stackedBarChartSvg(options: StackedBarChartOptions): string {
  const width = Math.max(320, options.width ?? 720);
  const { bars, unit } = options;
  const clean = bars.map((b) => ({ ...b, segments: b.segments.filter((s) => Number.isFinite(s.value) && s.value > 0) }));
  const names = [...new Set(clean.flatMap((b) => b.segments.map((s) => s.name)))];
  const colourOf = (name: string): string => PALETTE[names.indexOf(name) % PALETTE.length] ?? INK;
  const totals = clean.map((b) => b.segments.reduce((a, s) => a + s.value, 0));

  const [head, headHeight] = header(options.title, options.subtitle, width);
  const parts = [head];
  let top = headHeight;
  if (names.length) {
    const [markup, used] = legend(names.map((name) => ({ name, colour: colourOf(name), kind: 'box' as const })), 16, top + 4, width - 32);
    parts.push(markup);
    top += used + 4;
  }
  const rowHeight = 28;
  const { labels, values, left, right, plotTop, bottom } = barRows(clean, totals, unit, width, top, rowHeight);
  const xa = axis([0, ...totals], unit, 0);
  const sx = scale(xa.lo, xa.hi, left, right);
  xa.ticks.forEach((t, i) => {
    const x = sx(t);
    parts.push(`<line x1="${n(x)}" y1="${n(plotTop)}" x2="${n(x)}" y2="${n(bottom)}" stroke="${GRID}"/>`);
    parts.push(text(x, bottom + 15, xa.labels[i] ?? '', `font-size="10" fill="${MUTED}" text-anchor="middle"`));
  });
  if (xa.unit) parts.push(text((left + right) / 2, bottom + 31, xa.unit, `font-size="11" fill="${INK}" text-anchor="middle"`));
  clean.forEach((bar, i) => {
    const cy = plotTop + i * rowHeight + rowHeight / 2;
    parts.push(text(left - 8, cy + 4, labels[i] ?? '', `font-size="12" fill="${INK}" text-anchor="end"`));
    let at = 0;
    for (const s of bar.segments) {
      const x0 = sx(at);
      at += s.value;
      parts.push(`<rect class="segment" x="${n(x0)}" y="${n(cy - 9)}" width="${n(sx(at) - x0)}" height="18" fill="${colourOf(s.name)}"><title>${esc(`${s.name}: ${formatValue(s.value, unit)}`)}</title></rect>`);
    }
    const note = bar.note ? `<tspan dx="8" font-weight="bold">${esc(bar.note)}</tspan>` : '';
    parts.push(`<text x="${n(sx(at) + 4)}" y="${n(cy + 4)}" font-size="11" fill="${INK}">${esc(values[i] ?? '')}${note}</text>`);
  });
  if (clean.length === 0) parts.push(text((left + right) / 2, plotTop + rowHeight / 2 + 4, 'no data', `font-size="12" fill="${MUTED}" text-anchor="middle"`));
  parts.push(`<line x1="${n(sx(0))}" y1="${n(plotTop)}" x2="${n(sx(0))}" y2="${n(bottom)}" stroke="${MUTED}"/>`);
  return svgDocument(width, bottom + (xa.unit ? 44 : 28), parts.join('\n'));
}

// The rows of a horizontal bar chart: fitted labels on the left, value texts (and notes) on the
// right, the plot between them, one row per bar.
function barRows(bars: ReadonlyArray<{ label: string; note?: string }>, totals: readonly number[], unit: string, width: number, top: number, rowHeight: number) {
  const labels = bars.map((b) => fit(b.label, width * 0.35, 12));
  const values = totals.map((t) => formatValue(t, unit));
  const labelWidth = Math.max(0, ...labels.map((l) => textWidth(l, 12)));
  const valueWidth = Math.max(0, ...bars.map((b, i) => textWidth(values[i] ?? '', 11) + (b.note ? 8 + textWidth(b.note, 11) : 0)));
  const left = 16 + labelWidth + 10;
  const right = Math.max(left + 60, width - 16 - valueWidth - 6);
  const plotTop = top + 8;
  const bottom = plotTop + Math.max(1, bars.length) * rowHeight;
  return { labels, values, left, right, plotTop, bottom };
}
