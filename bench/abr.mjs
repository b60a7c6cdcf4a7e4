// ABR benchmark: builds the trace-driven simulator (crate `flodrama-abr-sim`) and runs every
// algorithm over every trace, comparing ours with hls.js 1.7's default rule.
//
// Usage: node bench/abr.mjs [--traces DIR] [--half all|tune|check] [--setup default|test|both]
//                           [--per-trace] [--dump NAME_PART] [--set KEY=VALUE]...
// Without --traces it uses ../shared/traces/train beside the repository when present, else
// the simulator's built-in synthetic traces. Human-readable tables go first; the last line is
// one JSON object with the figures.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);

function fail(message) {
  console.log(JSON.stringify({ error: message }));
  process.exit(1);
}

if (!args.includes('--traces')) {
  const shared = resolve(root, '..', 'shared', 'traces', 'train');
  if (existsSync(shared)) {
    args.unshift('--traces', shared);
  } else {
    console.log('no ../shared/traces/train beside the repository: using synthetic traces');
  }
}

const build = spawnSync('cargo', ['build', '--release', '-p', 'flodrama-abr-sim'], {
  cwd: root,
  stdio: ['ignore', 'inherit', 'inherit'],
});
if (build.status !== 0) {
  fail(`cargo build failed (${build.error?.message ?? `exit ${build.status}`})`);
}

const targetDir = process.env.CARGO_TARGET_DIR
  ? resolve(root, process.env.CARGO_TARGET_DIR)
  : resolve(root, 'target');
const binary = resolve(targetDir, 'release', 'flodrama-abr-sim');
const child = spawn(binary, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });

// Stream human lines as they come; keep JSON lines back so the figures end up last.
let json = null;
const lines = createInterface({ input: child.stdout });
lines.on('line', (line) => {
  if (line.startsWith('{')) {
    try {
      json = JSON.parse(line);
      return;
    } catch {
      // Not JSON after all: a human line.
    }
  }
  console.log(line);
});

child.on('error', (err) => fail(`cannot run ${binary}: ${err.message}`));
child.on('close', (code) => {
  if (code !== 0 || json === null) {
    fail(`simulator exited with ${code}${json === null ? ' and no JSON' : ''}`);
  }
  console.log(JSON.stringify(json));
});
