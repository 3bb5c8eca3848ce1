// The emulators for the bench, in a process of their own, so that what the bench measures of bcsync (CPU, peak
// RSS) is bcsync's and not the emulated systems' 100,000s of rows. Driven over the fork IPC channel:
//   parent -> { id, cmd: 'stats' | 'resetLog' | 'requests' | 'timeline' | 'cpu' | 'memory' | 'count' | 'close', api?, table? }
//   child  -> { type: 'ready', info } once listening, then { id, result } or { id, error } per command.
// The client secret travels over IPC only (never argv, never printed).
import { DEFAULT_LATENCY, startEmulators } from '../dist/emulators/index.js';

const options = JSON.parse(process.argv[2] ?? '{}');
const emu = await startEmulators({
  seed: options.seed,
  latency: options.latency ? DEFAULT_LATENCY : false,
  // Absent: the documented service-protection limits.
});

process.send({
  type: 'ready',
  info: {
    tokenUrl: emu.tokenUrl,
    authority: emu.authority,
    credentials: emu.credentials,
    bc: { url: emu.bc.url, companyId: emu.bc.companyId, companyName: emu.bc.companyName },
    dataverse: { url: emu.dataverse.url, orgUrl: emu.dataverse.orgUrl },
  },
});

/** Requests per API and kind (method + path without ids), so the printout can say what was sent. */
function requestSummary() {
  const byKind = {};
  for (const e of emu.requestLog) {
    const kind = `${e.api} ${e.method} ${e.path.replace(/\([^)]*\)/g, '(…)')}`;
    const entry = (byKind[kind] ??= { requests: 0, operations: 0 });
    entry.requests += 1;
    entry.operations += e.operations;
  }
  return byKind;
}

process.on('message', async (msg) => {
  try {
    let result;
    switch (msg.cmd) {
      case 'stats':
        result = emu.stats();
        break;
      case 'resetLog':
        emu.resetLog();
        break;
      case 'requests':
        result = requestSummary();
        break;
      case 'timeline':
        // Every request of the log with its start and duration (BENCH_TIMELINE=FILE in bench/run.js).
        result = emu.requestLog.map((e) => ({ api: e.api, method: e.method, path: e.path, query: e.query, operations: e.operations, rows: e.rows, startedAt: e.startedAt, durationMs: Math.round(e.durationMs), costMs: Math.round(e.costMs) }));
        break;
      case 'cpu': {
        // Microseconds of CPU this process has used so far (user + system).
        const c = process.cpuUsage();
        result = c.user + c.system;
        break;
      }
      case 'memory':
        // The host's own peak RSS, MB (a 1,000,000-record seed must fit: see --max-old-space-size in bench/run.js).
        result = Math.round((process.resourceUsage().maxRSS * 1024) / 1e6);
        break;
      case 'count':
        result = msg.api === 'bc' ? emu.bc.count(msg.table) : emu.dataverse.count(msg.table);
        break;
      case 'close':
        await emu.close();
        process.send({ id: msg.id, result: null }, () => process.exit(0));
        return;
      default:
        throw new Error(`unknown command ${msg.cmd}`);
    }
    process.send({ id: msg.id, result: result ?? null });
  } catch (error) {
    process.send({ id: msg.id, error: String(error?.message ?? error) });
  }
});
