// An epoch's batches as the engines consume them: submitted from the front; with onError
// 'skip', replacements for failed items are taken from the back (items of batches not yet
// submitted), so every good item still comes exactly once per epoch.

export interface Plan {
  batches: Uint32Array[];
  next: number;
}

/** Up to `want` indices from the plan's last unsubmitted batches (shrinking or dropping them). */
export function takeFromBack(plan: Plan, want: number): Uint32Array {
  const taken: number[] = [];
  while (taken.length < want && plan.batches.length > plan.next) {
    const last = plan.batches[plan.batches.length - 1]!;
    const k = Math.min(want - taken.length, last.length);
    taken.push(...last.subarray(last.length - k));
    if (k === last.length) plan.batches.pop();
    else plan.batches[plan.batches.length - 1] = last.slice(0, last.length - k);
  }
  return Uint32Array.from(taken);
}
