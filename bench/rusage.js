// Preloaded into every process the bench times (node --import ./bench/rusage.js): on exit it writes the
// process's own resource usage (CPU time and the kernel's peak RSS) to the file named by BENCH_RUSAGE_FILE.
// It also samples process.memoryUsage() (every BENCH_MEMORY_SAMPLE_MS, default 100 ms) and reports where the
// memory was at the sample with the highest RSS, so a peak can be told apart: V8's heap (our objects), external
// and array buffers (response bodies, sockets) or neither (code, V8's young generation, the allocator).
import fs from 'node:fs';

const file = process.env.BENCH_RUSAGE_FILE;
if (file) {
  const mb = (bytes) => Math.round((bytes / 1e6) * 10) / 10;
  let atPeak;
  // BENCH_MEMORY_TRACE=FILE: every sample appended to FILE as NDJSON (ms since start, MB), to see when a peak comes.
  const trace = process.env.BENCH_MEMORY_TRACE;
  const t0 = Date.now();
  const sample = () => {
    // process.memoryUsage() walks V8's heap spaces (~0.6 ms, 1% of a full sync's CPU at one call per 100 ms):
    // only the RSS is read at each sample unless it is a new peak or every sample is traced.
    if (!trace && atPeak && process.memoryUsage.rss() <= atPeak.rss) return;
    const m = process.memoryUsage();
    if (!atPeak || m.rss > atPeak.rss) atPeak = m;
    if (trace) fs.appendFileSync(trace, JSON.stringify({ pid: process.pid, ms: Date.now() - t0, rss: mb(m.rss), heapUsed: mb(m.heapUsed), heapTotal: mb(m.heapTotal), external: mb(m.external) }) + '\n');
  };
  const timer = setInterval(sample, Number(process.env.BENCH_MEMORY_SAMPLE_MS ?? 100));
  timer.unref();
  process.on('exit', () => {
    clearInterval(timer);
    sample();
    const r = process.resourceUsage();
    const memory = { rssMb: mb(atPeak.rss), heapUsedMb: mb(atPeak.heapUsed), heapTotalMb: mb(atPeak.heapTotal), externalMb: mb(atPeak.external), arrayBuffersMb: mb(atPeak.arrayBuffers) };
    fs.writeFileSync(file, JSON.stringify({ cpuMs: (r.userCPUTime + r.systemCPUTime) / 1000, maxRssMb: (r.maxRSS * 1024) / 1e6, memoryAtPeak: memory }));
  });
}
