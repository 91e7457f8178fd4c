// The whole suite: every package's own jest config (each uses the shared
// preset in tooling/jest-preset). scripts/test.mjs runs it once per backend.
module.exports = {
  projects: ['<rootDir>/packages/*/jest.config.js'],
  // A global option: the preset's testTimeout does not apply in a multi-project run.
  testTimeout: 20000,
  testSequencer: '<rootDir>/tooling/jest-preset/gc-first-sequencer.js',
};
