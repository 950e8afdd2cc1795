/**
 * The abuse suite (`npm run test:abuse`): hostile input and hostile tenants against the real service (PostgreSQL,
 * Redis, BullMQ, fake providers). Each case asserts what a user would see while the attack runs: the status code,
 * nothing stored, another account still answered within a second. Kept apart from `npm test` because several cases
 * load the machine on purpose.
 */
module.exports = {
  displayName: 'abuse',
  testEnvironment: 'node',
  rootDir: '../..',
  testMatch: ['<rootDir>/test/abuse/**/*.abuse-spec.ts'],
  setupFiles: ['<rootDir>/test/support/fast-check.setup.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.spec.json' }] },
  testTimeout: 120000,
  maxWorkers: 1,
};
