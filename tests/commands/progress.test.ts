import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startCli, type CliHarness } from './sync-cli-helper.js';

describe('progress events of a real run', () => {
  let h: CliHarness;
  beforeAll(async () => {
    h = await startCli();
  });
  afterAll(async () => h?.close());

  test('--json: stdout is one JSON document; stderr carries NDJSON progress events per mapping', async () => {
    const r = await h.cli(['--json', 'sync', '--mapping', 'CURRENCY']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ mappings: [expect.objectContaining({ mapping: 'CURRENCY' })] });
    const events = r.stderr.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events[0]).toMatchObject({ event: 'start', text: 'CURRENCY: reading' });
    expect(events).toContainEqual(expect.objectContaining({ event: 'progress', task: 'CURRENCY', phase: expect.any(String) }));
    expect(events.at(-1)).toMatchObject({ event: 'done', ok: true, text: expect.stringMatching(/^CURRENCY: /) });
  });
});

describe('the cached environment', () => {
  let h: CliHarness;
  beforeAll(async () => {
    h = await startCli();
  });
  afterAll(async () => h?.close());

  test('is written through the state with mode 0600, like every state file', async () => {
    const fs = await import('node:fs');
    const path = await import('node:path');
    expect((await h.cli(['sync', '--mapping', 'CURRENCY'])).code).toBe(0);
    const file = path.join(h.stateDir, 'environment.json');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toMatchObject({ integrationUserId: expect.any(String), bcLcyCode: expect.any(String) });
  });
});
