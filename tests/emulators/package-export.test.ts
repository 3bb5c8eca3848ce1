import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from '@jest/globals';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// Other programs import the emulators by the package's export (`npm test` builds dist/ first).
test("import { startEmulators } from 'bcsync/emulators' works for other programs", async () => {
  const script = `
    import { startEmulators } from 'bcsync/emulators';
    const emu = await startEmulators({ seed: 'empty' });
    const s = emu.stats();
    console.log(JSON.stringify({ bc: emu.bc.url, dv: emu.dataverse.url, token: emu.tokenUrl, keys: Object.keys(emu.credentials), log: Array.isArray(emu.requestLog), lower: typeof s.lowerBoundMs.total }));
    await emu.close();`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: root, timeout: 20_000 });
  const out = JSON.parse(stdout) as { bc: string; dv: string; token: string; keys: string[]; log: boolean; lower: string };
  expect(out.bc).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v2\.0\/[^/]+\/[^/]+\/api\/v2\.0$/);
  expect(out.dv).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/data\/v9\.2$/);
  expect(out.token).toMatch(/\/oauth2\/v2\.0\/token$/);
  expect(out.keys.sort()).toEqual(['clientId', 'clientSecret', 'tenantId']);
  expect(out.log).toBe(true);
  expect(out.lower).toBe('number');
});
