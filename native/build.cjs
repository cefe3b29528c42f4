#!/usr/bin/env node
// Builds the addon with node-gyp against the headers of the Node.js that runs this script, never downloading them.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const candidates = [process.env.npm_config_nodedir, path.resolve(process.execPath, '../..'), '/usr', '/usr/local'];
const nodedir = candidates.find((d) => d && fs.existsSync(path.join(d, 'include/node/node_api.h')));
if (!nodedir) {
  process.stderr.write(
    'medcl: Node.js headers (include/node/node_api.h) not found; install nodejs headers (Debian: libnode-dev)\n',
  );
  process.exit(1);
}
const args = ['rebuild', `--nodedir=${nodedir}`, '-j', String(Math.max(1, require('node:os').availableParallelism()))];
const r = spawnSync('node-gyp', args, { stdio: 'inherit', shell: process.platform === 'win32' });
if (r.error) {
  // node-gyp is on PATH inside npm scripts; outside them fall back to npm's bundled copy.
  const npmGyp = path.join(
    path.dirname(process.execPath),
    '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
  );
  const r2 = spawnSync(process.execPath, [npmGyp, ...args], { stdio: 'inherit' });
  process.exit(r2.status ?? 1);
}
process.exit(r.status ?? 1);
