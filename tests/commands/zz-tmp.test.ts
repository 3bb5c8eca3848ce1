import { test, expect } from '@jest/globals';
import fs from 'node:fs';
import { startCli } from './sync-cli-helper.js';
test('x', async () => {
  const h = await startCli({});
  console.log(h.home, fs.readdirSync(h.stateDir));
  await h.close();
});
