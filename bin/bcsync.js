#!/usr/bin/env node
// Launcher only: everything else lives in dist/main.js (what tests run in-process), bundled into one file by
// `npm run build` (tools/bundle.mjs) so that a command starts without loading ~800 modules one by one.
import { run } from '../dist/bundle/bcsync.js';

process.exitCode = await run(process.argv);
