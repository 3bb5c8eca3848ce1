import v8 from 'node:v8';
import type { MemoryPolicy } from '../deps.js';

/**
 * How far V8 lets its heap grow past what a full collection found live, once a service paces the run. V8's own
 * factor is chosen from how fast it collects against how fast the program allocates: during a burst of writes it
 * let a 1,000,000-customer run's heap reach 2 to 3 times what was live. 10 rather than 20: at 1,000,000 customers,
 * 293 MB at the peak instead of 299, for 92 s of CPU instead of 75 in a run of 690 s that waits on the service.
 */
export const PACED_HEAP_GROWING_PERCENT = 10;

/**
 * The flags set once the run is paced. `--semi-space-growth-factor=1` keeps V8's young generation at the size it has
 * then instead of letting it grow to 2 x 16 MB under a burst of allocation (set at the start of a run that is paced
 * from its first request, it stays at ~2 MB): more, smaller collections, CPU that a paced run has to spare.
 * `--max-semi-space-size` would say it directly, but it is read only when the heap is set up.
 */
export const PACED_V8_FLAGS = [`--heap-growing-percent=${PACED_HEAP_GROWING_PERCENT}`, '--semi-space-growth-factor=1'];

/**
 * The CLI's policy: once Business Central or Dataverse paces the run, or the run is found to be one Dataverse's
 * execution budget will pace (`DataverseSide.expectCreates`), V8 collects sooner for the rest of the process. From
 * then on the run's length is the service's, not bcsync's CPU (a 1,000,000-customer full sync spends ~10 of its 11
 * minutes waiting out Dataverse's execution-time limit), so collecting sooner costs nothing one waits for. It is not
 * set from the start: in a run the service does not pace, the CPU is the pace (measured at 100,000 customers on 7
 * December with --heap-growing-percent=20: 1.5 s more CPU; 2.05-2.18x the lower bound instead of 1.89-1.92x on a
 * day the CPU set the wall). README "Benchmarks" has what it saves.
 *
 * `v8.setFlagsFromString` after start-up is documented as unpredictable in general; these flags are read each time
 * a full collection sets the next heap limit and each time the young generation would grow, and
 * `tests/app/memory-policy.test.ts` checks that they still take effect on the Node version in use.
 */
export function collectSoonerOncePaced(setFlags: (flags: string) => void = (flags) => v8.setFlagsFromString(flags)): MemoryPolicy {
  let applied = false;
  return {
    servicePaced() {
      if (applied) return;
      applied = true;
      for (const flag of PACED_V8_FLAGS) setFlags(flag);
    },
  };
}
