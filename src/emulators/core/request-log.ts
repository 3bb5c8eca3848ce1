import type { EmulatedApi, EmulatorStats, RequestLogEntry, ServiceLimits } from '../types.js';

const APIS: readonly EmulatedApi[] = ['bc', 'dataverse', 'token'];

function perApi<T>(value: () => T): Record<EmulatedApi, T> {
  return { bc: value(), dataverse: value(), token: value() };
}

/**
 * The request log all listeners append to, with per-API request numbering (fault rules address
 * requests by these numbers) and the figures `stats()` reports.
 */
export class RequestLog {
  /** Exposed as `RunningEmulators.requestLog`; emptied in place by `reset()` so references stay valid. */
  readonly entries: RequestLogEntry[] = [];
  private seq = perApi(() => 0);
  /** Requests that passed faults, authentication and limits (the ones the rate-limit floor counts). */
  private admitted = perApi(() => 0);
  /** Cost of the longest chain of pages ending in each issued `$skiptoken`: a page is asked for only after the one before. */
  private chainEnds = new Map<string, number>();
  private longestChain = perApi(() => 0);

  constructor(private readonly limits: Partial<Record<'bc' | 'dataverse', ServiceLimits | undefined>> = {}) {}

  /** The next 1-based request number of `api`; called once per request as it arrives. */
  nextSeq(api: EmulatedApi): number {
    this.seq[api] += 1;
    return this.seq[api];
  }

  markAdmitted(api: EmulatedApi): void {
    this.admitted[api] += 1;
  }

  add(entry: RequestLogEntry): void {
    this.entries.push(entry);
    if (entry.pageToken === undefined && entry.nextPageToken === undefined) return;
    const chain = entry.costMs + (entry.pageToken !== undefined ? (this.chainEnds.get(entry.pageToken) ?? 0) : 0);
    if (entry.nextPageToken !== undefined) this.chainEnds.set(entry.nextPageToken, chain);
    this.longestChain[entry.api] = Math.max(this.longestChain[entry.api], chain);
  }

  /** Empties the log and restarts request numbering and counters. */
  reset(): void {
    this.entries.length = 0;
    this.seq = perApi(() => 0);
    this.admitted = perApi(() => 0);
    this.chainEnds.clear();
    this.longestChain = perApi(() => 0);
  }

  stats(): EmulatorStats {
    const requests = perApi(() => 0);
    const operations = perApi(() => 0);
    const throttled = perApi(() => 0);
    const faults = perApi(() => 0);
    const costSum = perApi(() => 0);
    const costMax = perApi(() => 0);
    const costs = perApi((): number[] => []);
    for (const e of this.entries) {
      costs[e.api].push(e.costMs);
      requests[e.api] += 1;
      operations[e.api] += e.operations;
      if (e.fault === 'throttled') throttled[e.api] += 1;
      else if (e.fault !== undefined) faults[e.api] += 1;
      costSum[e.api] += e.costMs;
      costMax[e.api] = Math.max(costMax[e.api], e.costMs);
    }
    const bound = (api: 'bc' | 'dataverse'): number => {
      const limits = this.limits[api];
      const concurrent = limits && limits.concurrent > 0 ? limits.concurrent : Number.POSITIVE_INFINITY;
      // A sliding window of R requests per W ms lets the n-th admitted request start no earlier than floor((n-1)/R)*W.
      const n = this.admitted[api];
      const rateFloor =
        limits && limits.requestsPerWindow > 0 && n > limits.requestsPerWindow
          ? Math.floor((n - 1) / limits.requestsPerWindow) * limits.windowMs
          : 0;
      // Combined execution time (Dataverse: 20 minutes per 5): work beyond one window's budget waits for the next.
      const budget = limits?.executionMsPerWindow ?? 0;
      const executionFloor = budget > 0 && costSum[api] > budget ? Math.ceil(costSum[api] / budget - 1) * limits!.windowMs : 0;
      return Math.max(costSum[api] / concurrent, costMax[api], rateFloor, executionFloor, wholeRounds(costs[api], concurrent), this.longestChain[api]);
    };
    const bc = bound('bc');
    const dataverse = bound('dataverse');
    // The two APIs are served in parallel, so the whole run can take no less than the slower of the two.
    return { requests, operations, throttled, faults, lowerBoundMs: { bc, dataverse, total: Math.max(bc, dataverse) } };
  }

  static readonly apis = APIS;
}

/**
 * Requests are not split across slots, so they run in whole rounds: of the k*c+1 costliest requests on c slots,
 * one slot serves k+1, each costing at least the (k*c+1)-th largest. The best such bound over k (for n equal
 * requests it is ceil(n/c) rounds).
 */
function wholeRounds(costs: number[], concurrent: number): number {
  if (!Number.isFinite(concurrent) || costs.length <= concurrent) return 0;
  const sorted = [...costs].sort((a, b) => b - a);
  let bound = 0;
  for (let k = 1; k * concurrent < sorted.length; k++) bound = Math.max(bound, (k + 1) * sorted[k * concurrent]!);
  return bound;
}
