// An audit report as text (a table) and as a self-contained SVG (one panel per series).
import { formatValue, panelChartSvg } from '../report/svg.js';
import type { AuditReport } from './audit.js';
import { timingTable } from './timing.js';

export function reportTable(report: AuditReport, title = 'audit'): string {
  const lines = [
    `${title}: ${report.leaks ? `LEAKS (${report.grew.join(', ')})` : 'no leak found'} — ${report.epochs} epochs, ` +
      `${report.warmupEpochs} of warm-up left out, gc between epochs: ${report.gc === 'forced' ? 'yes' : 'no (run node with --expose-gc for a sharper verdict)'}`,
    `${'series'.padEnd(28)} ${'first'.padStart(11)} ${'last'.padStart(11)} ${'per epoch'.padStart(12)} ${'threshold'.padStart(11)}  verdict`,
  ];
  const measured = report.perEpoch.slice(report.warmupEpochs);
  for (const s of report.series) {
    const first = measured[0]?.[s.name] ?? NaN;
    const last = measured[measured.length - 1]?.[s.name] ?? NaN;
    const verdict = !s.judged ? '' : s.grew ? 'GROWS' : 'flat';
    const slope = `${s.slopePerEpoch >= 0 ? '+' : ''}${formatValue(s.slopePerEpoch, s.unit)}`;
    lines.push(
      `${s.title.padEnd(28)} ${formatValue(first, s.unit).padStart(11)} ${formatValue(last, s.unit).padStart(11)} ${slope.padStart(12)} ` +
        `${(s.judged ? formatValue(s.threshold, s.unit) : '').padStart(11)}  ${verdict}`,
    );
  }
  if (report.timing) lines.push(...timingTable(report.timing));
  return lines.join('\n');
}

export function reportSvg(report: AuditReport, title = 'tensorloader audit'): string {
  return panelChartSvg({
    title,
    subtitle: `${report.leaks ? `leaks: ${report.grew.join(', ')}` : 'no leak found'}; ${report.epochs} epochs (${report.warmupEpochs} warm-up); gc ${report.gc}`,
    xLabel: 'epoch',
    panels: report.series.map((s) => ({
      title: s.title,
      unit: s.unit,
      note: s.judged ? `${s.slopePerEpoch >= 0 ? '+' : ''}${formatValue(s.slopePerEpoch, s.unit)}/epoch${s.grew ? ' — GROWS' : ''}` : undefined,
      series: [{ name: s.name, points: report.perEpoch.map((p) => [p.epoch, p[s.name]] as const) }],
    })),
  });
}
