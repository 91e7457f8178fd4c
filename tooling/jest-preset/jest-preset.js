// The shared jest preset (like the turborepo kitchen-sink packages/jest-presets).
//
// Tests import sibling packages by name (`@iocp/futures`); the mapper points
// those names at the packages' TypeScript sources, so a test run needs no
// `dist/` and every package is loaded exactly once, from one real path (the
// Windows leg depends on that: Wine does not see pnpm's symlinks as links).
// Type checking is `tsc -b` (the typecheck task), so ts-jest only transpiles.
const path = require('node:path');

const packagesDir = path.resolve(__dirname, '..', '..', 'packages');

module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  moduleFileExtensions: ['ts', 'js', 'json', 'node'],
  moduleNameMapper: {
    '^@iocp/(futures|native|proactor|pipes|subprocess)$': `${packagesDir}/$1/src/index.ts`,
    '^iocp$': `${packagesDir}/iocp/src/index.ts`,
    // Test helpers of this preset, by real path (see above for why).
    '^@iocp/jest-preset/(.*)$': `${__dirname}/$1`,
  },
  transform: {
    '^.+\\.ts$': [
      require.resolve('ts-jest'),
      {
        diagnostics: false,
        tsconfig: {
          isolatedModules: true,
          target: 'ES2022',
          module: 'CommonJS',
          esModuleInterop: true,
          sourceMap: true,
        },
      },
    ],
  },
  // Every file closes what it opens (fds, sockets, timers): see leak-check.js.
  setupFilesAfterEnv: [path.join(__dirname, 'leak-check.js')],
  testTimeout: 20000,
};
