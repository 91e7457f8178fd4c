#!/usr/bin/env node
// `pnpm test:soak`: the full load and soak (packages/iocp/test/reliability:
// 10,000 connections, a 60 s soak) on every leg. `pnpm test` runs the same
// files reduced (2,000 connections, 10 s). Arguments go to scripts/test.mjs
// (e.g. --only linux --no-build).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { root } from './windows-env.mjs';

const args = process.argv.slice(2);
const jestArgs = args.includes('--') ? [] : ['--'];
const r = spawnSync(process.execPath, [join(root, 'scripts', 'test.mjs'), ...args, ...jestArgs, 'packages/iocp/test/reliability/(load|soak)'], {
  stdio: 'inherit',
  env: { ...process.env, IOCP_SOAK: 'full' },
});
process.exit(r.status ?? 1);
