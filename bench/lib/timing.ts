// The timing every competitor process shares: an untimed warm-up epoch, the timed epochs, and
// the one JSON line bench/lib/child.ts reads back.

/** Peak resident memory of this process, in bytes. */
export function peakRss(): number {
  return process.resourceUsage().maxRSS * 1024;
}

/** Runs `epoch` (which returns the items it produced) once untimed, then `epochs` times timed. */
export async function timeEpochs(epochs: number, epoch: () => Promise<number>): Promise<{ items: number; seconds: number }> {
  await epoch();
  let items = 0;
  const t0 = performance.now();
  for (let e = 0; e < epochs; e++) items += await epoch();
  return { items, seconds: (performance.now() - t0) / 1000 };
}

/** Prints the result line: items per second and peak RSS, plus any extra fields. */
export function printResult(impl: string, t: { items: number; seconds: number }, extra: Record<string, number | string> = {}): void {
  console.log(JSON.stringify({ impl, items: t.items, seconds: t.seconds, itemsPerSec: t.items / t.seconds, peakRssBytes: peakRss(), ...extra }));
}
