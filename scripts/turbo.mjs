#!/usr/bin/env node
// Runs turbo with the platform and arch in its cache key (turbo.json lists
// IOCP_PLATFORM_KEY in globalEnv), so a Linux `.node` is never restored for
// a Windows build or the other way round.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const bin = require.resolve('turbo/bin/turbo');
const env = { ...process.env, IOCP_PLATFORM_KEY: `${process.platform}-${process.arch}` };
const r = spawnSync(process.execPath, [bin, ...process.argv.slice(2)], { stdio: 'inherit', env });
process.exit(r.status ?? 1);
