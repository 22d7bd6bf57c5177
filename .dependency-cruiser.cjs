/**
 * The dependency direction (docs/architecture.md#direction-of-dependencies): jobs/ is a contract with no
 * I/O; src/ leaves first (config, errors, logger, domain), then the pure domain folders, the edges,
 * use cases, processors, app wiring and the CLI; workers/ are entry points nothing imports. No cycles.
 * src/dev/ (a private redis-server, its installer, the demo's sample CSV) sits beside the CLI: only the
 * CLI, workers/, test/ and bench/ use it.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'jobs-is-a-contract',
      comment: 'Another service imports jobs/: it must not pull in relsync internals or I/O.',
      severity: 'error',
      from: { path: '^jobs/' },
      to: { path: '^(src|workers)/|node_modules/(ioredis|undici|pino)/' },
    },
    {
      name: 'nothing-imports-workers',
      comment: 'workers/ are entry points with main(); the library never depends on them.',
      severity: 'error',
      from: { path: '^(src|jobs)/' },
      to: { path: '^workers/' },
    },
    {
      name: 'pure-domain',
      comment: 'CSV, profiles, planning and reports touch no Redis, no network, no queue.',
      severity: 'error',
      from: { path: '^src/(csv|profile|plan|report|domain)/' },
      to: { path: '^src/(zoho|ledger|simulator|ops|usecases|processors|app|cli|triggers|dashboard|dev)/|node_modules/(ioredis|bullmq|undici|prom-client)/' },
    },
    {
      name: 'leaves-stay-leaves',
      comment: 'config, errors and the logger are imported by everything, so they import nothing of ours above them.',
      severity: 'error',
      from: { path: '^src/(config/|errors\\.ts|logger\\.ts)' },
      to: { path: '^src/(?!config/|errors\\.ts)' },
    },
    {
      name: 'edges-below-use-cases',
      comment: 'The edges (the Zoho client with its limits kept in Redis, the run ledger, the simulator, the operations edge: metrics, the ops HTTP server, webhook delivery) may use ioredis, undici and prom-client but know nothing of use cases, processors or the CLI.',
      severity: 'error',
      from: { path: '^src/(zoho|ledger|simulator|ops)/' },
      to: { path: '^src/(usecases|processors|app|cli|triggers|dashboard|dev)/' },
    },
    {
      name: 'use-cases-below-wiring',
      comment: 'Use cases take their dependencies injected; they do not reach up to the wiring or the CLI.',
      severity: 'error',
      from: { path: '^src/usecases/' },
      to: { path: '^src/(processors|app|cli|triggers|dashboard|dev)/' },
    },
    {
      name: 'dev-tooling-out-of-the-library',
      comment: 'src/dev/ starts redis-server, may run apt-get, and builds the sample rows of the demo: the worker wiring and the library never reach it; only the CLI, workers/ and the tests do.',
      severity: 'error',
      from: { path: '^(src|jobs)/', pathNot: '^src/(cli|dev)/' },
      to: { path: '^src/dev/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
  },
};
