// Bundles the CLI (dist/main.js and every package it imports) into one file, dist/bundle/bcsync.js, which
// bin/bcsync.js runs. Why: Node 20 has no module compile cache, and resolving, reading and linking the ~800
// modules of dist/ and node_modules took ~0.4 s of every command's start (half of `bcsync --version`).
// One file is read and compiled lazily instead. dist/main.js stays the library entry and what tests import.
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/main.js'],
  outfile: 'dist/bundle/bcsync.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // CommonJS packages (ajv under conf, proper-lockfile, ...) call require(), and write-file-atomic hashes
  // __filename into its temp names; an ES module has neither of its own.
  banner: {
    js: [
      "import { createRequire as bundleRequire } from 'node:module';",
      "import { fileURLToPath as bundleFileURLToPath } from 'node:url';",
      'const require = bundleRequire(import.meta.url);',
      'const __filename = bundleFileURLToPath(import.meta.url);',
    ].join(' '),
  },
  // Without comments and indentation: 3.1 MB instead of 4.2, and no character beyond Latin-1 (a "—" in a comment
  // made V8 keep the whole source as two-byte text: 8.4 MB of heap). Names are kept for stack traces; the source
  // map gives their place in dist/ (node --enable-source-maps).
  minifyWhitespace: true,
  legalComments: 'none',
  sourcemap: 'linked',
  logLevel: 'warning',
});
