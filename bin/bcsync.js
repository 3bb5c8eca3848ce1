#!/usr/bin/env node
// Launcher only: everything else lives in dist/main.js so that tests can run commands in-process.
import { run } from '../dist/main.js';

process.exitCode = await run(process.argv);
