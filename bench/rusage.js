// Preloaded into every process the bench times (node --import ./bench/rusage.js): on exit it writes the
// process's own resource usage (CPU time and the kernel's peak RSS) to the file named by BENCH_RUSAGE_FILE.
import fs from 'node:fs';

const file = process.env.BENCH_RUSAGE_FILE;
if (file) {
  process.on('exit', () => {
    const r = process.resourceUsage();
    fs.writeFileSync(file, JSON.stringify({ cpuMs: (r.userCPUTime + r.systemCPUTime) / 1000, maxRssMb: (r.maxRSS * 1024) / 1e6 }));
  });
}
