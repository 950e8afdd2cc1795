/**
 * The fault-injection suite (`npm run test:faults`): each case starts its own Redis and PostgreSQL and runs the
 * compiled service as real processes, so the cases run one at a time and are kept out of `npm test`.
 */
module.exports = {
  displayName: 'faults',
  testEnvironment: 'node',
  rootDir: '../..',
  testMatch: ['<rootDir>/test/faults/**/*.fault-spec.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.spec.json' }] },
  testTimeout: 360000,
  maxWorkers: 1,
};
