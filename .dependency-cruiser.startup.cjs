/**
 * What a short CLI command loads before it can start (docs/performance.md#end-to-end): `npm run lint`
 * cruises workers/relsync.ts with dynamic `import()` left out, so these rules see only what Node loads
 * at start-up. Each command's module is imported when that command runs; `import` (the hourly delta
 * of seconds, where start-up is a real share of the time) must not pull in what it does not use.
 */
/** Static imports only: `from` may not reach `to` through them, however indirectly. */
function neverLoads(name, comment, from, to) {
  return { name, comment, severity: 'error', from: { path: from }, to: { path: to, reachable: true } };
}

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    neverLoads('entry-point-loads-no-command', 'workers/relsync.ts parses the command line; each command (and its queue, Redis, HTTP, storage, dashboard code) loads when it runs.',
      '^workers/relsync\\.ts$',
      '^src/(cli/commands|app|usecases|processors|simulator|dashboard|zoho|ledger|storage|triggers|ops)/|^workers/(?!relsync\\.ts)|node_modules/(bullmq|ioredis|undici|pino|prom-client|express|@bull-board|ssh2|@aws-sdk|chokidar|cron-parser)/'),
    neverLoads('import-loads-what-it-uses', '`relsync import` needs Redis, the queue, the CSV reader and the profile: not the Zoho client (a dry run loads it), remote stores (loaded by the kind of URL), the dashboard, the simulator, metrics or the worker runtime.',
      '^src/cli/commands/import-command\\.ts$',
      '^src/(simulator|dashboard|zoho|processors|triggers|ops|app/(?!queues\\.ts|lifecycle\\.ts))/|^src/storage/(s3|sftp|https)-store\\.ts$|node_modules/(undici|prom-client|express|@bull-board|ssh2|@aws-sdk|chokidar|pino)/'),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { dynamic: true },
    tsPreCompilationDeps: false, // type-only imports load nothing
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
  },
};
