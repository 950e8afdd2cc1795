/** Unit specs live beside the code; integration and e2e suites live in test/ and use real services. */
const transform = {
  '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.spec.json' }],
};
const setupFiles = ['<rootDir>/test/support/fast-check.setup.ts'];

module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      rootDir: '.',
      testMatch: ['<rootDir>/src/**/*.spec.ts'],
      setupFiles,
      transform,
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      rootDir: '.',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      setupFiles,
      transform,
    },
  ],
  // A global option (Jest ignores it inside a project): e2e hooks start a whole service against real PostgreSQL and Redis.
  testTimeout: 60000,
};
